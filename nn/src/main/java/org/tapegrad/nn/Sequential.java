package org.tapegrad.nn;

import java.util.ArrayList;
import java.util.List;
import org.tapegrad.core.Tensor;

/**
 * Layers applied in order: {@code y = mₙ(…m₁(m₀(x)))}. Children are named {@code "0"}, {@code "1"}, … so their
 * parameters are {@code 0.weight}, {@code 0.bias}, …
 *
 * <pre>{@code
 * jshell> var mlp = new Sequential(new Linear(784, 256), new Relu(), new Linear(256, 10));
 * jshell> mlp.call(Tensor.zeros(32, 784)).shape()
 * $2 ==> int[2] { 32, 10 }
 * }</pre>
 */
public class Sequential extends Layer {
    private final List<Layer> layers = new ArrayList<>();

    /** A sequence of {@code layers}, in order. */
    public Sequential(Layer... layers) {
        for (Layer m : layers) {
            add(m);
        }
    }

    /** Appends {@code layer} under the next index; returns this. */
    public Sequential add(Layer layer) {
        layers.add(registerModule(Integer.toString(layers.size()), layer));
        return this;
    }

    /** The layer at {@code index}. */
    public Layer get(int index) {
        if (index < 0 || index >= layers.size()) {
            throw new IndexOutOfBoundsException("Sequential.get: index " + index + " is outside [0, " + layers.size() + ")");
        }
        return layers.get(index);
    }

    /** Number of layers. */
    public int size() {
        return layers.size();
    }

    /** Each layer's {@link Layer#call} applied to the previous one's output. */
    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Layer m : layers) {
            x = m.call(x);
        }
        return x;
    }
}
