package bench;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.Module;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.bytedeco.pytorch.global.torch.*;

/**
 * PyTorch (libtorch CPU via bytedeco JavaCPP presets) reference for Tapegrad's mnist CNN ({@code MnistTrain.cnn}):
 * [N, 784] -> view [N, 1, 28, 28] -> conv 5x5 (1->16, stride 1, no padding) -> ReLU -> maxpool 2 -> conv 5x5
 * (16->32) -> ReLU -> maxpool 2 -> flatten 512 -> linear 128 -> ReLU -> linear 10, softmax cross-entropy, float32,
 * 80,202 parameters, PyTorch's default initialisation (which Tapegrad's Conv2d and Linear copy).
 *
 * <p>Two modes, each the twin of one Tapegrad command:
 * <ul>
 * <li>default, {@code --iterations N} (20): the twin of {@code bench --model cnn} (CnnBench). One random batch
 *     (x ~ U[0,1) [batch, 784], labels uniform in 0..9); "inference" is eval() + a forward pass without gradient
 *     recording; "step" is train() + forward + cross-entropy + backward + plain SGD (lr 0.01, no momentum) + zeroing
 *     the gradients. Each is run N times as warm-up, then N times timed; the figure is the median (sorted[N/2]) in ms
 *     and batch / median samples/s. The step's forward/backward/optimizer split is timed inside the same runs, and
 *     the mean process CPU time per run (all threads) is printed beside the wall time, as CnnBench does.</li>
 * <li>{@code --epochs N} (N >= 2): the twin of {@code mnist --model cnn --optimizer sgd --lr 0.01 --epochs N}.
 *     The 60,000 MNIST training images in shuffled batches, plain SGD whose lr follows the same per-epoch cosine
 *     annealing (lr_e = lr (1 + cos(pi e / N)) / 2, e = 0..N-1), the loss and the training accuracy read every step
 *     as Tapegrad's loop does; samples/s of an epoch = 60,000 / its training time (test evaluation not timed);
 *     train_sps = median over epochs 2..N, as in {@code bench}.</li>
 * </ul>
 *
 * Usage: java -cp ... bench.TorchCnn [--threads 1] [--batch 128] [--iterations 20] [--epochs 0] [--lr 0.01]
 *        [--seed 1] [--print train_sps|infer_sps|acc]   (print: only that one number on stdout)
 */
public final class TorchCnn {

    static final class Net extends Module {
        final Conv2dImpl conv1, conv2;
        final MaxPool2dImpl pool1, pool2;
        final LinearImpl fc1, fc2;

        Net() {
            // Conv2dImpl(in, out, kernel): stride 1, padding 0, dilation 1, bias, as Tapegrad's Conv2d(in, out, k, rng).
            conv1 = register_module("conv1", new Conv2dImpl(1, 16, new LongPointer(new long[] {5, 5})));
            pool1 = register_module("pool1", new MaxPool2dImpl(new LongPointer(new long[] {2, 2}))); // stride = kernel
            conv2 = register_module("conv2", new Conv2dImpl(16, 32, new LongPointer(new long[] {5, 5})));
            pool2 = register_module("pool2", new MaxPool2dImpl(new LongPointer(new long[] {2, 2})));
            fc1 = register_module("fc1", new LinearImpl(512, 128));
            fc2 = register_module("fc2", new LinearImpl(128, 10));
        }

        /** x [N, 784] -> logits [N, 10]. */
        Tensor forward(Tensor x) {
            x = x.view(-1, 1, 28, 28);
            x = pool1.forward(relu(conv1.forward(x)));  // [N, 16, 12, 12]
            x = pool2.forward(relu(conv2.forward(x)));  // [N, 32, 4, 4]
            x = relu(fc1.forward(x.flatten(1, -1)));    // [N, 128]
            return fc2.forward(x);
        }
    }

