package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.monitor.MonitorReports;

/** {@code mnist --monitor DIR}: the reports are written and the monitored run trains exactly as the plain one. */
class MnistMonitorTest {
    @TempDir
    Path dir;

    @Test
    void monitorWritesItsReportsAndChangesNothing() throws IOException {
        MnistData full = MnistData.embedded();
        MnistData tiny = new MnistData(full.train().head(640), full.test().head(200), "mnist tiny");
        MnistTrain.Config c = new MnistTrain.Config("mlp", "momentum", 0.05, 1, 1, 64, 3, 1, null, null, null, null,
                false, false);
        List<MnistTrain.EpochResult> plain = MnistTrain.run(c, tiny, false);
        Path out = dir.resolve("monitor");
        List<MnistTrain.EpochResult> watched = MnistTrain.run(c, tiny, false, out, 3);
        assertEquals(plain.get(0).trainLoss(), watched.get(0).trainLoss(), 0, "the monitor only reads");
        assertEquals(plain.get(0).testLoss(), watched.get(0).testLoss(), 0);
        List<String> jsonl = Files.readAllLines(out.resolve(MonitorReports.JSONL));
        assertEquals(4, jsonl.size(), "10 steps sampled every 3rd: steps 0, 3, 6, 9");
        for (String name : List.of(MonitorReports.CSV, MonitorReports.HTML, MonitorReports.SUMMARY)) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
        assertTrue(Files.readString(out.resolve(MonitorReports.SUMMARY)).contains("Linear"));
    }
}
