package org.tapegrad.optim.distributed;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Layer;
import org.tapegrad.optim.LrScheduler;
import org.tapegrad.optim.Optimizer;

/**
 * Everything a rank needs to train, serialisable so that a launcher can ship it to the machines: how to build the
 * model, its optimizer and (optionally) its learning-rate schedule, the loss, and the loop's settings. The
 * factories run on every rank; rank 0's initial weights are copied to every replica, so the model factory need
 * not be deterministic, but every rank must build the same architecture.
 *
 * @param model     builds the model (called once per rank and attempt)
 * @param optimizer builds the optimizer over the model's parameters
 * @param schedule  builds a schedule stepped once per epoch, or null for a constant learning rate
 * @param loss      a classification loss that is a mean over its batch (default cross-entropy)
 * @param settings  the loop's settings
 */
public record TrainingJob(ModelFactory model, OptimizerFactory optimizer, ScheduleFactory schedule, Loss loss,
        Settings settings) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Checks that the required parts are there. */
    public TrainingJob {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(settings, "settings");
    }

    /** A job with cross-entropy loss and no schedule. */
    public static TrainingJob of(ModelFactory model, OptimizerFactory optimizer, Settings settings) {
        return new TrainingJob(model, optimizer, null, Losses::crossEntropy, settings);
    }

    /** This job with a schedule stepped after every epoch. */
    public TrainingJob withSchedule(ScheduleFactory schedule) {
        return new TrainingJob(model, optimizer, schedule, loss, settings);
    }

    /** This job with another loss. */
    public TrainingJob withLoss(Loss loss) {
        return new TrainingJob(model, optimizer, schedule, loss, settings);
    }

    /** This job with other settings. */
    public TrainingJob withSettings(Settings settings) {
        return new TrainingJob(model, optimizer, schedule, loss, settings);
    }

    /** Builds a rank's model. */
    @FunctionalInterface
    public interface ModelFactory extends Serializable {
        Layer create();
    }

    /** Builds the optimizer of a rank's model. */
    @FunctionalInterface
    public interface OptimizerFactory extends Serializable {
        Optimizer<?> create(List<Tensor> parameters);
    }

    /** Builds the learning-rate schedule of a rank's optimizer. */
    @FunctionalInterface
    public interface ScheduleFactory extends Serializable {
        LrScheduler create(Optimizer<?> optimizer);
    }

    /** A classification loss, mean over its batch: {@code loss(logits, labels)}. */
    @FunctionalInterface
    public interface Loss extends BiFunction<Tensor, int[], Tensor>, Serializable {
    }

    /**
     * The training loop's settings.
     *
     * @param globalBatch     rows of every global batch, summed over the ranks (at least the world size); rank r
     *                        takes {@code floor(B(r+1)/W) - floor(Br/W)} rows of its own shard per step
     * @param epochs          passes over the shards, at least 1 (an epoch is as many steps as the smallest shard
     *                        allows: {@code min_r floor(n_r / b_r)})
     * @param maxSteps        stop after this many steps in all (0: no limit beyond the epochs)
     * @param seed            seed of each rank's shuffling of its shard (rank r uses
     *                        {@code seed + r·0x9E3779B97F4A7C15}, so rank 0 of a world of one shuffles as a
     *                        {@code DataLoader} with {@code seed})
     * @param threadsPerRank  threads of each rank's {@code DataParallel}, at least 1
     * @param checkpointDir   a directory that every rank reads and rank 0 writes (a shared file system), or null
     * @param checkpointEvery rank 0 writes a checkpoint every this many steps (0: never)
     * @param timeout         how long a rank waits for the others in one exchange, and to start the group
     * @param checkEvery      compare the replicas' checksums every this many steps (0: never)
     * @param bucketElements  the most gradient elements in one all-reduce message
     */
    public record Settings(int globalBatch, int epochs, int maxSteps, long seed, int threadsPerRank,
            String checkpointDir, int checkpointEvery, Duration timeout, int checkEvery, int bucketElements)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Checks the values. */
        public Settings {
            positive("globalBatch", globalBatch);
            positive("epochs", epochs);
            positive("threadsPerRank", threadsPerRank);
            positive("bucketElements", bucketElements);
            nonNegative("maxSteps", maxSteps);
            nonNegative("checkpointEvery", checkpointEvery);
            nonNegative("checkEvery", checkEvery);
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("TrainingJob.Settings: timeout is " + timeout
                        + "; expected a positive duration");
            }
            if (checkpointEvery > 0 && checkpointDir == null) {
                throw new IllegalArgumentException("TrainingJob.Settings: checkpointEvery is " + checkpointEvery
                        + " but checkpointDir is null; expected a directory that every rank can read");
            }
        }

        /**
         * Settings for {@code epochs} passes with global batch {@code globalBatch}: one thread per rank, no
         * checkpoints, a 5-minute timeout, a replica check every 100 steps, buckets of 4 Mi elements.
         */
        public static Settings of(int globalBatch, int epochs, long seed) {
            return new Settings(globalBatch, epochs, 0, seed, 1, null, 0, Duration.ofMinutes(5), 100, 1 << 22);
        }

        /** These settings with {@code maxSteps} replaced. */
        public Settings withMaxSteps(int maxSteps) {
            return new Settings(globalBatch, epochs, maxSteps, seed, threadsPerRank, checkpointDir, checkpointEvery,
                    timeout, checkEvery, bucketElements);
        }

        /** These settings with {@code threadsPerRank} replaced. */
        public Settings withThreadsPerRank(int threadsPerRank) {
            return new Settings(globalBatch, epochs, maxSteps, seed, threadsPerRank, checkpointDir, checkpointEvery,
                    timeout, checkEvery, bucketElements);
        }

        /** These settings with checkpoints to {@code dir} every {@code every} steps. */
        public Settings withCheckpoints(String dir, int every) {
            return new Settings(globalBatch, epochs, maxSteps, seed, threadsPerRank, dir, every, timeout, checkEvery,
                    bucketElements);
        }

        /** These settings with {@code timeout} replaced. */
        public Settings withTimeout(Duration timeout) {
            return new Settings(globalBatch, epochs, maxSteps, seed, threadsPerRank, checkpointDir, checkpointEvery,
                    timeout, checkEvery, bucketElements);
        }

        /** These settings with {@code checkEvery} replaced. */
        public Settings withCheckEvery(int checkEvery) {
            return new Settings(globalBatch, epochs, maxSteps, seed, threadsPerRank, checkpointDir, checkpointEvery,
                    timeout, checkEvery, bucketElements);
        }

        private static void positive(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException("TrainingJob.Settings: " + name + " is " + value
                        + "; expected at least 1");
            }
        }

        private static void nonNegative(String name, int value) {
            if (value < 0) {
                throw new IllegalArgumentException("TrainingJob.Settings: " + name + " is " + value
                        + "; expected 0 or more");
            }
        }
    }
}
