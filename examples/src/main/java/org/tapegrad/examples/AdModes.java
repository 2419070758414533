package org.tapegrad.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.tapegrad.core.io.AtomicFile;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.DType;
import org.tapegrad.core.Functional;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * {@code ad-modes}: the central claim of the seed texts, measured. The full Jacobian of a function with n inputs
 * and m outputs takes n forward-mode passes (one Jacobian-vector product per input direction) or one forward pass
 * and m backward passes (one vector-Jacobian product per output direction). So for
 *
 * <pre>
 * f: Rⁿ → R,  f(x) = Σᵢ cᵢ·tanh(xᵢ) + (Σᵢ xᵢ)² / n          (a loss: many inputs, one output)
 * g: R → Rᵐ,  g(s) = tanh(c·s) + c·s²                         (a trajectory: one input, many outputs)
 * </pre>
 *
 * reverse mode needs 1 backward pass for f where forward mode needs n, and forward mode needs 1 pass for g where
 * reverse mode needs m. Between them, {@code h: Rⁿ → R¹⁰⁰, h(x) = tanh(W·x)} (W fixed, [100, n]) takes n
 * forward-mode passes or 100 backward passes, so the faster mode changes near n = 100 (times the ratio of the two
 * passes' costs): that is the crossover the table shows. The command counts the passes, times each mode (and central finite differences, 2n
 * evaluations, for the small sizes) for n, m from 10 to 10⁵, prints the table and which mode wins, and writes a
 * log-log chart as SVG. Where a mode needs more passes than fit in the time budget, the passes that ran are timed
 * and the total is their mean times the count (the row says how many ran): every pass of a mode costs the same.
 */
final class AdModes {
    /** The largest size at which finite differences of f run (2n evaluations of an O(n) function). */
    static final int FD_LIMIT = 1000;
    /** The number of outputs of h. */
    static final int H_OUTPUTS = 100;

    private AdModes() {
    }

    /** One way of taking one function's Jacobian at one size: the passes it needs, how many ran, the time. */
    record Cell(String function, int size, String method, long forwardPasses, long backwardPasses, long passesRun,
            double seconds) {
        boolean estimated() {
            return passesRun < forwardPasses + backwardPasses;
        }
    }

    /** Every cell, and the Jacobians of the smallest size by each method, to check that they agree. */
    record Outcome(List<Cell> cells, double largestDisagreement) {
    }

