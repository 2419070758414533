package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.optim.distributed.SparkTrainer;
import org.tapegrad.optim.distributed.TrainingJob;
import org.tapegrad.optim.distributed.TrainingResult;

/**
 * The Spark launcher with its ranks in two separate executor JVMs ({@code local-cluster[2,1,1024]}: a master and two
 * workers in this JVM, each worker starting an executor process), so the job and the examples really are serialised
 * and the gradients cross process boundaries: 6 MLP steps equal the single-process replay bit for bit.
 */
class SparkLocalClusterTest {

    @Test
    void twoExecutorJvmsTrainAsTheSingleProcessReplay() throws IOException {
        // local-cluster needs a Spark home; an empty jars folder is enough when the executors get this class path.
        String home = System.getenv("SPARK_HOME");
        assertTrue(home != null, "the build sets SPARK_HOME for this test (examples/pom.xml)");
        Files.createDirectories(Path.of(home, "jars"));
        SparkConf conf = new SparkConf().setMaster("local-cluster[2,1,1024]").setAppName("tapegrad-local-cluster")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executor.extraJavaOptions", "--add-modules jdk.incubator.vector")
                .set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
        JavaSparkContext spark = new JavaSparkContext(conf);
        try {
            spark.setLogLevel("ERROR");
            // Fewer steps than the local[2] tests: fresh executor JVMs run them before the JIT has compiled much.
            TensorDataset data = DistributedFixtures.mnist(600);
            TrainingJob job = DistributedFixtures.job(6);
            TrainingResult result = SparkTrainer.fit(spark.parallelize(DistributedFixtures.examples(data), 2), job);
            DistributedFixtures.Replay replay = DistributedFixtures.replay(DistributedFixtures.shards(data, 2), job);
            assertEquals(2, result.worldSize());
            assertArrayEquals(replay.losses(), result.stepLosses(), 0.0);
            DistributedMnistTest.assertParams(replay.params(), result);
        } finally {
            spark.stop();
        }
    }
}
