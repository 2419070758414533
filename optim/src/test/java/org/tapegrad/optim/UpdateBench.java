package org.tapegrad.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * A harness, not a test: times the optimizer update of the float32 parameters of the 784-256-256-256-10 MLP
 * (335,114 elements in 8 tensors), variants interleaved in one process, and prints medians.
 *
 * <ol>
 *   <li>SGD with momentum 0.9 and Adam: the update in double with double state (every dtype's path before state
 *       followed the parameter's dtype) against the float32 update with float state; and a copy of the parameters
 *       as a memory-bandwidth reference.</li>
 *   <li>With {@code all}: the float32 update of every option combination of {@link Float32UpdateTest#cases()}, all
 *       run in the same JVM, so each loop is compiled with a profile that has seen every option.</li>
 * </ol>
 *
 * <pre>
 * ./mvnw -o -q test-compile -pl optim -am
 * java -cp optim/target/test-classes:optim/target/classes:examples/target/tapegrad-examples.jar \
 *     org.tapegrad.optim.UpdateBench [rounds 15] [reps 50] [hot|cold] [all]
 * </pre>
 *
 * {@code cold} writes 64 MB before each timed update, as the rest of a training step pushes the state out of cache.
 */
public final class UpdateBench {
    static final int[] SIZES = {784 * 256, 256, 256 * 256, 256, 256 * 256, 256, 256 * 10, 10};
    static final int N = Arrays.stream(SIZES).sum();

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        boolean cold = args.length > 2 && args[2].equals("cold");
        boolean all = args.length > 3 && args[3].equals("all");
        float[] thrash = new float[cold ? 16 << 20 : 0];

        List<Tensor> dummy = List.of(Tensor.zeros(DType.FLOAT32, 1));
        Map<String, Runnable> variants = new LinkedHashMap<>();
        Optimizer<?> momentum = new Sgd(dummy, Sgd.Options.of(0.01).withMomentum(0.9));
        Optimizer<?> adam = new Adam(dummy, Adam.Options.of(1e-3));
        variants.put("sgd momentum, double state", model(momentum, DType.FLOAT64));
        variants.put("sgd momentum, float state", model(momentum, DType.FLOAT32));
        variants.put("adam, double state", model(adam, DType.FLOAT64));
        variants.put("adam, float state", model(adam, DType.FLOAT32));
        float[] from = new float[N];
        float[] to = new float[N];
        variants.put("copy 335,114 floats", () -> System.arraycopy(from, 0, to, 0, N));
        if (all) {
            for (Optimizer<?> opt : Float32UpdateTest.cases()) {
                variants.put(opt.getClass().getSimpleName() + " " + opt.paramGroups().get(0).options(),
                        model(opt, DType.FLOAT32));
            }
        }

        Map<String, double[]> micros = new LinkedHashMap<>();
        variants.keySet().forEach(name -> micros.put(name, new double[rounds]));
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Runnable> v : variants.entrySet()) {
                long total = 0;
                for (int i = 0; i < reps; i++) {
                    if (cold) {
                        Arrays.fill(thrash, i);
                    }
                    long t0 = System.nanoTime();
                    v.getValue().run();
                    total += System.nanoTime() - t0;
                }
                micros.get(v.getKey())[r] = total / 1e3 / reps;
            }
        }
        System.out.printf("%d elements, %s caches, %d rounds of %d steps: median [min, max] of the rounds after the "
                + "first 3, µs per step and ns per element%n", N, cold ? "cold" : "hot", rounds, reps);
        for (Map.Entry<String, double[]> e : micros.entrySet()) {
            double[] t = Arrays.copyOfRange(e.getValue(), Math.min(3, rounds - 1), rounds);
            Arrays.sort(t);
            double median = t[t.length / 2];
            System.out.printf("%8.1f µs [%6.1f, %6.1f] %6.3f ns/el  %s%n", median, t[0], t[t.length - 1],
                    median * 1e3 / N, e.getKey());
        }
    }

    /** One update of the MLP's parameters by {@code opt}'s rule, with state of {@code stateDtype}, per run. */
    static <O extends Optimizer.Hyperparameters> Runnable model(Optimizer<O> opt, DType stateDtype) {
        O options = opt.paramGroups().get(0).options();
        double lr = opt.paramGroups().get(0).lr();
        Random rng = new Random(1);
        List<float[]> ps = new ArrayList<>();
        List<float[]> gs = new ArrayList<>();
        List<ParamState> states = new ArrayList<>();
        for (int n : SIZES) {
            float[] p = new float[n];
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                p[i] = (float) rng.nextGaussian() * 0.05f;
                g[i] = (float) rng.nextGaussian() * 1e-3f;
            }
            ps.add(p);
            gs.add(g);
            states.add(opt.newState(options, stateDtype, n));
        }
        return () -> {
            for (int k = 0; k < SIZES.length; k++) {
                ParamState s = states.get(k);
                s.step++;
                if (stateDtype == DType.FLOAT32) {
                    opt.updateFloat32(options, lr, s, ps.get(k), gs.get(k), 0, SIZES[k]);
                } else {
                    opt.update(options, lr, s, ArrayView.of(ps.get(k)), ArrayView.of(gs.get(k)));
                }
            }
        };
    }
}
