package org.tapegrad.monitor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.RecurrentLayer;

/**
 * How far back in time the gradient reaches: for each {@link RecurrentLayer} of a model (each stacked layer
 * separately), the norm {@code ‖∂L/∂h_t‖₂} of the loss's gradient with respect to the hidden state at every time
 * step t, on the {@link GradientMonitor}'s sampled steps. The monitor owns one ({@link GradientMonitor#timeSteps()});
 * its reports draw one chart per recurrent layer, gradient norm against time step.
 *
 * <p>{@code ∂L/∂h_t} is the total gradient reaching h_t: through the output at step t and through the steps after
 * it. For a sequence classifier that reads only the last step, the signal reaches h_t only through the recurrence,
 * so {@link Sample#firstToLastRatio()} {@code = ‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖} says how much of it survives the
 * trip back: a vanilla tanh RNN's ratio falls geometrically with the sequence length (the vanishing gradient),
 * an LSTM's stays near 1 or above.
 *
 * <p>Measured through {@link RecurrentLayer#registerStepHook}: while a sampled step runs, each step's hidden state
 * gets a gradient hook, which adds {@code Σ g²} into that step's slot (summed over the calls when a layer runs
 * several times in one training step); unsampled steps run without hooks. Stacked layers of a module named
 * {@code lstm} are named {@code lstm.l0}, {@code lstm.l1}, ...; a single layer keeps the module's name.
 */
public final class TimeStepGradients {
    /**
     * One recurrent layer on one sampled step.
     *
     * @param step      the training step (as in {@link StepRecord#step()})
     * @param gradNorms {@code ‖∂L/∂h_t‖₂} for t = 0, 1, ..., NaN where no gradient reached h_t
     */
    public record Sample(long step, double[] gradNorms) {
        public Sample {
            gradNorms = gradNorms.clone();
        }

        /** The norms (a copy). */
        @Override
        public double[] gradNorms() {
            return gradNorms.clone();
        }

        /** Number of time steps measured. */
        public int steps() {
            return gradNorms.length;
        }

        /** {@code ‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖}: below 1, the gradient shrinks going back in time. */
        public double firstToLastRatio() {
            return gradNorms.length == 0 ? Double.NaN : gradNorms[0] / gradNorms[gradNorms.length - 1];
        }
    }

    private final List<Series> series = new ArrayList<>();
    private final List<HookHandle> handles = new ArrayList<>();
    private boolean attached = true;

    /** Finds the recurrent layers of {@code model}, in {@link Layer#namedModules()} order; registers nothing yet. */
    TimeStepGradients(Layer model) {
        model.namedModules().forEach((name, m) -> {
            if (m instanceof RecurrentLayer r) {
                String base = name.isEmpty() ? "(model)" : name;
                for (int l = 0; l < r.numLayers(); l++) {
                    series.add(new Series(r.numLayers() == 1 ? base : base + ".l" + l, r, l));
                }
            }
        });
    }

    /** Registers the step hooks (for a sampled step); idempotent. */
    void install() {
        if (!handles.isEmpty() || !attached) {
            return;
        }
        List<RecurrentLayer> modules = new ArrayList<>();
        for (Series s : series) {
            if (!modules.contains(s.module)) {
                modules.add(s.module);
            }
        }
        for (RecurrentLayer m : modules) {
            handles.add(m.registerStepHook(this::onStep));
        }
    }

    /** Removes the step hooks. */
    void remove() {
        handles.forEach(HookHandle::remove);
        handles.clear();
    }

    /** Removes the hooks for good; gradient hooks still pending on recorded tensors then do nothing. */
    void close() {
        remove();
        attached = false;
    }

    private void onStep(RecurrentLayer module, int layer, int step, Tensor h) {
        if (!Tape.isRecording() || !h.requiresGrad()) {
            return; // evaluation, or a state that no gradient can reach
        }
        Series s = find(module, layer);
        s.touch(step);
        h.registerHook(g -> {
            if (attached) {
                s.add(step, StatsKernel.INSTANCE.sumSquares(new Entries(g)));
            }
            return null;
        });
    }

    private Series find(RecurrentLayer module, int layer) {
        for (Series s : series) {
            if (s.module == module && s.layer == layer) {
                return s;
            }
        }
        throw new IllegalStateException("TimeStepGradients: layer " + layer + " of an unknown module");
    }

    /** Ends a sampled step: stores what the hooks measured as {@code step}'s samples and resets. */
    void record(long step) {
        for (Series s : series) {
            if (s.length > 0) {
                double[] norms = new double[s.length];
                for (int t = 0; t < s.length; t++) {
                    norms[t] = s.seen[t] ? Math.sqrt(s.squares[t]) : Double.NaN;
                }
                s.samples.add(new Sample(step, norms));
            }
            s.reset();
        }
    }

    /** The recurrent layers (one per stacked layer), in network order; empty for a model without one. */
    public List<String> layerNames() {
        return series.stream().map(s -> s.name).toList();
    }

    /** The samples of the layer named {@code layer}, oldest first. */
    public List<Sample> samples(String layer) {
        for (Series s : series) {
            if (s.name.equals(layer)) {
                return List.copyOf(s.samples);
            }
        }
        throw new IllegalArgumentException("TimeStepGradients: no recurrent layer named '" + layer + "' (layers: "
                + layerNames() + ")");
    }

    /** One stacked layer of one recurrent module: its accumulators for the current step and its samples. */
    private static final class Series {
        final String name;
        final RecurrentLayer module;
        final int layer;
        final List<Sample> samples = new ArrayList<>();
        double[] squares = new double[0];
        boolean[] seen = new boolean[0];
        int length;

        Series(String name, RecurrentLayer module, int layer) {
            this.name = name;
            this.module = module;
            this.layer = layer;
        }

        /** Makes room for time step {@code step}, which then counts as measured (NaN until a gradient arrives). */
        void touch(int step) {
            if (step >= squares.length) {
                int n = Math.max(step + 1, 2 * squares.length);
                squares = Arrays.copyOf(squares, n);
                seen = Arrays.copyOf(seen, n);
            }
            length = Math.max(length, step + 1);
        }

        void add(int step, double sumSquares) {
            touch(step);
            squares[step] += sumSquares;
            seen[step] = true;
        }

        void reset() {
            Arrays.fill(squares, 0);
            Arrays.fill(seen, false);
            length = 0;
        }
    }
}
