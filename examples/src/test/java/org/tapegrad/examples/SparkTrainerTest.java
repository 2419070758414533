package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.optim.distributed.LabeledExample;
import org.tapegrad.optim.distributed.SparkTrainer;
import org.tapegrad.optim.distributed.TrainingJob;
import org.tapegrad.optim.distributed.TrainingResult;

/**
 * The rank loop inside a Spark {@code local[2]} barrier stage: 20 steps of the mnist MLP equal, bit for bit, the
 * single-process replay of the same batches; a task that fails mid-run makes Spark relaunch the stage, which resumes
 * from rank 0's checkpoint and ends with the bits of the uninterrupted run.
 */
class SparkTrainerTest {
    private static final int STEPS = 20;
    private static JavaSparkContext spark;
    private static TensorDataset data;
    private static JavaRDD<LabeledExample> rdd;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        // local[2, 4]: two task slots, and a failed task may be retried (plain local[2] allows no retry)
        spark = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("tapegrad-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
        spark.setLogLevel("ERROR");
        data = DistributedFixtures.mnist(1500);
        rdd = spark.parallelize(DistributedFixtures.examples(data), 2).cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aBarrierStageOfTwoTasksTrainsAsTheSingleProcessReplay() {
        TrainingJob job = DistributedFixtures.job(STEPS);
        TrainingResult result = SparkTrainer.fit(rdd, job);
        DistributedFixtures.Replay replay = DistributedFixtures.replay(DistributedFixtures.shards(data, 2), job);
        assertEquals(2, result.worldSize());
        assertEquals(0, result.attempt());
        assertArrayEquals(replay.losses(), result.stepLosses(), 0.0);
        DistributedMnistTest.assertParams(replay.params(), result);
    }

    @Test
    void aStageRelaunchedAfterATaskFailsResumesFromTheCheckpointAndEndsAsAnUninterruptedRun() {
        TrainingJob job = DistributedFixtures.job(STEPS);
        TrainingResult whole = SparkTrainer.fit(rdd, job);
        TrainingJob failing = failOnFirstAttempt(job.withSettings(job.settings().withCheckpoints(dir.toString(), 5)));
        TrainingResult resumed = SparkTrainer.fit(rdd, failing);
        assertEquals(1, resumed.attempt(), "Spark relaunched the stage once");
        assertEquals(10, resumed.resumedFromStep(), "from rank 0's checkpoint after step 10");
        assertEquals(STEPS - 10, resumed.exchangeMillis().length);
        assertArrayEquals(whole.stepLosses(), resumed.stepLosses(), 0.0);
        DistributedMnistTest.assertParams(DistributedMnistTest.paramsOf(whole), resumed);
    }

    /** Rank 1's model throws in its 13th forward pass (step 12), on the stage's first attempt only. */
    private static TrainingJob failOnFirstAttempt(TrainingJob job) {
        TrainingJob.ModelFactory inner = job.model();
        TrainingJob.ModelFactory failing = () -> {
            TaskContext task = TaskContext.get();
            if (task.stageAttemptNumber() > 0 || task.partitionId() != 1) {
                return inner.create();
            }
            return DistributedMnistTest.failAt(job, 13).model().create();
        };
        return new TrainingJob(failing, job.optimizer(), job.schedule(), job.loss(), job.settings());
    }
}
