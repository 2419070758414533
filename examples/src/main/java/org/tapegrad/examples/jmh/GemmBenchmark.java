package org.tapegrad.examples.jmh;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ejml.data.FMatrixRMaj;
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
import org.openjdk.jmh.annotations.Warmup;
import org.tapegrad.core.gemm.BlockedMatmul;
import org.tapegrad.core.gemm.EjmlMatmul;
import org.tapegrad.core.gemm.MatmulKernel;

/**
 * The MLP's matrix products (batch 128) on each kernel. Shapes are {@code m x k x n} and the transposes of a linear
 * layer: forward {@code x·Wᵀ}, backward {@code g·W} and {@code gᵀ·x}; the last three are the narrow output layer
 * (10 classes). GFLOP/s = 2·m·k·n / time. {@code threads} is the blocked kernel's team size (EJML runs on one).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp examples/target/tapegrad-examples.jar org.openjdk.jmh.Main GemmBenchmark -prof gc
 * java --add-modules jdk.incubator.vector -cp examples/target/tapegrad-examples.jar org.openjdk.jmh.Main GemmBenchmark \
 *     -p kernel=blocked -p threads=1,2
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class GemmBenchmark {
    /** m x k x n and which operand is transposed: "Bt" (forward), "" (input gradient), "At" (weight gradient). */
    @Param({"128x784x256Bt", "128x256x256Bt", "128x256x784", "256x128x784At", "256x128x256At", "128x256x10Bt",
        "128x10x256", "10x128x256At"})
    public String shape;

    @Param({"blocked", "ejml"})
    public String kernel;

    @Param({"1"})
    public int threads;

    private MatmulKernel k;
    private FMatrixRMaj a;
    private FMatrixRMaj b;
    private FMatrixRMaj c;
    private boolean ta;
    private boolean tb;

    @Setup
    public void setup() {
        String[] dims = shape.replace("Bt", "").replace("At", "").split("x");
        int m = Integer.parseInt(dims[0]);
        int kk = Integer.parseInt(dims[1]);
        int n = Integer.parseInt(dims[2]);
        ta = shape.endsWith("At");
        tb = shape.endsWith("Bt");
        Random rng = new Random(1);
        a = ta ? new FMatrixRMaj(kk, m) : new FMatrixRMaj(m, kk);
        b = tb ? new FMatrixRMaj(n, kk) : new FMatrixRMaj(kk, n);
        c = new FMatrixRMaj(m, n);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = rng.nextFloat();
        }
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] = rng.nextFloat();
        }
        k = kernel.equals("blocked") ? BlockedMatmul.create(threads) : new EjmlMatmul();
    }

    @Benchmark
    public FMatrixRMaj gemm() {
        k.gemm(a, ta, b, tb, c, false);
        return c;
    }
}
