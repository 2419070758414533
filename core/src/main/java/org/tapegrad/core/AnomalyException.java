package org.tapegrad.core;

/** Thrown in {@link Anomaly} mode when an op produces NaN or infinity in its output or in a gradient. */
public final class AnomalyException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    AnomalyException(String message) {
        super(message);
    }
}
