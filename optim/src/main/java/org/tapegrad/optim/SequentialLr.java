package org.tapegrad.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tensor;

/**
 * Runs schedules one after another, switching at milestone epochs, as PyTorch's {@code SequentialLR}: with
 * milestones m₁ &lt; m₂ &lt; …, schedule 0 runs for epochs [0, m₁), schedule 1 for [m₁, m₂) starting again from its
 * own epoch 0, and so on. A linear warm-up followed by cosine annealing:
 *
 * <pre>{@code
 * var warmup = new LinearLr(optimizer, 0.01, 1.0, 5);
 * var cosine = new CosineAnnealingLr(optimizer, 95, 0);
 * var schedule = new SequentialLr(optimizer, List.of(warmup, cosine), new int[] {5});
 * }</pre>
 *
 * Construction resets every group to its initial rate and applies epoch 0 of the first schedule. Step only this
 * schedule, not the ones inside it.
 */
public final class SequentialLr implements LrSchedule {
    private final Optimizer<?> optimizer;
    private final List<LrScheduler> schedulers;
    private final int[] milestones;
    private int lastEpoch;
    private double[] lastLr;

    /**
     * @param optimizer  the optimizer all the schedules belong to
     * @param schedulers the schedules, in the order they run
     * @param milestones the epochs at which to switch to the next schedule, increasing, one fewer than schedules
     */
    public SequentialLr(Optimizer<?> optimizer, List<LrScheduler> schedulers, int[] milestones) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        if (this.schedulers.isEmpty()) {
            throw new IllegalArgumentException("SequentialLR expects at least one scheduler");
        }
        for (int i = 0; i < this.schedulers.size(); i++) {
            if (this.schedulers.get(i).optimizer() != optimizer) {
                throw new IllegalArgumentException("Sequential Schedulers expects all schedulers to belong to the "
                        + "same optimizer, but got scheduler at index " + i + " to be different than the optimizer "
                        + "passed in.");
            }
        }
        if (this.milestones.length != this.schedulers.size() - 1) {
            throw new IllegalArgumentException("Sequential Schedulers expects number of schedulers provided to be one "
                    + "more than the number of milestone points, but got number of schedulers "
                    + this.schedulers.size() + " and the number of milestones to be equal to " + this.milestones.length);
        }
        for (int i = 0; i < this.milestones.length; i++) {
            if (this.milestones[i] <= 0 || (i > 0 && this.milestones[i] <= this.milestones[i - 1])) {
                throw new IllegalArgumentException("SequentialLr: milestones must be positive and increasing, got "
                        + java.util.Arrays.toString(milestones));
            }
        }
        for (ParamGroup<?> g : optimizer.paramGroups()) {
            g.setLr(g.initialLr());
        }
        // Each schedule applied its epoch 0 when it was built; undo that, then start the first one.
        for (LrScheduler s : this.schedulers) {
            s.undoStep();
        }
        this.schedulers.get(0).stepTo(0);
        lastEpoch = 0;
        lastLr = this.schedulers.get(0).lastLr();
    }

    /** Advances one epoch: the schedule whose interval holds the new epoch steps (or restarts at its milestone). */
    public void step() {
        lastEpoch++;
        int idx = 0;
        while (idx < milestones.length && milestones[idx] <= lastEpoch) {
            idx++;
        }
        LrScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones[idx - 1] == lastEpoch) {
            s.stepTo(0);
        } else {
            s.step();
        }
        lastLr = s.lastLr();
    }

    @Override
    public Optimizer<?> optimizer() {
        return optimizer;
    }

    @Override
    public int lastEpoch() {
        return lastEpoch;
    }

    @Override
    public double[] lastLr() {
        return lastLr.clone();
    }

    /** Value {@code last_epoch}, {@code last_lr}, and each inner schedule's state under {@code schedulers.<i>.}. */
    @Override
    public StateDict stateDict() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> values = new LinkedHashMap<>();
        values.put("last_epoch", Integer.toString(lastEpoch));
        values.put("last_lr", LrScheduler.join(lastLr));
        for (int i = 0; i < schedulers.size(); i++) {
            StateDict inner = schedulers.get(i).stateDict().withPrefix("schedulers." + i + ".");
            tensors.putAll(inner.tensors());
            values.putAll(inner.values());
        }
        return new StateDict(tensors, values);
    }

    /**
     * Restores {@link #stateDict()}: {@code last_epoch} an integer &gt;= 0, {@code last_lr} one finite rate
     * &gt;= 0 per group, and each inner schedule's state (checked by it). Anything else is refused with a message
     * naming the key, and nothing changes (inner schedules loaded before the refusal are put back).
     */
    @Override
    public void loadStateDict(StateDict state) {
        int epoch = LrScheduler.parseInt(state, "last_epoch", 0);
        double[] last = LrScheduler.parseRates(state, "last_lr", lastLr.length);
        List<StateDict> before = new ArrayList<>();
        for (LrSchedule s : schedulers) {
            before.add(s.stateDict());
        }
        for (int i = 0; i < schedulers.size(); i++) {
            try {
                schedulers.get(i).loadStateDict(state.select("schedulers." + i + "."));
            } catch (IllegalArgumentException e) {
                for (int j = 0; j < i; j++) {
                    schedulers.get(j).loadStateDict(before.get(j));
                }
                // The inner schedule names its own key; say where it sits in this state.
                throw new IllegalArgumentException(e.getMessage().replace("loadStateDict: '",
                        "loadStateDict: 'schedulers." + i + "."), e);
            }
        }
        lastEpoch = epoch;
        lastLr = last;
    }
}
