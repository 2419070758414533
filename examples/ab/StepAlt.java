import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * StepAlt MODEL ROUNDS STEPS fwd|step JAR_A JAR_B ...: each jar in a class loader of its own, in one JVM, their
 * steps (or recorded forward passes) alternated round by round, so that both see the same machine load; prints
 * each jar's median, min and quartiles of ms per step and the median of the paired per-round ratios last/first.
 * The probe compiled against jar i is in {@code ${ab.probes}/probe-i} (see ab.sh).
 */
public class StepAlt {
    public static void main(String[] args) throws Exception {
        String model = args[0];
        int rounds = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        boolean forwardOnly = args[3].equals("fwd");
        String[] jars = Arrays.copyOfRange(args, 4, args.length);
        Method[] run = new Method[jars.length];
        for (int v = 0; v < jars.length; v++) {
            URL[] path = {Path.of(System.getProperty("ab.probes"), "probe-" + v).toUri().toURL(),
                    Path.of(jars[v]).toUri().toURL()};
            Class<?> probe = new URLClassLoader(path, ClassLoader.getPlatformClassLoader())
                    .loadClass("org.tapegrad.examples.StepProbe");
            probe.getMethod("setup", String.class).invoke(null, model);
            run[v] = probe.getMethod("run", int.class, boolean.class);
        }
        for (int warm = 0; warm < 10; warm++) {
            for (Method m : run) {
                m.invoke(null, steps, forwardOnly);
            }
        }
        double[][] ms = new double[jars.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < jars.length; i++) {
                int v = (i + r) % jars.length; // each jar goes first in turn
                ms[v][r] = (double) run[v].invoke(null, steps, forwardOnly);
            }
        }
        for (int v = 0; v < jars.length; v++) {
            double[] x = ms[v].clone();
            Arrays.sort(x);
            System.out.printf("%-28s median %.2f ms  min %.2f  q1 %.2f  q3 %.2f%n", jars[v], x[rounds / 2], x[0],
                    x[rounds / 4], x[3 * rounds / 4]);
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = ms[jars.length - 1][r] / ms[0][r];
        }
        Arrays.sort(ratio);
        System.out.printf("paired ratio last/first: median %.3f (q1 %.3f, q3 %.3f)%n", ratio[rounds / 2],
                ratio[rounds / 4], ratio[3 * rounds / 4]);
    }
}
