package org.tapegrad.examples;

import java.util.Random;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * A tied autoencoder: the encoder uses W, the decoder uses Wᵀ. The tape sees one tensor feeding two ops and sums
 * both gradient contributions; this demo computes each contribution separately (with an untied copy) and shows
 * that the tied gradient is their sum.
 */
final class TiedAutoencoder {
    private TiedAutoencoder() {
    }

    static final String USAGE = "Usage: tied-autoencoder\nShows that a weight used twice gets the sum of both gradients.";

    static void main(String[] args) {
        if (Options.noOptions(args, USAGE)) {
            System.out.println(USAGE);
            return;
        }
        Random rng = new Random(3);
        Tensor x = Tensor.rand(DType.FLOAT64, rng, 8, 6);
        Tensor w = Tensor.randn(DType.FLOAT64, rng, 3, 6).mul(0.5).requiresGrad(true); // [hidden, in]

        try (Tape tape = Tape.record()) {
            Tensor code = Tensor.matmul(x, false, w, true).tanh();   // encoder: x·Wᵀ
            Tensor recon = code.matmul(w);                           // decoder: code·W (the transpose of Wᵀ)
            tape.backward(Losses.mse(recon, x));
        }
        Tensor enc = w.detach().copy().requiresGrad(true);
        Tensor dec = w.detach().copy().requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor recon = Tensor.matmul(x, false, enc, true).tanh().matmul(dec);
            tape.backward(Losses.mse(recon, x));
        }
        double[] tied = w.grad().toDoubleArray();
        double[] e = enc.grad().toDoubleArray();
        double[] d = dec.grad().toDoubleArray();
        System.out.println("Tied autoencoder x(6) -> tanh(x·Wᵀ)(3) -> ·W -> reconstruction(6), mse loss; W is [3, 6]");
        System.out.printf("%8s %14s %14s %14s %14s%n", "entry", "via encoder", "via decoder", "sum", "tied grad");
        double worst = 0;
        for (int i = 0; i < tied.length; i++) {
            if (i < 6) {
                System.out.printf("%8s %14.8f %14.8f %14.8f %14.8f%n", "W[0," + i + "]", e[i], d[i], e[i] + d[i], tied[i]);
            }
            worst = Math.max(worst, Math.abs(e[i] + d[i] - tied[i]));
        }
        System.out.printf("... (%d entries); largest |sum - tied| over all entries: %.2e%n", tied.length, worst);
        System.out.println("The tape keeps one gradient slot per tensor and adds every contribution into it, so a"
                + " weight used twice (as here) or a value read by several ops gets all of its gradient.");
    }
}
