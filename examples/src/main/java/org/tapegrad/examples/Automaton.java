package org.tapegrad.examples;

import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Conv2d;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.optim.Adam;

/**
 * {@code automaton}: recovering the rule of an unknown cellular automaton from observed frames. Boards evolve by an
 * outer-totalistic rule (by default Conway's Life, B3/S23: a dead cell with 3 live neighbours is born, a live cell
 * with 2 or 3 survives; cells beyond the edge are dead). A convolutional network whose only spatial layer is 3×3
 * (conv 3×3, 1→16, ReLU, conv 1×1, 16→16, ReLU, conv 1×1, 16→1) sees pairs (frame, next frame) and is trained by
 * backpropagation with a logistic loss per cell. Afterwards every one of the 512 possible 3×3 neighbourhoods is
 * shown to it; grouping its answers by (state of the centre, number of live neighbours) gives the rule table it
 * learned, which the command prints beside the true one, together with how consistently the network treats the
 * neighbourhoods of each group (an outer-totalistic rule depends on the count only).
 */
final class Automaton {
    static final int SIZE = 16;

    private Automaton() {
    }

    /** A rule: born[n] and survives[n] for n = 0..8 live neighbours. */
    record Rule(boolean[] born, boolean[] survives) {
        static Rule parse(String spec) {
            String s = spec.toUpperCase(java.util.Locale.ROOT);
            if (!s.matches("B[0-8]*/S[0-8]*")) {
                throw new IllegalArgumentException("--rule: expected the form B3/S23 (digits 0-8), got '" + spec + "'");
            }
            boolean[] born = new boolean[9];
            boolean[] survives = new boolean[9];
            String[] parts = s.split("/");
            parts[0].substring(1).chars().forEach(c -> born[c - '0'] = true);
            parts[1].substring(1).chars().forEach(c -> survives[c - '0'] = true);
            return new Rule(born, survives);
        }

        boolean next(boolean alive, int neighbours) {
            return alive ? survives[neighbours] : born[neighbours];
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("B");
            StringBuilder s = new StringBuilder("S");
            for (int n = 0; n <= 8; n++) {
                if (born[n]) {
                    b.append(n);
                }
                if (survives[n]) {
                    s.append(n);
                }
            }
            return b + "/" + s;
        }
    }

