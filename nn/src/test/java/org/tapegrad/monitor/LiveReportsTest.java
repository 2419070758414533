package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Lstm;
import org.tapegrad.nn.Sequential;

/** Reports written while training runs: appended per sample, the page rewritten every N samples, atomically. */
class LiveReportsTest {

    private static long lines(Path file) throws IOException {
        try (Stream<String> s = Files.lines(file)) {
            return s.count();
        }
    }

    private static List<Path> temporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void filesGrowWithEverySampleAndEndAsWriteAllWouldWriteThem(@TempDir Path tmp) throws IOException {
        Tensor[] data = MonitorFixtures.regression(16, 8, 5);
        Sequential model = MonitorFixtures.deep(6, 16, true, 1);
        GradientMonitor monitor = GradientMonitor.attach(model, 2);
        Path dir = tmp.resolve("live");
        try (LiveReports live = LiveReports.start(monitor, "live run", dir, 3)) {
            assertEquals(dir, live.dir());
            assertEquals(0, lines(dir.resolve(MonitorReports.JSONL)));
            assertEquals(1, lines(dir.resolve(MonitorReports.CSV)), "the header at once");
            assertTrue(Files.readString(dir.resolve(MonitorReports.HTML)).contains("0 sampled"), "a page at once");
            for (int s = 0; s < 15; s++) {
                MonitorFixtures.step(model, monitor, data[0], data[1], 0.005);
                int samples = monitor.records().size();
                // Appended and flushed at each sample: another reader sees them while training runs.
                assertEquals(samples, lines(dir.resolve(MonitorReports.JSONL)), "step " + s);
                long rows = monitor.records().stream()
                        .mapToLong(r -> r.layers().size() + r.params().size() + r.findings().size()).sum();
                assertEquals(1 + rows, lines(dir.resolve(MonitorReports.CSV)), "step " + s);
                // The page is rewritten at samples 3, 6, ...: it shows the last multiple of 3.
                int shown = samples - samples % 3;
                String page = Files.readString(dir.resolve(MonitorReports.HTML));
                assertTrue(page.contains(" " + shown + " sampled (every 2)"), "step " + s + ": expected "
                        + shown + " samples on the page");
                assertEquals(List.of(), temporaries(dir));
            }
        }
        monitor.close();
        Path all = MonitorReports.writeAll(monitor, "live run", tmp.resolve("all"));
        for (String name : List.of(MonitorReports.JSONL, MonitorReports.CSV, MonitorReports.HTML,
                MonitorReports.SUMMARY)) {
            assertEquals(Files.readString(all.resolve(name)), Files.readString(dir.resolve(name)), name);
        }
        assertFalse(Files.exists(dir.resolve(MonitorReports.TIME_STEPS_JSONL)), "no recurrent layer");
    }

    @Test
    void samplesTakenBeforeTheStartAreWrittenAndRecurrentLayersGetTheirFile(@TempDir Path tmp) throws IOException {
        java.util.Random rng = new java.util.Random(2);
        Lstm lstm = new Lstm(3, 4, rng);
        Tensor x = Tensor.randn(rng, 2, 5, 3);
        GradientMonitor monitor = GradientMonitor.attach(lstm, 1);
        Runnable step = () -> {
            double loss;
            try (org.tapegrad.core.Tape tape = org.tapegrad.core.Tape.record()) {
                Tensor l = lstm.call(x).pow(2).mean();
                tape.backward(l);
                loss = l.item();
            }
            monitor.beforeStep();
            MonitorFixtures.sgd(lstm, 0.01);
            monitor.afterStep(loss);
            lstm.zeroGrad();
        };
        step.run();
        step.run();
        Path dir = tmp.resolve("rnn");
        try (LiveReports live = LiveReports.start(monitor, "lstm", dir, 100)) {
            assertEquals(2, lines(dir.resolve(MonitorReports.JSONL)), "the two samples already taken");
            assertEquals(2, lines(dir.resolve(MonitorReports.TIME_STEPS_JSONL)));
            step.run();
            assertEquals(3, lines(dir.resolve(MonitorReports.TIME_STEPS_JSONL)));
        }
        monitor.close();
        Path all = MonitorReports.writeAll(monitor, "lstm", tmp.resolve("all"));
        assertEquals(Files.readString(all.resolve(MonitorReports.TIME_STEPS_JSONL)),
                Files.readString(dir.resolve(MonitorReports.TIME_STEPS_JSONL)));
    }

    @Test
    void closingStopsWritingAndArgumentsAreChecked(@TempDir Path tmp) throws IOException {
        Sequential model = MonitorFixtures.small(1);
        Tensor[] data = MonitorFixtures.regression(8, 3, 1);
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        LiveReports live = LiveReports.start(monitor, "t", tmp, 1);
        MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
        live.close();
        live.close(); // idempotent
        MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
        assertEquals(1, lines(tmp.resolve(MonitorReports.JSONL)), "nothing after close");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LiveReports.start(monitor, "t", tmp, 0));
        assertTrue(e.getMessage().contains("pageEvery") && e.getMessage().contains("got 0"), e.getMessage());
        assertThrows(NullPointerException.class, () -> LiveReports.start(monitor, "t", null, 1));
    }
}
