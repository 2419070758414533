package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.monitor.Diagnostic.Kind;
import org.tapegrad.monitor.MonitorReports;

/** The demonstration, shortened (30 steps on 1,280 images, narrow layers): what it must show still shows. */
class VanishingGradientsTest {
    private static TensorDataset data;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        data = MnistData.embedded().train().head(1280);
    }

    private VanishingGradients.Outcome run(String name, VanishingGradients.Kind kind, double lr, double clip)
            throws IOException {
        return VanishingGradients.run(name, VanishingGradients.deep(10, 32, kind, 1), data, 30, 2, lr, clip, 1, dir,
                false);
    }

    @Test
    void sigmoidVanishesInTheEarlyLayersAndReluDoesNot() throws IOException {
        VanishingGradients.Outcome sigmoid = run("sigmoid", VanishingGradients.Kind.SIGMOID, 0.1, 0);
        VanishingGradients.Outcome relu = run("relu", VanishingGradients.Kind.RELU, 0.1, 0);
        assertTrue(sigmoid.flagged(Kind.VANISHING).contains("0"), sigmoid.diagnostics().toString());
        assertEquals(List.of(), relu.flagged(Kind.VANISHING));
        assertTrue(sigmoid.ratioAtStart() < 1e-4, "first/last " + sigmoid.ratioAtStart());
        assertTrue(relu.ratioAtStart() > 0.1, "first/last " + relu.ratioAtStart());
        assertTrue(Files.size(dir.resolve("sigmoid").resolve(MonitorReports.HTML)) > 0);
    }

    @Test
    void largeInitExplodesAndClippingBringsTrainingBack() throws IOException {
        VanishingGradients.Outcome plain = run("linear", VanishingGradients.Kind.LINEAR_LARGE, 0.01, 0);
        VanishingGradients.Outcome clipped = run("clipped", VanishingGradients.Kind.LINEAR_LARGE, 0.01, 5);
        assertTrue(plain.flagged(Kind.EXPLODING).contains("0"), plain.diagnostics().toString());
        assertTrue(Double.isNaN(plain.lastLoss()) || plain.lastLoss() > plain.firstLoss(), "diverges: "
                + plain.lastLoss());
        assertEquals(List.of(), clipped.flagged(Kind.NON_FINITE));
        assertTrue(clipped.lastLoss() < clipped.firstLoss() / 3, clipped.firstLoss() + " -> " + clipped.lastLoss());
    }
}
