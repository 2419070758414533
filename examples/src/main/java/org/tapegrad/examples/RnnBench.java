package org.tapegrad.examples;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Losses;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.train.DataParallel;
import org.tapegrad.optim.Adam;
import org.tapegrad.optim.Optimizer;

/**
 * {@code bench --model lstm|gru|rnn}: times one training step of the {@code seq-mnist} model (a one-layer recurrent
 * network over 28 rows of 28 pixels, hidden 128, and a linear head on the last step) on one random batch: the
 * forward pass alone, forward + backward, and the full Adam step (lr 3e-3), each in a {@code Workspace} step, as
 * medians after as many warm-up runs. The libtorch twin is {@code examples/libtorch-bench/run.sh rnn CELL}
 * ({@code TorchRnn}); {@code compare-rnn.sh} alternates the two.
 */
final class RnnBench {
    private static final List<String> CELLS = List.of("lstm", "gru", "rnn");

    private RnnBench() {
    }

    /** True when the arguments ask for {@code --model lstm}, {@code gru} or {@code rnn}. */
    static boolean requested(String[] args) {
        int i = Arrays.asList(args).indexOf("--model");
        return i >= 0 && i + 1 < args.length && CELLS.contains(args[i + 1]);
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("model", "batch-size", "hidden", "iterations", "threads", "parallel"));
        if (o.help) {
            System.out.println("""
                    Usage: bench --model lstm|gru|rnn [--batch-size 128] [--hidden 128] [--iterations 20] [--threads 1]
                                 [--parallel batch|products]
                    Times the forward pass, forward + backward and a full Adam step of the seq-mnist model on one
                    random batch [batch, 28, 28] (float32), each in a Workspace step, and the bytes each allocates
                    (this thread, steady state). With --threads N > 1, --parallel batch (the default) cuts the batch
                    into one slice per thread (DataParallel; the forward pass alone is then not timed), --parallel
                    products cuts each matrix product instead.""");
            return;
        }
        String cell = o.text("model", "lstm");
        int threads = o.integer("threads", 1, 1);
        String split = o.text("parallel", "batch");
        if (!split.equals("batch") && !split.equals("products")) {
            throw new IllegalArgumentException("--parallel: expected batch or products, got " + split);
        }
        if (threads > 1 && split.equals("products")) {
            Matmul.use(Matmul.best(threads));
        }
        int batch = o.integer("batch-size", 128, 1);
        int hidden = o.integer("hidden", 128, 1);
        int iterations = o.integer("iterations", 20, 3);
        Random rng = new Random(1);
        SeqMnist.SeqClassifier model = new SeqMnist.SeqClassifier(cell, hidden, 1, rng);
        Optimizer<?> optimizer = new Adam(model.parameters(), Adam.Options.of(3e-3));
        Tensor x = Tensor.rand(rng, batch, 784);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(10);
        }
        Workspace workspace = new Workspace();
        model.train();
        if (threads > 1 && split.equals("batch")) {
            try (DataParallel parallel = new DataParallel(model, threads)) {
                timeSlices(cell, hidden, model, optimizer, parallel, x, labels, iterations);
            }
            return;
        }
        Runnable forward = () -> {
            try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                Losses.crossEntropy(model.call(x), labels);
            }
        };
        Runnable forwardBackward = () -> {
            try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                tape.backward(Losses.crossEntropy(model.call(x), labels));
            }
            optimizer.zeroGrad(false);
        };
        Runnable step = () -> {
            try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                tape.backward(Losses.crossEntropy(model.call(x), labels));
            }
            optimizer.step();
            optimizer.zeroGrad(false);
        };
        System.out.printf("seq-mnist %s, hidden %d (%,d parameters), batch %d, 28 steps, float32, matmul kernel: %s, "
                + "%d iterations (medians)%n", cell, hidden, model.numParameters(), batch, Matmul.kernel().name(),
                iterations);
        double[] f = CnnBench.time(forward, iterations);
        double[] fb = CnnBench.time(forwardBackward, iterations);
        double[] s = CnnBench.time(step, iterations);
        System.out.printf("  forward                %8.2f ms  (CPU %.2f ms)  %,.0f B allocated%n", f[0], f[1], f[2]);
        System.out.printf("  forward + backward     %8.2f ms  (CPU %.2f ms)  %,.0f B allocated  backward/forward %.2f%n",
                fb[0], fb[1], fb[2], (fb[0] - f[0]) / f[0]);
        System.out.printf("  Adam step              %8.2f ms  %8.0f samples/s  (CPU %.2f ms)  %,.0f B allocated%n",
                s[0], batch / s[0] * 1e3, s[1], s[2]);
    }

    /** The step on slices of the batch, one per thread: forward + backward, and the Adam step on the team. */
    private static void timeSlices(String cell, int hidden, Layer model, Optimizer<?> optimizer,
            DataParallel parallel, Tensor x, int[] labels, int iterations) {
        Runnable forwardBackward = () -> {
            parallel.backward(x, labels, Losses::crossEntropy);
            parallel.zeroGrad();
        };
        Runnable step = () -> {
            parallel.backward(x, labels, Losses::crossEntropy);
            optimizer.step(parallel.team());
            parallel.zeroGrad();
        };
        System.out.printf("seq-mnist %s, hidden %d (%,d parameters), batch %d, 28 steps, float32, matmul kernel: %s, "
                + "%d threads on slices of the batch (DataParallel), %d iterations (medians)%n", cell, hidden,
                model.numParameters(), x.size(0), Matmul.kernel().name(), parallel.threads(), iterations);
        double[] fb = CnnBench.time(forwardBackward, iterations);
        double[] s = CnnBench.time(step, iterations);
        System.out.printf("  forward + backward     %8.2f ms  (CPU %.2f ms)  %,.0f B allocated  backward/forward -%n",
                fb[0], fb[1], fb[2]);
        System.out.printf("  Adam step              %8.2f ms  %8.0f samples/s  (CPU %.2f ms)  %,.0f B allocated%n",
                s[0], x.size(0) / s[0] * 1e3, s[1], s[2]);
    }
}
