package bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.Module;

import java.lang.management.ManagementFactory;

import static org.bytedeco.pytorch.global.torch.*;

/**
 * PyTorch (libtorch CPU via bytedeco JavaCPP presets) reference for Tapegrad's {@code seq-mnist} model and its
 * {@code bench --model lstm|gru|rnn} (RnnBench): a one-layer LSTM, GRU or tanh RNN with {@code batch_first}, input
 * 28, hidden 128 (PyTorch's default initialisation, which Tapegrad's layers copy), over 28 steps; the last step's
 * hidden state through a linear layer 128 -> 10; softmax cross-entropy; Adam lr 3e-3; float32. One random batch
 * x ~ U[0,1) [batch, 28, 28], labels uniform in 0..9. Forward alone, forward + backward, and the full step
 * (forward, backward, Adam, zero_grad) are each run N times as warm-up, then N times timed; figures are medians
 * (sorted[N/2]) as in RnnBench, with the process CPU time per run beside the wall time.
 *
 * Usage: java -cp ... bench.TorchRnn [--cell lstm|gru|rnn] [--threads 1] [--batch 128] [--hidden 128]
 *        [--iterations 20] [--seed 1]
 */
public final class TorchRnn {

    static final class Net extends Module {
        final String cell;
        final LSTMImpl lstm;
        final GRUImpl gru;
        final RNNImpl rnn;
        final LinearImpl head;

        Net(String cell, int hidden) {
            this.cell = cell;
            LSTMImpl l = null;
            GRUImpl g = null;
            RNNImpl r = null;
            switch (cell) {
                case "lstm" -> {
                    LSTMOptions o = new LSTMOptions(28, hidden);
                    o.batch_first().put(true);
                    l = register_module("rnn", new LSTMImpl(o));
                }
                case "gru" -> {
                    GRUOptions o = new GRUOptions(28, hidden);
                    o.batch_first().put(true);
                    g = register_module("rnn", new GRUImpl(o));
                }
                case "rnn" -> {
                    RNNOptions o = new RNNOptions(28, hidden); // tanh by default
                    o.batch_first().put(true);
                    r = register_module("rnn", new RNNImpl(o));
                }
                default -> throw new IllegalArgumentException("--cell: lstm, gru or rnn, got " + cell);
            }
            lstm = l;
            gru = g;
            rnn = r;
            head = register_module("head", new LinearImpl(hidden, 10));
        }

        /** x [N, 28, 28] -> logits [N, 10] from the last step's output. */
        Tensor forward(Tensor x) {
            Tensor out = switch (cell) {
                case "lstm" -> lstm.forward(x).get0();
                case "gru" -> gru.forward(x).get0();
                default -> rnn.forward(x).get0();
            };
            return head.forward(out.select(1, 27)); // [N, hidden]
        }
    }

    public static void main(String[] args) {
        String cell = "lstm";
        int threads = 1, batch = 128, hidden = 128, iterations = 20;
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--cell" -> cell = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch", "--batch-size" -> batch = Integer.parseInt(args[++i]);
                case "--hidden" -> hidden = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        if (iterations < 3) throw new IllegalArgumentException("--iterations must be at least 3, got " + iterations);
        set_num_threads(threads);
        manual_seed(seed);
        Net net = new Net(cell, hidden);
        TensorVector params = net.parameters();
        long nparams = 0;
        for (long i = 0; i < params.size(); i++) nparams += params.get(i).numel();
        Optimizer opt = new Adam(params, new AdamOptions(3e-3));
        System.out.printf("# java=%s torch threads=%d OPENBLAS_CORETYPE=%s OMP_NUM_THREADS=%s mkldnn=%s%n",
                System.getProperty("java.version"), get_num_threads(), TorchMlp.openblasCore(),
                System.getenv("OMP_NUM_THREADS"), hasMKLDNN() && globalContext().userEnabledMkldnn());
        System.out.printf("# seq-mnist %s hidden=%d parameters=%d batch=%d float32 adam lr=3e-3%n", cell, hidden,
                nparams, batch);

        Tensor x = rand(batch, 28, 28);
        Tensor y = randint(10, new long[] {batch});
        net.train(true);
        Runnable forward = () -> cross_entropy_loss(net.forward(x), y);
        Runnable forwardBackward = () -> {
            cross_entropy_loss(net.forward(x), y).backward();
            opt.zero_grad();
        };
        Runnable step = () -> {
            cross_entropy_loss(net.forward(x), y).backward();
            opt.step();
            opt.zero_grad();
        };
        double[] f = time(forward, iterations);
        double[] fb = time(forwardBackward, iterations);
        double[] s = time(step, iterations);
        System.out.printf("  forward                %8.2f ms  (CPU %.2f ms)%n", f[0], f[1]);
        System.out.printf("  forward + backward     %8.2f ms  (CPU %.2f ms)  backward/forward %.2f%n", fb[0], fb[1],
                (fb[0] - f[0]) / f[0]);
        System.out.printf("  Adam step              %8.2f ms  %8.0f samples/s  (CPU %.2f ms)%n", s[0],
                batch / s[0] * 1e3, s[1]);
        System.out.printf("SUMMARY torch-rnn cell=%s threads=%d batch=%d hidden=%d iterations=%d train_sps=%.0f "
                        + "step_ms=%.3f fwd_ms=%.3f fwd_bwd_ms=%.3f bwd/fwd=%.2f%n", cell, threads, batch, hidden,
                iterations, batch / s[0] * 1e3, s[0], f[0], fb[0], (fb[0] - f[0]) / f[0]);
    }

    /** {median wall ms, mean process CPU ms} per run over {@code iterations} runs, after as many warm-up runs. */
    static double[] time(Runnable r, int iterations) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] ms = new double[iterations];
        long cpu0 = 0;
        for (int i = -iterations; i < iterations; i++) {
            if (i == 0) cpu0 = os.getProcessCpuTime();
            try (PointerScope scope = new PointerScope()) {
                long t0 = System.nanoTime();
                r.run();
                if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / iterations;
        return new double[] {TorchCnn.upperMedian(ms), cpuMs};
    }
}
