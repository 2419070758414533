package org.tapegrad.core;

/** Returned by every hook registration; {@link #remove()} (or closing it) unregisters the hook. Idempotent. */
public interface HookHandle extends AutoCloseable {
    void remove();

    @Override
    default void close() {
        remove();
    }
}
