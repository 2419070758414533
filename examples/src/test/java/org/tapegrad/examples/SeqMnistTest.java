package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.io.Json;
import org.tapegrad.monitor.HtmlReport;
import org.tapegrad.monitor.MonitorReports;

/** {@code seq-mnist} on a subset: it trains, measures the first/last-step gradient ratio and writes its reports. */
class SeqMnistTest {
    @TempDir
    Path dir;

    @Test
    void aShortRunLearnsAndReportsTheGradientPerTimeStep() throws IOException {
        MnistData full = MnistData.embedded();
        MnistData tiny = new MnistData(full.train().head(1024), full.test().head(300), "mnist tiny");
        Path report = dir.resolve("report.json");
        SeqMnist.Config c = new SeqMnist.Config("gru", 16, 1, 0.01, 1, 64, 1.0, 1, 1, report, false, false);
        SeqMnist.Result r = SeqMnist.run(c, tiny, false, dir.resolve("monitor"), 4);
        assertEquals(1, r.epochs().size());
        // 16 steps of 64 images (measured: 23% on the 300 test images): barely started, but past chance (10%).
        assertTrue(r.epochs().get(0).testAccuracy() > 0.18, "test accuracy " + r.epochs().get(0).testAccuracy());
        assertTrue(r.ratioBefore() > 0 && Double.isFinite(r.ratioAfter()), r.ratioBefore() + " " + r.ratioAfter());

        Path monitor = dir.resolve("monitor");
        assertTrue(Files.readString(monitor.resolve(MonitorReports.HTML)).contains("id=\""
                + HtmlReport.TIME_STEP_CHART_PREFIX + "0\""), "the chart of the recurrent layer");
        List<String> steps = Files.readAllLines(monitor.resolve(MonitorReports.TIME_STEPS_JSONL));
        assertEquals(4, steps.size(), "16 steps sampled every 4th");
        assertEquals(28, ((List<?>) ((Map<?, ?>) Json.parse(steps.get(0))).get("grad_norms")).size(), "28 rows");
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(report));
        for (String key : List.of("cell", "test_accuracy", "epochs", "train_samples_per_sec", "wall_seconds",
                "first_to_last_ratio_before", "first_to_last_ratio_after", "clip_norm")) {
            assertTrue(json.containsKey(key), "report lacks " + key);
        }
    }

    @Test
    void twoThreadsTrainOnSlicesOfTheBatchAsOneThreadDoes() throws IOException {
        // Without a monitor, two threads cut each batch into two slices (DataParallel): the same gradients up to
        // the order of float additions, so the run learns as the one-thread run does, and its train accuracy
        // counts the logits of both slices.
        MnistData full = MnistData.embedded();
        MnistData tiny = new MnistData(full.train().head(1024), full.test().head(300), "mnist tiny");
        SeqMnist.Result one = SeqMnist.run(new SeqMnist.Config("lstm", 16, 1, 0.01, 1, 64, 1.0, 1, 1, null, false,
                false), tiny, false, null, 1);
        SeqMnist.Result two = SeqMnist.run(new SeqMnist.Config("lstm", 16, 1, 0.01, 1, 64, 1.0, 1, 2, null, false,
                false), tiny, false, null, 1);
        MnistTrain.EpochResult a = one.epochs().get(0);
        MnistTrain.EpochResult b = two.epochs().get(0);
        assertEquals(a.trainLoss(), b.trainLoss(), 1e-3 * a.trainLoss(), "train loss");
        assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0.02, "train accuracy over all 1024 images");
        assertEquals(a.testAccuracy(), b.testAccuracy(), 0.02, "test accuracy");
    }

    @Test
    void optionsAreValidated() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SeqMnist.Config("transformer", 32, 1, 0.01, 1, 64, 1.0, 1, 1, null, false, false));
        assertEquals("--cell: unknown cell 'transformer' (available: rnn, lstm, gru)", e.getMessage());
    }
}
