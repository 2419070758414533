package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The measurement behind docs/PERFORMANCE.md's "where it pays", with tiny counts (no figures are checked): for both
 * models, rank 0 prints the all-reduce median, each rank's compute for its 64 of 128 rows, and their ratio.
 */
class AllReduceBenchTest {

    @Test
    void rankZeroPrintsTheExchangeTheComputeAndTheirRatioForBothModels() throws Exception {
        List<String> printed = DistributedFixtures.ranks(2, g -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
                AllReduceBench.run(g, 2, 1, out);
            }
            return bytes.toString(StandardCharsets.UTF_8);
        });
        assertEquals("", printed.get(1), "only rank 0 prints");
        String report = printed.get(0);
        for (String head : new String[] {"mlp: 335,114 floats (1.34 MB) between 2 ranks",
            "cnn: 80,202 floats (0.32 MB) between 2 ranks"}) {
            assertTrue(report.contains(head), report);
        }
        Matcher m = Pattern.compile("all-reduce +median ([0-9.]+) ms[^\\n]*\\n +compute per rank +median ([0-9.]+) ms"
                + " +\\(the slowest rank's; 64 of 128 rows[^\\n]*\\n +exchange/compute +([0-9.]+) ").matcher(report);
        for (int model = 0; model < 2; model++) {
            assertTrue(m.find(), report);
            double ratio = Double.parseDouble(m.group(1)) / Double.parseDouble(m.group(2));
            assertEquals(ratio, Double.parseDouble(m.group(3)), 0.001 + 0.01 * ratio, "the ratio of the two medians");
        }
    }
}
