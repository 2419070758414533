package org.tapegrad.examples;

import java.util.Arrays;

/** Entry point of {@code tapegrad-examples.jar}: {@code java -jar tapegrad-examples.jar <command> [options]}. */
public final class Main {
    private Main() {
    }

    static final String USAGE = """
            Usage: java -jar tapegrad-examples.jar <command> [options]

            Commands:
              mnist             train a classifier on MNIST (embedded) or another IDX data set
              spirals           train a small ReLU network on three interleaved spirals (core API only)
              bench             train the MLP on MNIST and print throughput and per-step timings as JSON
                                (--model cnn: time the mnist CNN; --model lstm|gru|rnn: the seq-mnist step)
              backprop-cost     backprop versus finite differences on the 335,114-parameter MLP
              worked-example    every forward value and gradient of a 2-2-1 ReLU network
              tied-autoencoder  a weight used twice gets the sum of both gradients
              trajectory        optimal control by backpropagation through time, checked against the adjoint
              forces            a network learns a Lennard-Jones energy from energies and forces (-dE/dx)
              automaton         recovers a cellular automaton's rule (Life by default) with a 3x3 conv network
              saliency          how each pixel contributed to a trained classifier's answer, as a PNG
              gradcheck         backprop against finite differences, parameter by parameter, on a model
              vanishing-gradients  the gradient monitor on deep sigmoid, ReLU and exploding linear networks
              seq-mnist         MNIST read row by row by an RNN, LSTM or GRU (--cell), with gradient clipping
                                and the hidden-state gradient per time step
              lstm-scaling      LSTM backward time and allocated bytes at 28, 112 and 448 steps
              ad-modes          full Jacobians of f: R^n -> R and g: R -> R^m by forward and reverse mode, timed
              mnist-spark       mnist trained data-parallel on Spark, one barrier task per rank (spark-submit)
              mnist-ddp         mnist trained data-parallel by processes started with RANK, WORLD_SIZE,
                                MASTER_ADDR and MASTER_PORT
            Run a command with --help for its options.""";

    public static void main(String[] args) throws Exception {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs one command and returns the process exit code: 0 done (or {@code --help}), 1 a failure while running
     * (unreadable or unwritable files, a training whose loss became non-finite), 2 a usage error (no or an unknown
     * command, a bad option); the reason goes to stderr.
     */
    static int run(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println(USAGE);
            return 2;
        }
        if (args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            return 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "mnist" -> MnistTrain.main(rest);
                case "spirals" -> Spirals.main(rest);
                case "bench" -> {
                    if (CnnBench.requested(rest)) {
                        CnnBench.main(rest);
                    } else if (RnnBench.requested(rest)) {
                        RnnBench.main(rest);
                    } else {
                        TrainBench.main(rest);
                    }
                }
                case "backprop-cost" -> BackpropCost.main(rest);
                case "worked-example" -> WorkedExample.main(rest);
                case "tied-autoencoder" -> TiedAutoencoder.main(rest);
                case "trajectory" -> Trajectory.main(rest);
                case "forces" -> Forces.main(rest);
                case "automaton" -> Automaton.main(rest);
                case "saliency" -> Saliency.main(rest);
                case "gradcheck" -> GradcheckDemo.main(rest);
                case "vanishing-gradients" -> VanishingGradients.main(rest);
                case "seq-mnist" -> SeqMnist.main(rest);
                case "lstm-scaling" -> LstmScaling.main(rest);
                case "ad-modes" -> AdModes.main(rest);
                case "mnist-spark" -> MnistDistributed.spark(rest);
                case "mnist-ddp" -> MnistDistributed.environment(rest);
                default -> {
                    String nearest = Options.nearest(args[0], COMMANDS);
                    System.err.println("Unknown command '" + args[0] + "'" + (nearest != null
                            ? "; did you mean " + nearest + "?" : "") + "\n\n" + USAGE);
                    return 2;
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(args[0] + ": " + e.getMessage());
            return 2;
        } catch (java.io.IOException | NonFiniteLossException e) {
            System.err.println(args[0] + ": " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private static final java.util.Set<String> COMMANDS = java.util.Set.of("mnist", "spirals", "bench",
            "backprop-cost", "worked-example", "tied-autoencoder", "trajectory", "forces", "automaton", "saliency",
            "gradcheck", "vanishing-gradients", "seq-mnist", "mnist-spark", "mnist-ddp", "lstm-scaling");
}