    public static void main(String[] args) throws Exception {
        String print = null;
        int threads = 1, batch = 128, iterations = 20, epochs = 0;
        double lr = 0.01;
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch", "--batch-size" -> batch = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--lr" -> lr = Double.parseDouble(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--print" -> print = args[++i];
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        if (iterations < 3) throw new IllegalArgumentException("--iterations must be at least 3, got " + iterations);
        if (epochs == 1 || epochs < 0) throw new IllegalArgumentException("--epochs must be 0 (step mode) or >= 2");
        final boolean verbose = print == null;

        set_num_threads(threads);
        manual_seed(seed);
        Net net = new Net();
        TensorVector params = net.parameters();
        long nparams = 0;
        for (long i = 0; i < params.size(); i++) nparams += params.get(i).numel();
        Optimizer opt = new SGD(params, new SGDOptions(lr)); // momentum 0, dampening 0, weight decay 0
        if (verbose) {
            System.out.printf("# java=%s torch threads=%d interop=%d OPENBLAS_CORETYPE=%s OMP_NUM_THREADS=%s "
                            + "OMP_WAIT_POLICY=%s MALLOC_MMAP_THRESHOLD_=%s mkldnn=%s%n", System.getProperty("java.version"),
                    get_num_threads(), get_num_interop_threads(), TorchMlp.openblasCore(),
                    System.getenv("OMP_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"),
                    System.getenv("MALLOC_MMAP_THRESHOLD_"), hasMKLDNN() && globalContext().userEnabledMkldnn());
            System.out.printf("# mnist CNN parameters=%d batch=%d float32 sgd lr=%s%n", nparams, batch, lr);
        }
        if (epochs == 0) {
            stepMode(net, opt, batch, iterations, threads, print);
        } else {
            epochMode(net, opt, batch, epochs, lr, threads, print);
        }
    }

    /** The twin of CnnBench: medians over `iterations` timed runs after as many warm-up runs, one random batch. */
    static void stepMode(Net net, Optimizer opt, int batch, int iterations, int threads, String print) {
        Tensor x = rand(batch, 784);
        Tensor y = randint(10, new long[] {batch}); // int64 labels in [0, 10)
        double[] infer = new double[iterations], step = new double[iterations];
        double[] fwd = new double[iterations], bwd = new double[iterations], upd = new double[iterations];
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuInfer = 0, cpuStep = 0; // process CPU time over the timed runs (all threads), as CnnBench prints
        net.eval();
        try (NoGradGuard ng = new NoGradGuard()) {
            for (int r = -iterations; r < iterations; r++) { // r < 0: warm-up
                if (r == 0) cpuInfer = os.getProcessCpuTime();
                try (PointerScope scope = new PointerScope()) {
                    long t0 = System.nanoTime();
                    net.forward(x);
                    if (r >= 0) infer[r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            cpuInfer = os.getProcessCpuTime() - cpuInfer;
        }
        for (int r = -iterations; r < iterations; r++) {
            if (r == 0) cpuStep = os.getProcessCpuTime();
            try (PointerScope scope = new PointerScope()) {
                long t0 = System.nanoTime();
                net.train(true);
                Tensor loss = cross_entropy_loss(net.forward(x), y);
                long t1 = System.nanoTime();
                loss.backward();
                long t2 = System.nanoTime();
                opt.step();
                opt.zero_grad();
                long t3 = System.nanoTime();
                if (r >= 0) {
                    step[r] = (t3 - t0) / 1e6;
                    fwd[r] = (t1 - t0) / 1e6;
                    bwd[r] = (t2 - t1) / 1e6;
                    upd[r] = (t3 - t2) / 1e6;
                }
            }
        }
        cpuStep = os.getProcessCpuTime() - cpuStep;
        double cpuInferMs = cpuInfer / 1e6 / iterations, cpuStepMs = cpuStep / 1e6 / iterations;
        double inferMs = upperMedian(infer), stepMs = upperMedian(step);
        double fwdMs = upperMedian(fwd), bwdMs = upperMedian(bwd), optMs = upperMedian(upd);
        double trainSps = batch / stepMs * 1e3, inferSps = batch / inferMs * 1e3;
        if (print != null) {
            switch (print) {
                case "train_sps" -> System.out.printf("%.0f%n", trainSps);
                case "infer_sps" -> System.out.printf("%.0f%n", inferSps);
                case "train_cpu_sps" -> System.out.printf("%.0f%n", batch / cpuStepMs * 1e3);
                case "infer_cpu_sps" -> System.out.printf("%.0f%n", batch / cpuInferMs * 1e3);
                default -> throw new IllegalArgumentException("--print in step mode: train_sps, infer_sps, train_cpu_sps "
                        + "or infer_cpu_sps, got " + print);
            }
            return;
        }
        System.out.printf("  inference forward      %8.2f ms  %8.0f samples/s  (CPU %.2f ms)%n", inferMs, inferSps, cpuInferMs);
        System.out.printf("  SGD step               %8.2f ms  %8.0f samples/s  (CPU %.2f ms)%n", stepMs, trainSps, cpuStepMs);
        System.out.printf("SUMMARY torch-cnn mode=step threads=%d batch=%d iterations=%d train_sps=%.0f infer_sps=%.0f "
                        + "step_ms=%.3f infer_ms=%.3f cpu_step_ms=%.3f cpu_infer_ms=%.3f step_ms fwd=%.3f bwd=%.3f "
                        + "opt=%.3f bwd/fwd=%.2f%n", threads, batch, iterations, trainSps, inferSps, stepMs, inferMs,
                cpuStepMs, cpuInferMs, fwdMs, bwdMs, optMs, bwdMs / fwdMs);
    }

    /** The twin of {@code mnist --model cnn --optimizer sgd}: shuffled MNIST epochs, cosine-annealed lr. */
    static void epochMode(Net net, Optimizer opt, int batch, int epochs, double lr, int threads, String print)
            throws Exception {
        int[] d = new int[3];
        float[] xtr = Idx.images("train-images-idx3-ubyte.gz", d);
        int ntr = d[0];
        int[] ytr = Idx.labels("train-labels-idx1-ubyte.gz");
        float[] xte = Idx.images("t10k-images-idx3-ubyte.gz", d);
        int nte = d[0];
        int[] yte = Idx.labels("t10k-labels-idx1-ubyte.gz");
        Tensor Xtr = AbstractTensor.create(xtr, ntr, 784);
        Tensor Ytr = AbstractTensor.create(TorchMlp.toLong(ytr), ntr);
        Tensor Xte = AbstractTensor.create(xte, nte, 784);
        Tensor Yte = AbstractTensor.create(TorchMlp.toLong(yte), nte);
        boolean verbose = print == null;
        if (verbose) {
            System.out.printf("# train=%d test=%d epochs=%d (cosine-annealed lr)%n", ntr, nte, epochs);
            System.out.printf("%5s %10s %9s %9s %10s %8s %9s %9s %9s%n", "epoch", "train_loss", "train_acc", "test_acc",
                    "samples/s", "seconds", "fwd_ms", "bwd_ms", "opt_ms");
        }
        List<Double> epochSps = new ArrayList<>();
        List<double[]> split = new ArrayList<>();
        double lastAcc = Double.NaN;
        int steps = (ntr + batch - 1) / batch;
        for (int ep = 1; ep <= epochs; ep++) {
            opt.param_groups().get(0).options().set_lr(lr * (1 + Math.cos(Math.PI * (ep - 1) / epochs)) / 2);
            net.train(true);
            double lossSum = 0;
            long correct = 0, tf = 0, tb = 0, to = 0;
            long e0 = System.nanoTime();
            try (PointerScope epochScope = new PointerScope()) {
                Tensor perm = randperm(ntr);
                for (int s = 0; s < steps; s++) {
                    try (PointerScope scope = new PointerScope()) {
                        long lo = (long) s * batch, hi = Math.min(ntr, lo + batch);
                        Tensor idx = perm.slice(0, new LongOptional(lo), new LongOptional(hi), 1);
                        Tensor x = Xtr.index_select(0, idx);
                        Tensor y = Ytr.index_select(0, idx);
                        long t0 = System.nanoTime();
                        Tensor logits = net.forward(x);
                        Tensor loss = cross_entropy_loss(logits, y);
                        long t1 = System.nanoTime();
                        loss.backward();
                        long t2 = System.nanoTime();
                        lossSum += loss.item_float() * (hi - lo); // Tapegrad's loop reads the loss and accuracy every step
                        correct += logits.argmax(new LongOptional(1), false).eq(y).sum().item_long();
                        long t3 = System.nanoTime();
                        opt.step();
                        opt.zero_grad();
                        long t4 = System.nanoTime();
                        tf += t1 - t0; tb += t2 - t1; to += t4 - t3;
                    }
                }
            }
            double secs = (System.nanoTime() - e0) / 1e9;
            epochSps.add(ntr / secs);
            split.add(new double[] {tf / 1e6 / steps, tb / 1e6 / steps, to / 1e6 / steps});
            lastAcc = accuracy(net, Xte, Yte, nte, 1000);
            if (verbose) System.out.printf("%5d %10.4f %8.2f%% %8.2f%% %10.0f %8.1f %9.3f %9.3f %9.3f%n", ep,
                    lossSum / ntr, 100.0 * correct / ntr, 100 * lastAcc, ntr / secs, secs,
                    split.get(ep - 1)[0], split.get(ep - 1)[1], split.get(ep - 1)[2]);
        }
        List<double[]> steadySplit = split.subList(1, split.size());
        double sps = TorchMlp.median(epochSps.subList(1, epochSps.size()).stream().mapToDouble(Double::doubleValue).toArray());
        double fwdMs = TorchMlp.median(steadySplit.stream().mapToDouble(a -> a[0]).toArray());
        double bwdMs = TorchMlp.median(steadySplit.stream().mapToDouble(a -> a[1]).toArray());
        double optMs = TorchMlp.median(steadySplit.stream().mapToDouble(a -> a[2]).toArray());
        if (print != null) {
            switch (print) {
                case "train_sps" -> System.out.printf("%.0f%n", sps);
                case "acc" -> System.out.printf("%.4f%n", lastAcc);
                default -> throw new IllegalArgumentException("--print in epoch mode: train_sps or acc, got " + print);
            }
            return;
        }
        System.out.printf("SUMMARY torch-cnn mode=epochs threads=%d batch=%d epochs=%d train_sps_median=%.0f (epochs 2..%d) "
                        + "test_acc=%.4f step_ms fwd=%.3f bwd=%.3f opt=%.3f bwd/fwd=%.2f%n",
                threads, batch, epochs, sps, epochs, lastAcc, fwdMs, bwdMs, optMs, bwdMs / fwdMs);
    }

    /** Test accuracy in batches of {@code bs}, in eval mode without gradient recording (not timed). */
    static double accuracy(Net net, Tensor X, Tensor Y, int n, int bs) {
        net.eval();
        long correct = 0;
        try (NoGradGuard ng = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (long lo = 0; lo < n; lo += bs) {
                long hi = Math.min(n, lo + bs);
                Tensor x = X.slice(0, new LongOptional(lo), new LongOptional(hi), 1);
                Tensor y = Y.slice(0, new LongOptional(lo), new LongOptional(hi), 1);
                correct += net.forward(x).argmax(new LongOptional(1), false).eq(y).sum().item_long();
            }
        }
        net.train(true);
        return correct / (double) n;
    }

    /** sorted[n / 2], the definition CnnBench uses (the upper median for even n). */
    static double upperMedian(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
