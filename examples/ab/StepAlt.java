import java.net.*;
import java.lang.reflect.*;
import java.util.*;
import java.nio.file.*;
/**
 * StepAlt MODEL ROUNDS STEPS fwd|step JAR_A JAR_B ...: each jar in a class loader of its own, in one JVM, their
 * steps (or recorded forward passes) alternated round by round, so that both see the same machine load; prints
 * each jar's median, min and quartiles of ms per step and the median of the paired per-round ratios last/first.
 */
public class StepAlt {
    public static void main(String[] args) throws Exception {
        String model = args[0];
        int rounds = Integer.parseInt(args[1]), steps = Integer.parseInt(args[2]);
        boolean fwd = args[3].equals("fwd");
        String[] jars = Arrays.copyOfRange(args, 4, args.length);
        Method[] run = new Method[jars.length];
        for (int v = 0; v < jars.length; v++) {
            ClassLoader cl = new URLClassLoader(new URL[] {Path.of(System.getProperty("ab.probes") + "/probe-" + v).toUri().toURL(),
                    Path.of(jars[v]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> c = cl.loadClass("org.tapegrad.examples.StepProbe");
            c.getMethod("setup", String.class).invoke(null, model);
            run[v] = c.getMethod("run", int.class, boolean.class);
        }
        double[][] t = new double[jars.length][rounds];
        for (int w = 0; w < 10; w++) for (Method m : run) m.invoke(null, steps, fwd); // warm-up
        for (int r = 0; r < rounds; r++)
            for (int v0 = 0; v0 < jars.length; v0++) {
                int v = (v0 + r) % jars.length;
                t[v][r] = (double) run[v].invoke(null, steps, fwd);
            }
        for (int v = 0; v < jars.length; v++) {
            double[] x = t[v].clone();
            Arrays.sort(x);
            System.out.printf("%-28s median %.2f ms  min %.2f  q1 %.2f  q3 %.2f%n", jars[v], x[rounds / 2], x[0], x[rounds / 4], x[3 * rounds / 4]);
        }
        // paired ratio median
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = t[jars.length - 1][r] / t[0][r];
        Arrays.sort(ratio);
        System.out.printf("paired ratio last/first: median %.3f (q1 %.3f, q3 %.3f)%n", ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
    }
}
