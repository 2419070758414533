package org.tapegrad.optim.distributed;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.nn.distributed.ProcessGroup;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Synchronous data-parallel training on Apache Spark: one barrier stage with one task per rank (all tasks start
 * together or not at all), each task holding one partition of the examples as its shard. The tasks exchange only
 * rank 0's address through Spark ({@code BarrierTaskContext.allGather}, once); gradients then go over direct TCP
 * connections between the tasks ({@link ProcessGroup}), and each task runs {@link DistributedTraining#run}.
 *
 * <pre>{@code
 * JavaRDD<LabeledExample> examples = ...;                    // one partition per rank
 * TrainingJob job = TrainingJob.of(() -> new Sequential(new Linear(784, 10, new Random(1))),
 *         params -> new Sgd(params, Sgd.Options.of(0.05).withMomentum(0.9)),
 *         TrainingJob.Settings.of(128, 10, 1));
 * TrainingResult result = SparkTrainer.fit(examples, job);   // on the driver, once training is over
 * model.loadStateDict(result.modelState(), true);
 * }</pre>
 *
 * <p><b>Failures.</b> When a task fails, Spark fails the whole barrier stage and launches it again (up to
 * {@code spark.stage.maxConsecutiveAttempts} times, 4 by default; the results leave the stage through a shuffle,
 * since Spark aborts rather than relaunches a failed barrier stage that is a job's last); the other tasks notice at once that their peer's connection
 * closed. A relaunched stage ({@code stageAttemptNumber() > 0}) resumes from rank 0's last checkpoint, when the job
 * writes checkpoints to a directory every executor sees; without one it starts again from step 0. Either way the
 * result equals an uninterrupted run's, provided the RDD gives the same partitions again (its source and
 * transformations are deterministic, or it is cached).
 *
 * <p><b>Cluster settings.</b> The cluster must have a free task slot for every rank at once. For
 * {@code threadsPerRank > 1}, set {@code spark.task.cpus} to the same number. Executors reach each other on
 * ephemeral TCP ports. On Java 17 the driver needs {@code --add-opens=java.base/sun.nio.ch=ALL-UNNAMED}.
 *
 * <p>This is the only class of Tapegrad that uses Spark, which its module declares {@code provided} and optional:
 * {@code spark-submit} puts the cluster's Spark on the class path.
 */
public final class SparkTrainer {
    private SparkTrainer() {
    }

    /**
     * Trains on {@code examples} with one rank per partition and returns rank 0's result (the trained model and
     * every step's loss). Blocks until the stage has finished.
     *
     * @throws IllegalArgumentException when the RDD has no partitions
     */
    public static TrainingResult fit(JavaRDD<LabeledExample> examples, TrainingJob job) {
        Objects.requireNonNull(examples, "examples");
        Objects.requireNonNull(job, "job");
        if (examples.getNumPartitions() < 1) {
            throw new IllegalArgumentException("SparkTrainer.fit: the RDD has no partitions; expected one per rank");
        }
        String runId = UUID.randomUUID().toString();
        ClassTag<TrainingResult> tag = ClassTag$.MODULE$.apply(TrainingResult.class);
        RDD<TrainingResult> out = examples.rdd().barrier().mapPartitions(new RankTask(job, runId), false, tag);
        // Spark relaunches a failed barrier stage only when it is a shuffle-map stage (a failed barrier result stage
        // aborts the job), so the results go through a shuffle into one partition before they are collected.
        List<TrainingResult> results = new ArrayList<>(out.toJavaRDD()
                .mapToPair(r -> new Tuple2<>(r.rank(), r))
                .partitionBy(new HashPartitioner(1))
                .values()
                .collect());
        for (TrainingResult r : results) {
            if (r.rank() == 0) {
                return r;
            }
        }
        throw new IllegalStateException("SparkTrainer.fit: no result from rank 0 among " + results.size());
    }

    /**
     * {@link #fit(JavaRDD, TrainingJob)} with {@code ranks} ranks: the examples are numbered in the RDD's order and
     * rank r gets the contiguous run {@code [floor(nr/W), floor(n(r+1)/W))} of them, in that order (a shuffle that
     * sorts by number, so the shards are the same at every attempt; as {@code parallelize(list, ranks)} splits a
     * list). An RDD that already has {@code ranks} partitions is used as it is.
     */
    public static TrainingResult fit(JavaRDD<LabeledExample> examples, int ranks, TrainingJob job) {
        Objects.requireNonNull(examples, "examples");
        if (ranks < 1) {
            throw new IllegalArgumentException("SparkTrainer.fit: ranks is " + ranks + "; expected at least 1");
        }
        if (examples.getNumPartitions() == ranks) {
            return fit(examples, job);
        }
        long n = examples.count();
        JavaRDD<LabeledExample> shards = examples.zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .repartitionAndSortWithinPartitions(new ContiguousPartitioner(ranks, n))
                .values();
        return fit(shards, job);
    }

    /** Key i of n goes to partition {@code floor(i·W/n)}: contiguous runs, in order. */
    static final class ContiguousPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int parts;
        private final long count;

        ContiguousPartitioner(int parts, long count) {
            this.parts = parts;
            this.count = Math.max(1, count);
        }

        @Override
        public int numPartitions() {
            return parts;
        }

        @Override
        public int getPartition(Object key) {
            long i = (Long) key;
            // the largest r with floor(n·r/W) <= i
            int r = (int) Math.min(parts - 1, (i * parts + parts - 1) / count);
            while (r > 0 && count * r / parts > i) {
                r--;
            }
            while (r + 1 < parts && count * (r + 1) / parts <= i) {
                r++;
            }
            return r;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ContiguousPartitioner p && p.parts == parts && p.count == count;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(count) * 31 + parts;
        }
    }

    /** The body of one barrier task: its partition becomes its shard, and it trains as rank partitionId. */
    static final class RankTask extends AbstractFunction1<Iterator<LabeledExample>, Iterator<TrainingResult>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final TrainingJob job;
        private final String runId;

        RankTask(TrainingJob job, String runId) {
            this.job = job;
            this.runId = runId;
        }

        @Override
        public Iterator<TrainingResult> apply(Iterator<LabeledExample> partition) {
            BarrierTaskContext context = BarrierTaskContext.get();
            int rank = context.partitionId();
            int world = context.getTaskInfos().length;
            TensorDataset shard = shardOf(partition, rank);
            ProcessGroup.Master master = rank == 0 ? ProcessGroup.Master.bind(new InetSocketAddress(0)) : null;
            try {
                String host = hostOf(context.getTaskInfos()[rank].address());
                String[] published = context.allGather(rank == 0 ? host + " " + master.address().getPort() : "");
                String[] hostPort = published[0].split(" ");
                InetSocketAddress address = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
                try (ProcessGroup group = rank == 0 ? master.accept(world, job.settings().timeout())
                        : ProcessGroup.join(rank, world, address, job.settings().timeout())) {
                    TrainingResult r = DistributedTraining.run(group, shard, job, runId,
                            context.stageAttemptNumber());
                    return scala.collection.Iterator$.MODULE$.single(r);
                }
            } finally {
                if (master != null) {
                    master.close();
                }
            }
        }

        /** The host part of Spark's "host:port" (an IPv6 address keeps its colons). */
        private static String hostOf(String address) {
            int colon = address.lastIndexOf(':');
            String host = colon > 0 ? address.substring(0, colon) : address;
            return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        }

        private static TensorDataset shardOf(Iterator<LabeledExample> partition, int rank) {
            List<LabeledExample> examples = new ArrayList<>();
            while (partition.hasNext()) {
                examples.add(partition.next());
            }
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("SparkTrainer: partition " + rank + " is empty; every rank needs "
                        + "examples (repartition the RDD, or pass the number of ranks to fit)");
            }
            int width = examples.get(0).features().length;
            float[] x = new float[examples.size() * width];
            int[] y = new int[examples.size()];
            for (int i = 0; i < examples.size(); i++) {
                float[] f = examples.get(i).features();
                if (f.length != width) {
                    throw new IllegalArgumentException("SparkTrainer: example " + i + " of partition " + rank
                            + " has " + f.length + " features, the first " + width + "; expected rows of one width");
                }
                System.arraycopy(f, 0, x, i * width, width);
                y[i] = examples.get(i).label();
            }
            return new TensorDataset(Tensor.of(x, examples.size(), width), y);
        }
    }
}
