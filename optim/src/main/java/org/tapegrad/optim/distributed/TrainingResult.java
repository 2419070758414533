package org.tapegrad.optim.distributed;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tapegrad.core.DType;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tensor;

/**
 * What a rank returns from {@link DistributedTraining#run}: the trained model's state (rank 0 only) and the run's
 * figures, serialisable so that a launcher can send it back to its driver.
 *
 * @param rank             the rank that produced it
 * @param worldSize        the number of ranks
 * @param attempt          the launcher's attempt number (0 for a first run; Spark's {@code stageAttemptNumber})
 * @param resumedFromStep  the step this attempt resumed from (0: it started from the beginning)
 * @param stepsPerEpoch    steps in one epoch
 * @param stepLosses       the global batch's loss at every step of the run, resumed steps included (rank 0;
 *                         empty on the other ranks)
 * @param exchangeMillis   this rank's gradient exchange (pack, all-reduce, unpack) at every step of this attempt;
 *                         the all-reduce includes waiting for the slowest rank to finish its backward pass
 * @param stepMillis       this rank's whole step (batch assembly, forward, backward, exchange, update) at every step
 *                         of this attempt
 * @param tensors          the trained model's state dict tensors (rank 0; empty on the other ranks)
 */
public record TrainingResult(int rank, int worldSize, int attempt, long resumedFromStep, int stepsPerEpoch,
        double[] stepLosses, double[] exchangeMillis, double[] stepMillis, List<NamedTensor> tensors)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * One tensor of a state dict as plain arrays (exactly one of {@code float32} and {@code float64} is non-null).
     *
     * @param name    its name in the state dict
     * @param shape   its shape
     * @param float32 its values if it is float32
     * @param float64 its values if it is float64
     */
    public record NamedTensor(String name, int[] shape, float[] float32, double[] float64) implements Serializable {
        private static final long serialVersionUID = 1L;

        static NamedTensor of(String name, Tensor t) {
            return t.dtype() == DType.FLOAT32
                    ? new NamedTensor(name, t.shape(), t.toFloatArray(), null)
                    : new NamedTensor(name, t.shape(), null, t.toDoubleArray());
        }

        Tensor tensor() {
            return float32 != null ? Tensor.of(float32, shape) : Tensor.of(DType.FLOAT64, float64, shape);
        }
    }

    /** {@code state}'s tensors as serialisable arrays. */
    static List<NamedTensor> tensorsOf(StateDict state) {
        List<NamedTensor> out = new ArrayList<>();
        state.tensors().forEach((name, t) -> out.add(NamedTensor.of(name, t)));
        return out;
    }

    /**
     * The trained model's state dict, to load with {@code model.loadStateDict(result.modelState(), true)}.
     *
     * @throws IllegalStateException on a rank other than 0, which does not return the model
     */
    public StateDict modelState() {
        if (rank != 0) {
            throw new IllegalStateException("TrainingResult.modelState: rank " + rank + " does not return the model; "
                    + "use rank 0's result");
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (NamedTensor t : tensors) {
            m.put(t.name(), t.tensor());
        }
        return new StateDict(m, Map.of());
    }

    /** The median of {@link #exchangeMillis()} (NaN when no step ran). */
    public double medianExchangeMillis() {
        return median(exchangeMillis);
    }

    /** The median of {@link #stepMillis()} (NaN when no step ran). */
    public double medianStepMillis() {
        return median(stepMillis);
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
