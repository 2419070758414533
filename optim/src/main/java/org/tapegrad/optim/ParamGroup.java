package org.tapegrad.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.tapegrad.core.Tensor;

/**
 * A list of parameters that share hyperparameters, PyTorch's {@code param_groups} entry: e.g. a backbone trained
 * with a small learning rate and a head with a large one.
 *
 * <pre>{@code
 * var opt = new Sgd(List.of(
 *         new ParamGroup<>(backbone.parameters(), Sgd.Options.of(0.01)),
 *         new ParamGroup<>(head.parameters(), Sgd.Options.of(0.1).withMomentum(0.9))));
 * }</pre>
 *
 * <p>The hyperparameters are an immutable record; during training, schedules set the learning rate
 * ({@link #setLr}) and {@link OneCycleLr} the momentum (by replacing the record with
 * {@link Optimizer.Hyperparameters#withCycledMomentum}). The rate starts at {@code options.lr()}, which is also the
 * group's {@link #initialLr()}, the base from which schedules compute.
 *
 * @param <O> the optimizer's hyperparameter record
 */
public final class ParamGroup<O extends Optimizer.Hyperparameters> {
    private final List<Tensor> params;
    private O options;
    private final double initialLr;
    private double lr;

    /** A group of {@code params} (copied into a list; not empty) trained with {@code options}. */
    public ParamGroup(Iterable<Tensor> params, O options) {
        Objects.requireNonNull(params, "params");
        this.options = Objects.requireNonNull(options, "options");
        List<Tensor> list = new ArrayList<>();
        for (Tensor p : params) {
            list.add(Objects.requireNonNull(p, "params: a parameter is null"));
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        this.params = Collections.unmodifiableList(list);
        this.initialLr = options.lr();
        this.lr = options.lr();
    }

    /** The parameters, in the order given (unmodifiable). */
    public List<Tensor> params() {
        return params;
    }

    /** The group's hyperparameters; its {@code lr()} is the starting learning rate, see {@link #lr()}. */
    public O options() {
        return options;
    }

    /** The current learning rate, used by the next step. */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate of the next steps (what schedules do); must be &gt;= 0. */
    public void setLr(double lr) {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("Invalid learning rate: " + lr);
        }
        this.lr = lr;
    }

    /** Replaces the record by one with {@code momentum} as its {@link Optimizer.Hyperparameters#cycledMomentum()}. */
    @SuppressWarnings("unchecked") // withCycledMomentum returns the record's own type (its contract)
    void setCycledMomentum(double momentum) {
        this.options = (O) options.withCycledMomentum(momentum);
    }

    /** The learning rate the group was created with ({@code options.lr()}); schedules scale it. */
    public double initialLr() {
        return initialLr;
    }
}
