package org.tapegrad.nn.distributed;

/**
 * A collective operation of a {@link ProcessGroup} failed: a peer closed its connection, sent something other than
 * the same operation, or stayed silent past the group's timeout. The group is closed afterwards; every later call
 * on it throws this exception again, naming the first failure.
 */
public final class ProcessGroupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, caused by {@code cause} (may be null). */
    public ProcessGroupException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure described by {@code message}. */
    public ProcessGroupException(String message) {
        super(message);
    }
}
