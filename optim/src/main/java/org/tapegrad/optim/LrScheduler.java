package org.tapegrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.io.StateDict;

/**
 * A schedule whose learning rate is a closed-form function of the epoch counter, as PyTorch's
 * {@code LRScheduler} subclasses: {@code lr_i = f(base_i, epoch)} for each parameter group i, where
 * {@code base_i} is the group's {@link ParamGroup#initialLr() initial learning rate}.
 *
 * <p>Constructing a schedule applies epoch 0 (sets each group's lr to {@code f(base_i, 0)}); each {@link #step()}
 * advances the counter by one and applies the new epoch. Call it once per epoch or once per batch, as suits the
 * schedule's length, after {@code optimizer.step()}:
 *
 * <pre>{@code
 * var schedule = new CosineAnnealingLr(optimizer, epochs, 0);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     trainOneEpoch(optimizer);
 *     schedule.step();
 * }
 * }</pre>
 *
 * Because the rate is a function of the counter (not of the previous rate), composing schedules in time with
 * {@link SequentialLr} and restoring them from a checkpoint give exactly the rates of an uninterrupted run.
 *
 * <p><b>A schedule of one's own</b> extends this class: implement {@link #lrAt}, a pure function of the base rate
 * and the epoch, and call {@link #initialStep()} at the end of the constructor. Checkpoints ({@link #stateDict()})
 * and {@link SequentialLr} then work unchanged. For a rate given by a function, {@link LambdaLr} needs no subclass.
 */
public abstract class LrScheduler implements LrSchedule {
    private final Optimizer<?> optimizer;
    private final double[] baseLrs;
    private final double[] lastLr;
    private int lastEpoch = -1;

    /** A schedule over every parameter group of {@code optimizer}, whose initial rates it scales. */
    protected LrScheduler(Optimizer<?> optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) {
            baseLrs[i] = groups.get(i).initialLr();
        }
        lastLr = new double[baseLrs.length];
    }

    /**
     * The learning rate of a group whose initial rate is {@code baseLr}, at {@code epoch} (&gt;= 0): a pure function
     * of its arguments (no state), so that resuming and {@link SequentialLr} give the rates of an uninterrupted run.
     */
    protected abstract double lrAt(double baseLr, int epoch);

    /** Call at the end of each subclass constructor, when {@link #lrAt} can run: applies epoch 0. */
    protected final void initialStep() {
        stepTo(0);
    }

    /** Advances the epoch counter by one and sets every group's learning rate to the rate of the new epoch. */
    public void step() {
        stepTo(lastEpoch + 1);
    }

    /** Sets the counter to {@code epoch} and applies its rates (what {@link SequentialLr} does at a milestone). */
    void stepTo(int epoch) {
        double[] lrs = new double[baseLrs.length];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = lrAt(baseLrs[i], epoch); // all computed before any is applied: a refusal changes nothing
        }
        lastEpoch = epoch;
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        for (int i = 0; i < lrs.length; i++) {
            groups.get(i).setLr(lrs[i]);
            lastLr[i] = lrs[i];
        }
        applied(epoch);
    }

    /** Called after the rates of {@code epoch} were applied; {@link OneCycleLr} sets its momentum here. */
    void applied(int epoch) {
    }

    /** Moves the counter back by one without touching the optimizer ({@link SequentialLr}'s construction). */
    void undoStep() {
        lastEpoch--;
    }

    @Override
    public final Optimizer<?> optimizer() {
        return optimizer;
    }

    @Override
    public final int lastEpoch() {
        return lastEpoch;
    }

    @Override
    public final double[] lastLr() {
        return lastLr.clone();
    }

    /** The initial learning rate of each group, which the schedule scales (a copy). */
    public final double[] baseLrs() {
        return baseLrs.clone();
    }

    /** Values {@code last_epoch}, {@code base_lrs} and {@code last_lr} (comma-separated, one per group). */
    @Override
    public StateDict stateDict() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("last_epoch", Integer.toString(lastEpoch));
        values.put("base_lrs", join(baseLrs));
        values.put("last_lr", join(lastLr));
        return new StateDict(Map.of(), values);
    }

    /**
     * Restores {@link #stateDict()}: {@code last_epoch} an integer of at least -1 (-1: before the first epoch, as
     * an inner schedule of {@link SequentialLr} starts), {@code base_lrs} and {@code last_lr} one finite rate
     * &gt;= 0 per group. Anything else is refused with a message naming the key, and nothing changes.
     */
    @Override
    public void loadStateDict(StateDict state) {
        int epoch = parseInt(state, "last_epoch", -1);
        double[] base = parseRates(state, "base_lrs", baseLrs.length);
        double[] last = parseRates(state, "last_lr", lastLr.length);
        lastEpoch = epoch;
        System.arraycopy(base, 0, baseLrs, 0, base.length);
        System.arraycopy(last, 0, lastLr, 0, last.length);
    }

    static String join(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(v);
        }
        return sb.toString();
    }

    static String value(StateDict state, String name) {
        String v = state.values().get(name);
        if (v == null) {
            throw new IllegalArgumentException("loadStateDict: missing value '" + name + "'");
        }
        return v;
    }

    /** Value {@code name} as an integer of at least {@code min}, or an exception naming the key and the value. */
    static int parseInt(StateDict state, String name, int min) {
        String v = value(state, name);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' must be an integer of at least " + min
                    + ", got '" + v + "'", e);
        }
        if (n < min) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' must be an integer of at least " + min
                    + ", got '" + v + "'");
        }
        return n;
    }

    /** Value {@code name} as a number that is not NaN (infinities allowed), or an exception naming the key. */
    static double parseNumber(StateDict state, String name) {
        String v = value(state, name);
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' must be a number, got '" + v + "'", e);
        }
        if (Double.isNaN(d)) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' must be a number, got '" + v + "'");
        }
        return d;
    }

    /** Value {@code name} as {@code count} comma-separated learning rates, each finite and &gt;= 0. */
    static double[] parseRates(StateDict state, String name, int count) {
        String all = value(state, name);
        String[] parts = all.split(",", -1);
        if (parts.length != count) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' has " + parts.length
                    + " values but the optimizer has " + count + " parameter groups");
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = rate(name, parts[i], all);
        }
        return out;
    }

    /** {@code text} as a learning rate (finite, &gt;= 0), or an exception naming {@code name} and {@code whole}. */
    static double rate(String name, String text, String whole) {
        double d;
        try {
            d = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            d = Double.NaN;
        }
        if (!(d >= 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' must be finite and >= 0 (a learning "
                    + "rate" + (whole.equals(text) ? "" : " per group") + "), got '" + whole + "'");
        }
        return d;
    }
}
