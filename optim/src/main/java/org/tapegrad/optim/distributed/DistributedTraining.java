package org.tapegrad.optim.distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.io.Checkpoint;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.distributed.DistributedDataParallel;
import org.tapegrad.nn.distributed.ProcessGroup;
import org.tapegrad.optim.LrScheduler;
import org.tapegrad.optim.Optimizer;

/**
 * One rank's part of a synchronous data-parallel training run, whatever started the ranks (Spark's
 * {@link SparkTrainer}, or plain processes with {@link ProcessGroup#fromEnvironment}): each rank holds a shard of the
 * examples, and every step takes its share of a global batch from it.
 *
 * <p><b>The batches.</b> With W ranks and a global batch of B rows, rank r takes
 * {@code b_r = floor(B(r+1)/W) - floor(Br/W)} rows per step ({@link DistributedDataParallel#shardStart}). In epoch e
 * it visits its shard in the order {@code new DataLoader(shard, b_r, true, seed + r·0x9E3779B97F4A7C15, true,
 * false).order(e)}, and step k of the epoch takes positions {@code [k·b_r, (k+1)·b_r)} of that order. An epoch has
 * {@code S = min_r floor(n_r / b_r)} steps (the smallest shard decides). The global batch of a step is the
 * concatenation, in rank order, of the ranks' rows; its loss is the mean over those B rows, and the gradients and
 * the optimizer step are those of one process training on that batch.
 *
 * <p><b>Checkpoints.</b> With {@code checkpointDir} and {@code checkpointEvery}, rank 0 writes the model, optimizer
 * and schedule state after every {@code checkpointEvery}-th step to {@code checkpointDir/tapegrad-<runId>.safetensors}
 * (atomically). An attempt numbered above 0 with the same {@code runId} (a relaunch after a failure) resumes from
 * that file: every rank reads it, so the directory must be shared (a network file system); the ranks check that
 * they all resume from the same step. Since the batches of a step depend only on the seed, the epoch and the step,
 * a resumed run takes the same steps as an uninterrupted one and ends with the same bits.
 */
public final class DistributedTraining {
    private static final long RANK_SEED_STRIDE = 0x9E3779B97F4A7C15L;

    private DistributedTraining() {
    }

    /**
     * Trains this rank's replica on its {@code shard} as {@code job} says, together with the other ranks of
     * {@code group} (every rank calls it). The group stays open.
     *
     * @param group   the ranks (this process's rank and the others)
     * @param shard   this rank's examples
     * @param job     model, optimizer, schedule, loss and settings (the same on every rank)
     * @param runId   names the run's checkpoint file (the same on every rank and every attempt of one run)
     * @param attempt 0 for a first run; above 0, resume from the run's last checkpoint if there is one
     * @return this rank's figures; rank 0's also holds the trained model state and every step's loss
     * @throws IllegalArgumentException when the global batch is smaller than the world, or a shard is smaller than
     *                                  its share of one global batch
     * @throws UncheckedIOException     when a checkpoint cannot be written or read
     */
    public static TrainingResult run(ProcessGroup group, TensorDataset shard, TrainingJob job, String runId,
            int attempt) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(runId, "runId");
        if (attempt < 0) {
            throw new IllegalArgumentException("DistributedTraining.run: attempt is " + attempt + "; expected >= 0");
        }
        TrainingJob.Settings s = job.settings();
        int world = group.worldSize();
        int rank = group.rank();
        int batch = s.globalBatch();
        if (batch < world) {
            throw new IllegalArgumentException("DistributedTraining.run: the global batch of " + batch + " rows is "
                    + "smaller than the world of " + world + " ranks; expected at least one row per rank");
        }
        int share = DistributedDataParallel.shardStart(batch, rank + 1, world)
                - DistributedDataParallel.shardStart(batch, rank, world);
        long[] sizes = group.allGather(shard.size());
        int stepsPerEpoch = Integer.MAX_VALUE;
        for (int r = 0; r < world; r++) {
            int b = DistributedDataParallel.shardStart(batch, r + 1, world)
                    - DistributedDataParallel.shardStart(batch, r, world);
            if (sizes[r] < b) {
                throw new IllegalArgumentException("DistributedTraining.run: rank " + r + "'s shard has " + sizes[r]
                        + " examples, fewer than its share of " + b + " rows of a global batch of " + batch);
            }
            stepsPerEpoch = (int) Math.min(stepsPerEpoch, sizes[r] / b);
        }
        long totalSteps = (long) stepsPerEpoch * s.epochs();
        if (s.maxSteps() > 0) {
            totalSteps = Math.min(totalSteps, s.maxSteps());
        }