    /** The recovered rule and, per (state, count) group, the fraction of its neighbourhoods that agree with it. */
    record Outcome(Rule truth, Rule recovered, double worstAgreement, double finalLoss) {
        boolean exact() {
            return truth.toString().equals(recovered.toString()) && worstAgreement == 1.0;
        }
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("rule", "steps", "seed"));
        if (o.help) {
            System.out.println("""
                    Usage: automaton [--rule B3/S23] [--steps 1500] [--seed 1]
                    Learns an outer-totalistic cellular automaton from (frame, next frame) pairs with a 3x3
                    convolutional network, then reads the rule table back from it and compares it with the true one.""");
            return;
        }
        Outcome out = run(Rule.parse(o.text("rule", "B3/S23")), o.integer("steps", 1500, 1), o.integer("seed", 1, 0),
                true);
        if (!out.exact()) {
            System.exit(1);
        }
    }

    static Outcome run(Rule rule, int steps, long seed, boolean print) {
        Random rng = new Random(seed);
        Layer net = new Sequential(new Conv2d(1, 16, 3, 1, 1, rng), new Relu(), new Conv2d(16, 16, 1, rng), new Relu(),
                new Conv2d(16, 1, 1, rng));
        Adam adam = new Adam(net.parameters(), Adam.Options.of(1e-2));
        int batch = 32;
        double loss = Double.NaN;
        if (print) {
            System.out.printf("Rule %s on %dx%d boards (dead beyond the edge); network conv3x3 1-16, ReLU, conv1x1 16-16, "
                    + "ReLU, conv1x1 16-1 (%,d parameters), logistic loss per cell, Adam lr 0.01%n", rule, SIZE, SIZE,
                    net.numParameters());
        }
        for (int step = 1; step <= steps; step++) {
            Tensor[] pair = frames(rule, rng, batch);
            try (Tape tape = Tape.record()) {
                Tensor l = Losses.binaryCrossEntropyWithLogits(net.call(pair[0]), pair[1]);
                tape.backward(l);
                loss = l.item();
            }
            adam.step();
            adam.zeroGrad();
            if (print && step % Math.max(1, steps / 5) == 0) {
                System.out.printf("  step %5d  loss %.5f%n", step, loss);
            }
        }
        Outcome out = readRule(net, rule, loss);
        if (print) {
            System.out.printf("%nneighbours        %s%n", "0 1 2 3 4 5 6 7 8");
            System.out.printf("born     (true)   %s%n", row(rule.born()));
            System.out.printf("born     (learnt) %s%n", row(out.recovered().born()));
            System.out.printf("survives (true)   %s%n", row(rule.survives()));
            System.out.printf("survives (learnt) %s%n", row(out.recovered().survives()));
            System.out.printf("recovered rule %s (true %s); every 3x3 neighbourhood of a group agrees: %s (worst group "
                    + "%.1f%%)%n", out.recovered(), rule, out.worstAgreement() == 1.0 ? "yes" : "no",
                    100 * out.worstAgreement());
        }
        return out;
    }

    private static String row(boolean[] table) {
        StringBuilder sb = new StringBuilder();
        for (boolean b : table) {
            sb.append(b ? "1 " : ". ");
        }
        return sb.toString().trim();
    }

    /** {boards [n, 1, S, S], next frames [n, 1, S, S]} of random boards (live with a random density per board). */
    static Tensor[] frames(Rule rule, Random rng, int n) {
        float[] x = new float[n * SIZE * SIZE];
        float[] y = new float[x.length];
        for (int k = 0; k < n; k++) {
            double density = 0.15 + 0.6 * rng.nextDouble();
            int base = k * SIZE * SIZE;
            for (int i = 0; i < SIZE * SIZE; i++) {
                x[base + i] = rng.nextDouble() < density ? 1 : 0;
            }
            for (int r = 0; r < SIZE; r++) {
                for (int c = 0; c < SIZE; c++) {
                    int count = 0;
                    for (int dr = -1; dr <= 1; dr++) {
                        for (int dc = -1; dc <= 1; dc++) {
                            int rr = r + dr;
                            int cc = c + dc;
                            if ((dr != 0 || dc != 0) && rr >= 0 && rr < SIZE && cc >= 0 && cc < SIZE) {
                                count += (int) x[base + rr * SIZE + cc];
                            }
                        }
                    }
                    y[base + r * SIZE + c] = rule.next(x[base + r * SIZE + c] == 1, count) ? 1 : 0;
                }
            }
        }
        return new Tensor[] {Tensor.of(x, n, 1, SIZE, SIZE), Tensor.of(y, n, 1, SIZE, SIZE)};
    }

    /** Shows the network all 512 neighbourhoods (as 3x3 boards) and reads the rule of each (state, count) group. */
    static Outcome readRule(Layer net, Rule truth, double loss) {
        float[] boards = new float[512 * 9];
        for (int m = 0; m < 512; m++) {
            for (int b = 0; b < 9; b++) {
                boards[m * 9 + b] = (m >> b) & 1;
            }
        }
        float[] logits;
        try (var noGrad = Tape.noGrad()) {
            logits = net.call(Tensor.of(boards, 512, 1, 3, 3)).toFloatArray(); // [512, 1, 3, 3]
        }
        int[][] total = new int[2][9];
        int[][] liveVotes = new int[2][9];
        for (int m = 0; m < 512; m++) {
            int alive = (m >> 4) & 1; // bit 4 is the centre
            int count = Integer.bitCount(m) - alive;
            total[alive][count]++;
            if (logits[m * 9 + 4] > 0) {
                liveVotes[alive][count]++;
            }
        }
        boolean[] born = new boolean[9];
        boolean[] survives = new boolean[9];
        double worst = 1;
        for (int alive = 0; alive < 2; alive++) {
            for (int n = 0; n <= 8; n++) {
                boolean live = 2 * liveVotes[alive][n] > total[alive][n];
                (alive == 1 ? survives : born)[n] = live;
                int agreeing = live ? liveVotes[alive][n] : total[alive][n] - liveVotes[alive][n];
                worst = Math.min(worst, agreeing / (double) total[alive][n]);
            }
        }
        return new Outcome(truth, new Rule(born, survives), worst, loss);
    }
}
