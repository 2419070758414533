package org.tapegrad.optim.distributed;

import java.io.Serializable;
import java.util.Objects;

/**
 * One training example of a classifier: a row of features and a class index, serialisable so that a cluster engine
 * (Spark) can hold it in a distributed collection.
 *
 * @param features the input row (not copied; must not change afterwards)
 * @param label    the class index, {@code >= 0}
 */
public record LabeledExample(float[] features, int label) implements Serializable {
    /** Checks the values. */
    public LabeledExample {
        Objects.requireNonNull(features, "features");
        if (label < 0) {
            throw new IllegalArgumentException("LabeledExample: label is " + label + "; expected a class index >= 0");
        }
    }
}
