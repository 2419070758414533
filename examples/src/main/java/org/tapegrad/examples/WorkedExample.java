package org.tapegrad.examples;

import org.tapegrad.core.DType;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * The small worked example of the backpropagation texts: 2 inputs, 2 ReLU hidden units (one inactive), 1 linear
 * output, squared loss. Prints every forward value and every gradient, then checks the first-order prediction.
 */
final class WorkedExample {
    private WorkedExample() {
    }

    static final String USAGE = "Usage: worked-example\nPrints the forward values and gradients of a 2-2-1 ReLU network.";

    static void main(String[] args) {
        if (Options.noOptions(args, USAGE)) {
            System.out.println(USAGE);
            return;
        }
        // float64: the first-order check at the end moves every parameter by 1e-6, below float32's resolution
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2}, 1, 2);
        Tensor w1 = Tensor.of(DType.FLOAT64, new double[] {0.5, 0.25, -1, -0.5}, 2, 2).requiresGrad(true);
        Tensor b1 = Tensor.of(DType.FLOAT64, new double[] {0.1, 0.2}, 2).requiresGrad(true);
        Tensor w2 = Tensor.of(DType.FLOAT64, new double[] {0.8, -0.3}, 1, 2).requiresGrad(true);
        Tensor b2 = Tensor.of(DType.FLOAT64, new double[] {0.05}, 1).requiresGrad(true);
        double target = 2;
        Tensor[] params = {w1, b1, w2, b2};
        String[] names = {"W1", "b1", "W2", "b2"};

        System.out.println("Network: x(2) -> z = W1·x + b1 -> h = relu(z) -> y = W2·h + b2 -> loss = (y - t)^2");
        System.out.println("x  = " + values(x) + ", target t = " + target);
        for (int i = 0; i < params.length; i++) {
            System.out.println(names[i] + " = " + values(params[i]));
        }
        double loss;
        try (Tape tape = Tape.record()) {
            Tensor z = Tensor.matmul(x, false, w1, true).add(b1).retainGrad();
            Tensor h = z.relu().retainGrad();
            Tensor y = Tensor.matmul(h, false, w2, true).add(b2).retainGrad();
            Tensor l = y.sub(target).pow(2).sum();
            loss = l.item();
            System.out.println("\nForward");
            System.out.println("  z = W1·x + b1 = " + values(z) + "   (unit 2 is negative: inactive)");
            System.out.println("  h = relu(z)   = " + values(h));
            System.out.println("  y = W2·h + b2 = " + values(y));
            System.out.printf("  loss = (y - t)^2 = %.6f%n", loss);
            tape.backward(l);
            System.out.println("\nBackward (each line is one local chain-rule step)");
            System.out.println("  dL/dy = 2(y - t)          = " + values(y.grad()));
            System.out.println("  dL/dh = dL/dy · W2        = " + values(h.grad()));
            System.out.println("  dL/dz = dL/dh · relu'(z)  = " + values(z.grad()) + "   (relu' = 0 for the inactive unit)");
        }
        System.out.println("\nParameter gradients");
        double sum = 0;
        for (int i = 0; i < params.length; i++) {
            System.out.println("  dL/d" + names[i] + " = " + values(params[i].grad()));
            for (double g : params[i].grad().toDoubleArray()) {
                sum += g;
            }
        }
        System.out.println("  (the inactive unit's row of dL/dW1 is exactly zero: no signal passes a dead ReLU)");

        double eps = 1e-6;
        Tensor h2 = Tensor.matmul(x, false, w1.detach().add(eps), true).add(b1.detach().add(eps)).relu();
        double shifted = Tensor.matmul(h2, false, w2.detach().add(eps), true).add(b2.detach().add(eps)).sub(target)
                .pow(2).sum().item();
        System.out.println("\nFirst-order check: move every parameter by eps = " + eps);
        System.out.printf("  loss change               = %.9e%n", shifted - loss);
        System.out.printf("  eps x sum of all gradients = %.9e%n", eps * sum);
        System.out.printf("  relative difference        = %.2e%n", Math.abs((shifted - loss) - eps * sum) / Math.abs(eps * sum));
    }

    static String values(Tensor t) {
        double[] v = t.toDoubleArray();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i > 0 ? ", " : "").append(String.format("%.4f", v[i]));
        }
        return sb.append(']').toString();
    }
}
