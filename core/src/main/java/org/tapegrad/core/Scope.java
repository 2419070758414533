package org.tapegrad.core;

/** A scope opened by this library ({@link Tape#noGrad()}, {@link Anomaly#detect()}); use with try-with-resources. */
public interface Scope extends AutoCloseable {
    @Override
    void close();
}