        Layer model = job.model().create();
        model.train();
        Optimizer<?> optimizer = job.optimizer().create(model.parameters());
        LrScheduler schedule = job.schedule() == null ? null : job.schedule().create(optimizer);
        Path file = s.checkpointDir() == null ? null : Path.of(s.checkpointDir(), "tapegrad-" + runId
                + ".safetensors");
        List<Double> losses = new ArrayList<>();
        long start = 0;
        if (attempt > 0 && file != null && Files.exists(file)) {
            start = resume(file, runId, model, optimizer, schedule, losses);
        }
        long[] starts = group.allGather(start);
        for (int r = 0; r < world; r++) {
            if (starts[r] != start) {
                throw new IllegalStateException("DistributedTraining.run: rank " + r + " resumes from step "
                        + starts[r] + " and rank " + rank + " from step " + start + "; the checkpoint directory "
                        + s.checkpointDir() + " must be one that every rank sees (a shared file system)");
            }
        }

        int steps = (int) (totalSteps - start);
        double[] exchange = new double[Math.max(0, steps)];
        double[] stepTimes = new double[Math.max(0, steps)];
        DistributedDataParallel.Options options = new DistributedDataParallel.Options(s.bucketElements(),
                s.checkEvery());
        try (DistributedDataParallel ddp = new DistributedDataParallel(model, group, s.threadsPerRank(), options);
                DataLoader orders = new DataLoader(shard, share, true, s.seed() + rank * RANK_SEED_STRIDE, true,
                        false)) {
            int[] order = null;
            int[] indices = new int[share];
            Batch reuse = null;
            for (long step = start; step < totalSteps; step++) {
                long t0 = System.nanoTime();
                int epoch = (int) (step / stepsPerEpoch);
                int k = (int) (step % stepsPerEpoch);
                if (order == null || k == 0) {
                    order = orders.order(epoch);
                }
                System.arraycopy(order, k * share, indices, 0, share);
                Batch b = shard.batch(indices, reuse);
                reuse = b;
                double loss = ddp.backward(b.inputs(), b.labels(), job.loss(), batch);
                optimizer.step(ddp.team());
                ddp.zeroGrad();
                if (k == stepsPerEpoch - 1 && schedule != null) {
                    schedule.step();
                }
                losses.add(loss);
                int i = (int) (step - start);
                exchange[i] = ddp.lastExchangeNanos() / 1e6;
                stepTimes[i] = (System.nanoTime() - t0) / 1e6;
                if (rank == 0 && s.checkpointEvery() > 0 && (step + 1) % s.checkpointEvery() == 0
                        && step + 1 < totalSteps) {
                    save(file, runId, step + 1, model, optimizer, schedule, losses);
                }
            }
        }
        double[] lossArray = rank == 0 ? losses.stream().mapToDouble(Double::doubleValue).toArray() : new double[0];
        return new TrainingResult(rank, world, attempt, start, stepsPerEpoch, lossArray, exchange, stepTimes,
                rank == 0 ? TrainingResult.tensorsOf(model.stateDict()) : List.of());
    }

    private static void save(Path file, String runId, long step, Layer model, Optimizer<?> optimizer,
            LrScheduler schedule, List<Double> losses) {
        Map<String, StateDict> parts = new LinkedHashMap<>();
        parts.put("model", model.stateDict());
        parts.put("optimizer", optimizer.stateDict());
        if (schedule != null) {
            parts.put("schedule", schedule.stateDict());
        }
        StringBuilder history = new StringBuilder();
        for (double l : losses) {
            history.append(history.length() == 0 ? "" : ",").append(l);
        }
        try {
            Files.createDirectories(file.getParent());
            new Checkpoint(parts, Map.of("run_id", runId, "step", Long.toString(step), "losses", history.toString()))
                    .save(file);
        } catch (IOException e) {
            throw new UncheckedIOException("DistributedTraining: rank 0 could not write the checkpoint " + file, e);
        }
    }

    /** Loads the checkpoint into the model, optimizer and schedule; returns its step and fills {@code losses}. */
    private static long resume(Path file, String runId, Layer model, Optimizer<?> optimizer, LrScheduler schedule,
            List<Double> losses) {
        Checkpoint c;
        try {
            c = Checkpoint.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("DistributedTraining: cannot read the checkpoint " + file, e);
        }
        if (!runId.equals(c.metadata().get("run_id"))) {
            throw new IllegalStateException("DistributedTraining: " + file + " belongs to run "
                    + c.metadata().get("run_id") + ", not " + runId);
        }
        model.loadStateDict(c.part("model"), true);
        optimizer.loadStateDict(c.part("optimizer"));
        if (schedule != null) {
            schedule.loadStateDict(c.part("schedule"));
        }
        String history = c.metadata().getOrDefault("losses", "");
        if (!history.isEmpty()) {
            Arrays.stream(history.split(",")).map(Double::parseDouble).forEach(losses::add);
        }
        return Long.parseLong(c.metadata().get("step"));
    }
}