    static void main(String[] args) throws IOException {
        Options o = new Options(args, Set.of("sizes", "budget-ms", "chart"));
        if (o.help) {
            System.out.println("""
                    Usage: ad-modes [--sizes 10,100,1000,10000,100000] [--budget-ms 300] [--chart ad-modes.svg]
                    Times the full Jacobian of f: R^n -> R and of g: R -> R^m by forward mode, reverse mode and
                    (small sizes) finite differences, prints the table and the crossover, writes a log-log chart.""");
            return;
        }
        int[] sizes = sizes(o.text("sizes", "10,100,1000,10000,100000"));
        double budget = o.real("budget-ms", 300) / 1000;
        Path chart = o.path("chart") == null ? Path.of("ad-modes.svg") : o.path("chart");
        Path parent = chart.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--chart: the folder of " + chart + " does not exist");
        }
        Outcome outcome = run(sizes, budget);
        print(outcome);
        AtomicFile.writeString(chart, svg(outcome.cells()));
        System.out.println("chart written to " + chart);
    }

    static int[] sizes(String list) {
        String[] parts = list.split(",");
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--sizes: '" + parts[i] + "' is not a whole number; expected a "
                        + "comma-separated list such as 10,100,1000");
            }
            if (sizes[i] < 1) {
                throw new IllegalArgumentException("--sizes: every size must be at least 1, got " + sizes[i]);
            }
        }
        return sizes;
    }

    static Outcome run(int[] sizes, double budgetSeconds) {
        measure(new int[] {10, 100}, 0.05); // warm-up: the first passes also compile the code they run
        return new Outcome(measure(sizes, budgetSeconds), disagreement(Math.min(sizes[0], 50)));
    }

    private static List<Cell> measure(int[] sizes, double budgetSeconds) {
        List<Cell> cells = new ArrayList<>();
        for (int n : sizes) {
            Tensor x = random(n, 1);
            Tensor c = random(n, 2);
            Function<Tensor[], Tensor> f = in -> in[0].tanh().mul(c).sum().add(in[0].sum().pow(2).div(n));
            cells.add(forward("f", n, f, x, budgetSeconds));
            cells.add(reverse("f", n, f, x, budgetSeconds));
            if (n <= FD_LIMIT) {
                cells.add(finiteDifferences("f", n, f, x, budgetSeconds));
            }
        }
        for (int n : sizes) {
            Tensor x = random(n, 6);
            Tensor w = random(H_OUTPUTS * n, 7).reshape(H_OUTPUTS, n).div(Math.sqrt(n));
            Function<Tensor[], Tensor> h = in -> w.matmul(in[0].reshape(n, 1)).tanh().reshape(H_OUTPUTS);
            cells.add(forward("h", n, h, x, budgetSeconds));
            cells.add(reverse("h", n, h, x, budgetSeconds));
        }
        for (int m : sizes) {
            Tensor s = Tensor.scalar(DType.FLOAT64, 0.3);
            Tensor c = random(m, 3);
            Function<Tensor[], Tensor> g = in -> c.mul(in[0]).tanh().add(c.mul(in[0].pow(2)));
            cells.add(forward("g", m, g, s, budgetSeconds));
            cells.add(reverse("g", m, g, s, budgetSeconds));
            cells.add(finiteDifferences("g", m, g, s, budgetSeconds));
        }
        return cells;
    }

    /** n forward-mode passes, one per input element: column k is J·e_k. */
    static Cell forward(String name, int size, Function<Tensor[], Tensor> fn, Tensor x, double budget) {
        int n = x.numel();
        Timing t = timed(n, budget, k -> Functional.jvp(fn, new Tensor[] {x},
                new Tensor[] {basis(n, k).reshape(x.shape())}, false).jvp());
        return new Cell(name, size, "forward", n, 0, t.ran(), t.total(n));
    }

    /** One recorded forward pass and m backward passes through it, one per output element: row k is e_kᵀ·J. */
    static Cell reverse(String name, int size, Function<Tensor[], Tensor> fn, Tensor x, double budget) {
        Tensor leaf = x.detach().requiresGrad(true);
        try (Tape tape = Tape.record()) {
            long start = System.nanoTime();
            Tensor y = fn.apply(new Tensor[] {leaf});
            double forwardSeconds = (System.nanoTime() - start) / 1e9;
            int m = y.numel();
            int[] shape = y.shape();
            Timing t = timed(m, Math.max(budget - forwardSeconds, 0), k -> Autograd.grad(y,
                    basis(m, k).reshape(shape), List.of(leaf), true, false)[0]);
            return new Cell(name, size, "reverse", 1, m, 1 + t.ran(), forwardSeconds + t.total(m));
        }
    }

    /** Central differences: two evaluations per input element. */
    static Cell finiteDifferences(String name, int size, Function<Tensor[], Tensor> fn, Tensor x, double budget) {
        int n = x.numel();
        double h = 1e-6;
        Timing t = timed(n, budget, k -> {
            Tensor step = basis(n, k).reshape(x.shape()).mul(h);
            return fn.apply(new Tensor[] {x.add(step)}).sub(fn.apply(new Tensor[] {x.sub(step)})).div(2 * h);
        });
        return new Cell(name, size, "finite differences", 2L * n, 0, 2 * t.ran(), t.total(n));
    }

    /** How many of a mode's identical passes ran, and in what time. */
    private record Timing(long ran, double seconds) {
        /** The time of all {@code count} passes: the mean of those that ran, times the count. */
        double total(int count) {
            return seconds / ran * count;
        }
    }

    /** Runs pass(0), pass(1), ... until all {@code count} ran or the budget is spent (at least one runs). */
    private static Timing timed(int count, double budget, IntFunction<Tensor> pass) {
        long start = System.nanoTime();
        long ran = 0;
        double sink = 0;
        while (ran < count) {
            sink += pass.apply((int) ran).toDoubleArray()[0];
            ran++;
            if ((System.nanoTime() - start) / 1e9 > budget) {
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!Double.isFinite(sink)) {
            throw new IllegalStateException("ad-modes: a pass produced a non-finite value");
        }
        return new Timing(ran, seconds);
    }

    /** Largest difference between the forward, reverse and finite-difference Jacobians of f and g at size n. */
    static double disagreement(int n) {
        Tensor x = random(n, 4);
        Tensor c = random(n, 5);
        Function<Tensor[], Tensor> f = in -> in[0].tanh().mul(c).sum().add(in[0].sum().pow(2).div(n));
        Function<Tensor[], Tensor> g = in -> c.mul(in[0]).tanh().add(c.mul(in[0].pow(2)));
        Tensor s = Tensor.scalar(DType.FLOAT64, -0.4);
        double worst = 0;
        for (var pair : List.of(new Object[] {f, x}, new Object[] {g, s})) {
            @SuppressWarnings("unchecked")
            Function<Tensor[], Tensor> fn = (Function<Tensor[], Tensor>) pair[0];
            Tensor at = (Tensor) pair[1];
            double[] fwd = Functional.jacobian(fn, new Tensor[] {at}, Functional.Mode.FORWARD)[0].toDoubleArray();
            double[] rev = Functional.jacobian(fn, new Tensor[] {at}, Functional.Mode.REVERSE)[0].toDoubleArray();
            for (int k = 0; k < fwd.length; k++) {
                worst = Math.max(worst, Math.abs(fwd[k] - rev[k]));
            }
            int inputs = at.numel();
            for (int k = 0; k < inputs; k++) {
                Tensor step = basis(inputs, k).reshape(at.shape()).mul(1e-6);
                double[] fd = fn.apply(new Tensor[] {at.add(step)}).sub(fn.apply(new Tensor[] {at.sub(step)}))
                        .div(2e-6).toDoubleArray();
                for (int o = 0; o < fd.length; o++) {
                    worst = Math.max(worst, Math.abs(fd[o] - rev[o * inputs + k]) / 1e-3); // FD is good to ~1e-9
                }
            }
        }
        return worst;
    }

    private static void print(Outcome outcome) {
        System.out.println("Full Jacobians by forward mode, reverse mode and central finite differences (float64)");
        System.out.println("f: R^n -> R (one output), h: R^n -> R^100, g: R -> R^m (one input); passes = forward + "
                + "backward");
        System.out.printf(Locale.ROOT, "%-3s %8s %-19s %10s %10s %12s  %s%n", "fn", "size", "method", "fwd passes",
                "bwd passes", "time (ms)", "note");
        for (Cell c : outcome.cells()) {
            System.out.printf(Locale.ROOT, "%-3s %8d %-19s %10d %10d %12s  %s%n", c.function(), c.size(), c.method(),
                    c.forwardPasses(), c.backwardPasses(), Fmt.num(c.seconds() * 1e3, 3),
                    c.estimated() ? "estimated from " + c.passesRun() + " passes" : "");
        }
        for (String fn : List.of("f", "h", "g")) {
            System.out.println(fn + ": " + crossover(outcome.cells(), fn));
        }
        System.out.printf(Locale.ROOT, "forward, reverse and finite-difference Jacobians agree: largest difference "
                + "%s (finite differences scaled by 1e3)%n", Fmt.num(outcome.largestDisagreement(), 3));
    }

    /** Which of forward and reverse mode is faster at each size, and where that changes. */
    static String crossover(List<Cell> cells, String fn) {
        StringBuilder line = new StringBuilder();
        String previous = null;
        int previousSize = 0;
        for (Cell fwd : cells) {
            if (!fwd.function().equals(fn) || !fwd.method().equals("forward")) {
                continue;
            }
            Cell rev = cells.stream().filter(c -> c.function().equals(fn) && c.size() == fwd.size()
                    && c.method().equals("reverse")).findFirst().orElseThrow();
            String winner = fwd.seconds() < rev.seconds() ? "forward" : "reverse";
            if (previous == null) {
                line.append(winner).append(" mode is faster from size ").append(fwd.size());
            } else if (!winner.equals(previous)) {
                line.append("; ").append(winner).append(" from size ").append(fwd.size()).append(" (crossover between ")
                        .append(previousSize).append(" and ").append(fwd.size()).append(")");
            }
            line.append(String.format(Locale.ROOT, " [%d: %.1fx]", fwd.size(),
                    Math.max(fwd.seconds(), rev.seconds()) / Math.min(fwd.seconds(), rev.seconds())));
            previous = winner;
            previousSize = fwd.size();
        }
        return line.toString();
    }

    /** A log-log chart of time against size, one line per function and method. */
    static String svg(List<Cell> cells) {
        double minSize = Double.MAX_VALUE;
        double maxSize = 0;
        double minT = Double.MAX_VALUE;
        double maxT = 0;
        for (Cell c : cells) {
            minSize = Math.min(minSize, c.size());
            maxSize = Math.max(maxSize, c.size());
            minT = Math.min(minT, c.seconds());
            maxT = Math.max(maxT, c.seconds());
        }
        double lx0 = Math.log10(minSize);
        double lx1 = Math.max(Math.log10(maxSize), lx0 + 1);
        double ly0 = Math.floor(Math.log10(minT));
        double ly1 = Math.max(Math.ceil(Math.log10(maxT)), ly0 + 1);
        int w = 720;
        int h = 440;
        int left = 70;
        int right = 200;
        int top = 30;
        int bottom = 50;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        s.append("<title>Full Jacobian: forward vs reverse mode</title>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\">Time for the full Jacobian (log-log); f: R^n &#8594; "
                + "R, h: R^n &#8594; R^100, g: R &#8594; R^m</text>%n", left));
        int plotW = w - left - right;
        int plotH = h - top - bottom;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#888\"/>%n", left, top, plotW, plotH));
        for (double e = ly0; e <= ly1; e++) {
            double y = top + plotH * (1 - (e - ly0) / (ly1 - ly0));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">1e%d s</text>%n", left, left + plotW, y, y,
                    left - 5, y + 4, (int) e));
        }
        for (double e = Math.ceil(lx0); e <= lx1; e++) {
            double x = left + plotW * (e - lx0) / (lx1 - lx0);
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">1e%d</text>%n", x,
                    top + plotH + 18, (int) e));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">size (n inputs of f, m "
                + "outputs of g)</text>%n", left + plotW / 2, h - 10));
        String[][] series = {{"f", "forward", "#d62728", ""}, {"f", "reverse", "#1f77b4", ""},
                {"f", "finite differences", "#7f7f7f", ""}, {"h", "forward", "#ff9896", "2,3"},
                {"h", "reverse", "#aec7e8", "2,3"}, {"g", "forward", "#d62728", "6,4"},
                {"g", "reverse", "#1f77b4", "6,4"}, {"g", "finite differences", "#7f7f7f", "6,4"}};
        int legend = 0;
        for (String[] ser : series) {
            StringBuilder points = new StringBuilder();
            for (Cell c : cells) {
                if (c.function().equals(ser[0]) && c.method().equals(ser[1])) {
                    double x = left + plotW * (Math.log10(c.size()) - lx0) / (lx1 - lx0);
                    double y = top + plotH * (1 - (Math.log10(c.seconds()) - ly0) / (ly1 - ly0));
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                }
            }
            if (points.length() == 0) {
                continue;
            }
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "stroke-dasharray=\"%s\" points=\"%s\"/>%n", ser[2], ser[3], points.toString().trim()));
            int ly = top + 10 + 18 * legend++;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\" stroke-dasharray=\"%s\"/><text x=\"%d\" y=\"%d\">%s, %s</text>%n",
                    left + plotW + 10, left + plotW + 40, ly, ly, ser[2], ser[3], left + plotW + 45, ly + 4, ser[0],
                    ser[1]));
        }
        return s.append("</svg>\n").toString();
    }

    private static Tensor basis(int n, int k) {
        double[] e = new double[n];
        e[k] = 1;
        return Tensor.of(DType.FLOAT64, e, n);
    }

    private static Tensor random(int n, long seed) {
        Random rng = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 2 * rng.nextDouble() - 1;
        }
        return Tensor.of(DType.FLOAT64, v, n);
    }
}
