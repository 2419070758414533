package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.tapegrad.core.Tensor;
import org.tapegrad.monitor.Diagnostic.Kind;
import org.tapegrad.monitor.Finding.Status;
import org.tapegrad.nn.Sequential;

/**
 * Verdicts as data: a condition that starts, holds, clears and comes back is reported as NEW, HOLDS, CLEARED and NEW
 * again in the records, as a {@link Verdict} with its clearing step, and logged once per transition that matters.
 */
class VerdictsTest {
    /** Input scale per step: 100 (gradients far above the threshold) or 1 (far below). */
    private static final double[] SCALE = {100, 100, 1, 1, 1, 100, 1, 1};

    /** The EXPLODING findings of layer "0", one entry per step ("-" for none). */
    private static List<String> explodingFindings(GradientMonitor monitor) {
        List<String> out = new ArrayList<>();
        for (StepRecord r : monitor.records()) {
            String s = "-";
            for (Finding f : r.findings()) {
                if (f.kind() == Kind.EXPLODING && f.layer().equals("0")) {
                    s = f.status().name();
                }
            }
            out.add(s);
        }
        return out;
    }

    private static GradientMonitor run(Sequential model, double threshold) {
        Tensor[] data = MonitorFixtures.regression(32, 3, 7);
        // Only "above the bound" can fire for EXPLODING here: growth needs 1e9-fold.
        Thresholds t = new Thresholds(0, 0, threshold, 1e9, 1, 0, 1e9, 1);
        GradientMonitor monitor = GradientMonitor.attach(model, 1, t);
        for (double scale : SCALE) {
            MonitorFixtures.step(model, monitor, data[0].mul(scale), data[1], 1e-6);
        }
        monitor.close();
        return monitor;
    }

    /** A threshold ten times the largest layer-0 gradient norm of the small-input steps, from the figures. */
    private static double thresholdBetween(GradientMonitor probe) {
        double small = 0;
        double big = Double.POSITIVE_INFINITY;
        for (int i = 0; i < SCALE.length; i++) {
            double g = probe.records().get(i).layer("0").gradNorm();
            if (SCALE[i] == 1) {
                small = Math.max(small, g);
            } else {
                big = Math.min(big, g);
            }
        }
        assertTrue(big > 100 * small, "the fixture separates the two regimes: " + small + " vs " + big);
        return 10 * small;
    }

    @Test
    void aConditionThatClearsIsShownClearedWithItsStep() {
        GradientMonitor probe = run(MonitorFixtures.small(3), 1e300);
        assertEquals(List.of(), probe.verdicts());
        GradientMonitor monitor = run(MonitorFixtures.small(3), thresholdBetween(probe));

        assertEquals(List.of("NEW", "HOLDS", "CLEARED", "-", "-", "NEW", "CLEARED", "-"), explodingFindings(monitor));
        Verdict v = monitor.verdicts().stream().filter(x -> x.kind() == Kind.EXPLODING && x.layer().equals("0"))
                .findFirst().orElseThrow();
        assertEquals(0, v.first().step());
        assertEquals(5, v.lastHeldStep());
        assertEquals(6, v.clearedStep());
        assertEquals(2, v.occurrences());
        assertTrue(v.cleared());
        assertEquals("cleared at step 6 (2 occurrences)", v.state());
        assertFalse(monitor.activeVerdicts().contains(v));
        // The first occurrences alone, as before.
        assertEquals(1, monitor.diagnostics(Kind.EXPLODING).stream().filter(d -> d.layer().equals("0")).count());
        String summary = TextSummary.of(monitor);
        assertTrue(summary.contains(v.first() + " [cleared at step 6 (2 occurrences)]"), summary);
        assertTrue(HtmlReport.render(monitor, "t").contains("cleared at step 6"));
    }

    @Test
    void findingsDoNotDependOnLogging() {
        Logger log = (Logger) LoggerFactory.getLogger(GradientMonitor.class);
        Level level = log.getLevel();
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        log.setAdditive(false); // the events go to the list only, not to the console
        GradientMonitor quiet;
        GradientMonitor loud;
        double threshold = thresholdBetween(run(MonitorFixtures.small(3), 1e300));
        try {
            log.setLevel(Level.OFF);
            quiet = run(MonitorFixtures.small(3), threshold);
            assertEquals(List.of(), events.list, "nothing logged with logging off");
            log.setLevel(Level.DEBUG);
            loud = run(MonitorFixtures.small(3), threshold);
        } finally {
            log.setLevel(level);
            log.setAdditive(true);
            log.detachAppender(events);
        }
        assertEquals(loud.verdicts(), quiet.verdicts());
        assertEquals(explodingFindings(loud), explodingFindings(quiet));

        List<String> layer0 = events.list.stream().filter(e -> e.getFormattedMessage().contains("EXPLODING")
                && e.getFormattedMessage().contains("layer 0")).map(e -> e.getLevel().toString()).toList();
        // First occurrence WARN, first clearing INFO, the return and the second clearing DEBUG.
        assertEquals(List.of("WARN", "INFO", "DEBUG", "DEBUG"), layer0, events.list.toString());
    }

    @Test
    void onSampleSeesEveryRecordAndCanBeRemoved() {
        Sequential model = MonitorFixtures.small(4);
        Tensor[] data = MonitorFixtures.regression(8, 3, 1);
        GradientMonitor monitor = GradientMonitor.attach(model, 2);
        List<Long> seen = new ArrayList<>();
        var handle = monitor.onSample(r -> seen.add(r.step()));
        for (int s = 0; s < 5; s++) {
            MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
        }
        handle.remove();
        MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
        MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
        assertEquals(List.of(0L, 2L, 4L), seen);
        assertEquals(4, monitor.records().size(), "sampling goes on without the listener");
        assertThrows(NullPointerException.class, () -> monitor.onSample(null));
    }

    @Test
    void findingAndVerdictRefuseInconsistentStates() {
        Diagnostic d = new Diagnostic(Kind.VANISHING, "0", 4, 1e-9, 1e-7, "m");
        assertThrows(IllegalArgumentException.class, () -> new Finding(Kind.VANISHING, "0", Status.NEW, null));
        assertThrows(IllegalArgumentException.class, () -> new Finding(Kind.VANISHING, "0", Status.HOLDS, d));
        assertThrows(IllegalArgumentException.class, () -> new Verdict(d, 3, -1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Verdict(d, 6, 6, 1));
        assertTrue(e.getMessage().contains("clearedStep"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Verdict(d, 6, -1, 0));
        assertEquals("holds at step 6", new Verdict(d, 6, -1, 1).state());
    }
}
