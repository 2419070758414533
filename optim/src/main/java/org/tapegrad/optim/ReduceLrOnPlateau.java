package org.tapegrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.io.StateDict;

/**
 * Reduces the learning rate when a metric has stopped improving, as PyTorch's {@code ReduceLROnPlateau}. Call
 * {@link #step(double)} with the metric (e.g. the validation loss) once per epoch:
 *
 * <pre>
 * better:   metric &lt; best·(1 - threshold)   (mode MIN, relative threshold)
 *           metric &gt; best·(1 + threshold)   (mode MAX, relative)
 *           metric &lt; best - threshold, metric &gt; best + threshold   (absolute)
 * if better: best ← metric, bad ← 0   else bad ← bad + 1
 * in cooldown (cooldown counter &gt; 0): counter ← counter - 1, bad ← 0
 * if bad &gt; patience: lr ← max(lr·factor, minLr) for each group (unless the change is &lt;= eps),
 *                    counter ← cooldown, bad ← 0
 * </pre>
 */
public final class ReduceLrOnPlateau implements LrSchedule {

    /** Whether a lower ({@link #MIN}, a loss) or a higher ({@link #MAX}, an accuracy) metric is better. */
    public enum Mode {
        /** Lower is better. */
        MIN,
        /** Higher is better. */
        MAX
    }

    /** Whether {@code threshold} is a fraction of the best value ({@link #REL}) or an amount ({@link #ABS}). */
    public enum ThresholdMode {
        /** Better means beyond best·(1 ∓ threshold). */
        REL,
        /** Better means beyond best ∓ threshold. */
        ABS
    }

    /**
     * Settings (PyTorch's defaults from {@link #defaults()}: MIN, factor 0.1, patience 10, threshold 1e-4 REL,
     * cooldown 0, minLr 0, eps 1e-8).
     *
     * @param mode          whether lower or higher is better
     * @param factor        multiplier of the learning rate at a reduction, &lt; 1
     * @param patience      epochs without improvement tolerated before reducing, &gt;= 0
     * @param threshold     how much better counts as better, &gt;= 0
     * @param thresholdMode relative or absolute threshold
     * @param cooldown      epochs after a reduction during which bad epochs are not counted, &gt;= 0
     * @param minLr         lower bound of every group's rate, &gt;= 0
     * @param eps           a reduction smaller than this is not applied
     */
    public record Options(Mode mode, double factor, int patience, double threshold, ThresholdMode thresholdMode,
            int cooldown, double minLr, double eps) {
        /** Checks the values, with PyTorch's messages. */
        public Options {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(thresholdMode, "thresholdMode");
            if (!(factor < 1.0)) {
                throw new IllegalArgumentException("Factor should be < 1.0.");
            }
            if (patience < 0 || cooldown < 0 || !(threshold >= 0) || !(minLr >= 0) || !(eps >= 0)) {
                throw new IllegalArgumentException("ReduceLrOnPlateau: patience, cooldown, threshold, minLr and eps "
                        + "must be >= 0, got " + patience + ", " + cooldown + ", " + threshold + ", " + minLr + ", "
                        + eps);
            }
        }

        /** PyTorch's defaults. */
        public static Options defaults() {
            return new Options(Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0, 1e-8);
        }

        /** This record with {@code mode} replaced (checked again). */
        public Options withMode(Mode mode) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        /** This record with {@code factor} replaced (checked again). */
        public Options withFactor(double factor) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        /** This record with {@code patience} replaced (checked again). */
        public Options withPatience(int patience) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        /** This record with {@code cooldown} replaced (checked again). */
        public Options withCooldown(int cooldown) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        /** This record with {@code minLr} replaced (checked again). */
        public Options withMinLr(double minLr) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        /** This record with {@code threshold} and {@code thresholdMode} replaced (checked again). */
        public Options withThreshold(double threshold, ThresholdMode thresholdMode) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }
    }

    private final Optimizer<?> optimizer;
    private final Options options;
    private int lastEpoch;
    private double best;
    private int numBadEpochs;
    private int cooldownCounter;

    /** With PyTorch's defaults. */
    public ReduceLrOnPlateau(Optimizer<?> optimizer) {
        this(optimizer, Options.defaults());
    }

    /** A schedule of the rates of all of {@code optimizer}'s groups, with the given settings. */
    public ReduceLrOnPlateau(Optimizer<?> optimizer, Options options) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.options = Objects.requireNonNull(options, "options");
        best = worst();
    }

    private double worst() {
        return options.mode() == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** Records this epoch's metric and reduces the learning rates if it has not improved for too long. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0; // bad epochs during cooldown are ignored
        }
        if (numBadEpochs > options.patience()) {
            reduceLr();
            cooldownCounter = options.cooldown();
            numBadEpochs = 0;
        }
    }

    private boolean isBetter(double a, double best) {
        boolean rel = options.thresholdMode() == ThresholdMode.REL;
        double t = options.threshold();
        if (options.mode() == Mode.MIN) {
            return rel ? a < best * (1 - t) : a < best - t;
        }
        return rel ? a > best * (1 + t) : a > best + t;
    }

    private void reduceLr() {
        for (ParamGroup<?> g : optimizer.paramGroups()) {
            double old = g.lr();
            double lr = Math.max(old * options.factor(), options.minLr());
            if (old - lr > options.eps()) {
                g.setLr(lr);
            }
        }
    }

    /** The best metric seen so far (±infinity before the first step). */
    public double best() {
        return best;
    }

    /** Consecutive epochs without improvement, as counted now. */
    public int numBadEpochs() {
        return numBadEpochs;
    }

    @Override
    public Optimizer<?> optimizer() {
        return optimizer;
    }

    @Override
    public int lastEpoch() {
        return lastEpoch;
    }

    /** The current learning rate of each group. */
    @Override
    public double[] lastLr() {
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = groups.get(i).lr();
        }
        return lrs;
    }

    /** Values {@code last_epoch}, {@code best}, {@code num_bad_epochs}, {@code cooldown_counter}. */
    @Override
    public StateDict stateDict() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("last_epoch", Integer.toString(lastEpoch));
        values.put("best", Double.toString(best));
        values.put("num_bad_epochs", Integer.toString(numBadEpochs));
        values.put("cooldown_counter", Integer.toString(cooldownCounter));
        return new StateDict(Map.of(), values);
    }

    /**
     * Restores {@link #stateDict()}: {@code last_epoch}, {@code num_bad_epochs} and {@code cooldown_counter}
     * integers &gt;= 0 (the counter at most the cooldown), {@code best} a number (±Infinity before the first
     * metric, never NaN). Anything else is refused with a message naming the key, and nothing changes.
     */
    @Override
    public void loadStateDict(StateDict state) {
        int epoch = LrScheduler.parseInt(state, "last_epoch", 0);
        double b = LrScheduler.parseNumber(state, "best");
        int bad = LrScheduler.parseInt(state, "num_bad_epochs", 0);
        int cool = LrScheduler.parseInt(state, "cooldown_counter", 0);
        if (cool > options.cooldown()) {
            throw new IllegalArgumentException("loadStateDict: 'cooldown_counter' is " + cool
                    + " but this schedule's cooldown is " + options.cooldown());
        }
        lastEpoch = epoch;
        best = b;
        numBadEpochs = bad;
        cooldownCounter = cool;
    }
}
