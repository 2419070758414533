package org.tapegrad.examples.jmh;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.train.DataParallel;
import org.tapegrad.optim.Sgd;

/**
 * One training step (forward, backward, SGD-momentum update) of the 784-256-256-256-10 MLP at batch 128, and one
 * inference forward pass (eval mode, no recording: the layers' weights stay packed). With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is the allocation per step, all threads included. {@code workspace=true} runs each step
 * in a {@link Workspace} step, which reuses the last step's storage; gradient buffers are kept between steps
 * ({@code zeroGrad(false)}) in both cases. {@code threads=2} runs both through a {@link DataParallel} (which always
 * uses workspaces of its own, so the {@code workspace} parameter does not apply to it).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp examples/target/tapegrad-examples.jar org.openjdk.jmh.Main TrainingStepBenchmark -prof gc
 * java --add-modules jdk.incubator.vector -cp examples/target/tapegrad-examples.jar org.openjdk.jmh.Main TrainingStepBenchmark \
 *     -prof gc -p workspace=true -p threads=1,2
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TrainingStepBenchmark {
    private Layer model;
    private Sgd optimizer;
    private Tensor x;
    private int[] labels;
    @Param({"true", "false"})
    public boolean workspace;
    private Workspace steps;
    @Param({"1"})
    public int threads;
    private DataParallel parallel;
    private DataParallel inferenceParallel;
    private Layer inferenceModel;

    @Setup
    public void setup() {
        Random rng = new Random(1);
        model = new Sequential(new Linear(784, 256, rng), new Relu(), new Linear(256, 256, rng), new Relu(),
                new Linear(256, 256, rng), new Relu(), new Linear(256, 10, rng));
        List<Tensor> params = model.parameters();
        optimizer = new Sgd(params, Sgd.Options.of(0.01).withMomentum(0.9));
        x = Tensor.rand(rng, 128, 784);
        labels = rng.ints(128, 0, 10).toArray();
        steps = workspace ? new Workspace() : null;
        inferenceModel = new Sequential(new Linear(784, 256, rng), new Relu(), new Linear(256, 256, rng), new Relu(),
                new Linear(256, 256, rng), new Relu(), new Linear(256, 10, rng));
        inferenceModel.eval();
        parallel = threads > 1 ? new DataParallel(model, threads) : null;
        inferenceParallel = threads > 1 ? new DataParallel(inferenceModel, threads) : null;
    }

    @TearDown
    public void tearDown() {
        if (parallel != null) {
            parallel.close();
            inferenceParallel.close();
        }
    }

    @Benchmark
    public double trainingStep() {
        if (parallel != null) {
            double loss = parallel.backward(x, labels, Losses::crossEntropy);
            optimizer.step(parallel.team());
            parallel.zeroGrad();
            return loss;
        }
        double loss;
        try (org.tapegrad.core.Scope step = steps == null ? null : steps.enter(); Tape tape = Tape.record()) {
            Tensor l = Losses.crossEntropy(model.call(x), labels);
            tape.backward(l);
            loss = l.item();
        }
        optimizer.step();
        optimizer.zeroGrad(false);
        return loss;
    }

    @Benchmark
    public double inference() {
        if (parallel != null) {
            return inferenceParallel.forward(x).get(0, 0);
        }
        try (org.tapegrad.core.Scope step = steps == null ? null : steps.enter(); var noGrad = Tape.noGrad()) {
            return inferenceModel.call(x).get(0, 0);
        }
    }
}
