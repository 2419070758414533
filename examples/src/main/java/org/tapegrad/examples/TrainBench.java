package org.tapegrad.examples;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.io.Json;
import org.tapegrad.core.Losses;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.train.DataParallel;
import org.tapegrad.nn.train.Evaluation;
import org.tapegrad.optim.Optimizer;

/**
 * {@code bench}: trains the 784-256-256-256-10 MLP on MNIST (batch 128) for a few epochs, timing the forward pass,
 * the backward pass and the optimizer step of every step, then times inference over the training set; prints one
 * JSON object, with the same figures as the libtorch reference harness in {@code ../shared/bench}.
 */
final class TrainBench {
    private TrainBench() {
    }

    static void main(String[] args) throws IOException {
        Options o = new Options(args, Set.of("optimizer", "threads", "epochs", "batch-size", "infer-reps", "seed",
                "model", "workspace", "parallel"));
        if (o.help) {
            System.out.println("""
                    Usage: bench [--optimizer momentum|sgd|adam|adamw] [--threads 1] [--epochs 3] [--batch-size 128]
                                 [--infer-reps 5] [--seed 1] [--workspace on|off] [--parallel batch|products]
                    Trains the 784-256-256-256-10 MLP on MNIST and prints a JSON object: train_samples_per_sec (median
                    over epochs after the first), infer_samples_per_sec (median), forward_ms, backward_ms, optimizer_ms
                    per step, backward_forward_ratio, allocated_bytes_per_step, gemm_kernel, threads, optimizer.
                    With --workspace on (the default) each step's intermediate tensors reuse the previous step's
                    storage (org.tapegrad.core.Workspace); off allocates them anew, as PyTorch's CPU allocator does.
                    With more than one thread, --parallel batch (the default) cuts each batch into one slice per thread
                    (org.tapegrad.nn.train.DataParallel; forward_ms and backward_ms are then null and
                    forward_backward_ms is the two together), and --parallel products cuts each matrix product.""");
            return;
        }
        if (!o.text("model", "mlp").equals("mlp")) {
            throw new IllegalArgumentException("--model: expected mlp, cnn, lstm, gru or rnn, got " + o.text("model", "mlp"));
        }
        String optimizerName = o.text("optimizer", "momentum");
        int threads = o.integer("threads", 1, 1);
        int epochs = o.integer("epochs", 3, 2);
        int batchSize = o.integer("batch-size", 128, 1);
        int inferReps = o.integer("infer-reps", 5, 1);
        long seed = o.integer("seed", 1, 0);
        String split = o.text("parallel", "batch");
        if (!split.equals("batch") && !split.equals("products")) {
            throw new IllegalArgumentException("--parallel: expected batch or products, got " + split);
        }
        if (threads > 1 && split.equals("products")) {
            Matmul.use(Matmul.best(threads));
        }
        MnistData data = MnistData.embedded();
        Layer model = MnistTrain.mlp(new Random(seed));
        Optimizer<?> optimizer = MnistTrain.optimizer(optimizerName, model.parameters(),
                MnistTrain.Config.defaultLr(optimizerName));
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();

        Workspace workspace = switch (o.text("workspace", "on")) {
            case "on" -> new Workspace();
            case "off" -> null;
            default -> throw new IllegalArgumentException("--workspace: expected on or off, got "
                    + o.text("workspace", "on"));
        };
        DataParallel parallel = threads > 1 && split.equals("batch") ? new DataParallel(model, threads) : null;
        List<Double> sps = new ArrayList<>();
        List<double[]> phases = new ArrayList<>();
        List<Double> allocation = new ArrayList<>();
        // With every core busy in the step, a prefetching thread would take one from it; assemble batches in line.
        boolean prefetch = parallel == null;
        try (DataLoader train = new DataLoader(data.train(), batchSize, true, seed, false, prefetch)) {
            train.setReuseBatches(true); // a batch is used only within its step
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long forward = 0;
                long backward = 0;
                long step = 0;
                int steps = 0;
                long[] threadIds = stepThreads(thread);
                long allocated = allocatedBytes(bean, threadIds);
                long e0 = System.nanoTime();
                for (Batch b : train) {
                    long t0 = System.nanoTime();
                    if (parallel != null) {
                        parallel.backward(b.inputs(), b.labels(), Losses::crossEntropy);
                        backward += System.nanoTime() - t0;
                    } else {
                        try (Scope reuse = workspace == null ? null : workspace.enter(); Tape tape = Tape.record()) {
                            Tensor loss = Losses.crossEntropy(model.call(b.inputs()), b.labels());
                            long t1 = System.nanoTime();
                            tape.backward(loss);
                            long t2 = System.nanoTime();
                            forward += t1 - t0;
                            backward += t2 - t1;
                        }
                    }
                    long t3 = System.nanoTime();
                    optimizer.step(parallel == null ? null : parallel.team());
                    if (parallel != null) {
                        parallel.zeroGrad(); // each thread its range, as it summed and updated it
                    } else {
                        optimizer.zeroGrad(false); // keep the gradient buffers: backward adds into them
                    }
                    step += System.nanoTime() - t3;
                    steps++;
                }
                double seconds = (System.nanoTime() - e0) / 1e9;
                allocation.add((double) (allocatedBytes(bean, threadIds) - allocated) / steps);
                sps.add(data.train().size() / seconds);
                phases.add(new double[] {forward / 1e6 / steps, backward / 1e6 / steps, step / 1e6 / steps});
                System.err.printf(Locale.ROOT, "epoch %d: %.0f samples/s, forward %.3f ms, backward %.3f ms, "
                        + "optimizer %.3f ms per step%n", epoch, sps.get(epoch - 1), phases.get(epoch - 1)[0],
                        phases.get(epoch - 1)[1], phases.get(epoch - 1)[2]);
            }
        }
        double[] infer = new double[inferReps];
        model.eval();
        try (Scope noGrad = Tape.noGrad()) {
            int n = data.train().size();
            int[] idx = new int[0];
            for (int r = -1; r < inferReps; r++) { // one warm-up pass
                long forwardNanos = 0;
                for (int from = 0; from < n; from += batchSize) {
                    int size = Math.min(batchSize, n - from);
                    if (idx.length != size) {
                        idx = new int[size];
                    }
                    for (int i = 0; i < size; i++) {
                        idx[i] = from + i;
                    }
                    // Gathering the batch is not timed: the libtorch harness takes a slice (a view) of its inputs.
                    Tensor x = data.train().batch(idx).inputs();
                    long t0 = System.nanoTime();
                    if (parallel != null) {
                        parallel.forward(x);
                    } else {
                        try (Scope reuse = workspace == null ? null : workspace.enter()) {
                            model.call(x);
                        }
                    }
                    forwardNanos += System.nanoTime() - t0;
                }
                if (r >= 0) {
                    infer[r] = n / (forwardNanos / 1e9);
                }
            }
        }
        double accuracy = Evaluation.evaluate(model, new DataLoader(data.test(), 1000, false, 0, false, false))
                .accuracy();
        List<Double> after = sps.subList(1, sps.size());
        double forward = median(phases.subList(1, phases.size()).stream().mapToDouble(p -> p[0]).toArray());
        double backward = median(phases.subList(1, phases.size()).stream().mapToDouble(p -> p[1]).toArray());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("train_samples_per_sec", median(after.stream().mapToDouble(Double::doubleValue).toArray()));
        json.put("infer_samples_per_sec", median(infer));
        if (parallel == null) {
            json.put("forward_ms", forward);
            json.put("backward_ms", backward);
        } else {
            json.put("forward_ms", null);
            json.put("backward_ms", null);
            json.put("forward_backward_ms", backward);
            parallel.close();
        }
        json.put("optimizer_ms", median(phases.subList(1, phases.size()).stream().mapToDouble(p -> p[2]).toArray()));
        json.put("backward_forward_ratio", parallel == null ? backward / forward : null);
        json.put("allocated_bytes_per_step", median(allocation.subList(1, allocation.size()).stream()
                .mapToDouble(Double::doubleValue).toArray()));
        json.put("test_accuracy", accuracy);
        json.put("epochs", epochs);
        json.put("batch_size", batchSize);
        json.put("gemm_kernel", Matmul.kernel().name());
        json.put("threads", threads);
        json.put("parallel", threads == 1 ? "none" : split);
        json.put("workspace", workspace != null);
        json.put("optimizer", optimizerName);
        StringBuilder sb = new StringBuilder("{");
        json.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append(Json.quote(k)).append(": ")
                .append(v instanceof String s ? Json.quote(s) : String.valueOf(v)));
        System.out.println(sb.append('}'));
    }

    /**
     * The training thread and the threads that work for its steps: team workers and the loader's prefetching thread
     * (their names start "tapegrad-").
     */
    private static long[] stepThreads(long trainingThread) {
        return java.util.stream.LongStream.concat(java.util.stream.LongStream.of(trainingThread),
                Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("tapegrad-"))
                        .mapToLong(Thread::getId)).toArray();
    }

    private static long allocatedBytes(com.sun.management.ThreadMXBean bean, long[] threads) {
        long sum = 0;
        for (long b : bean.getThreadAllocatedBytes(threads)) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
