package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.DType;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.io.Json;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Lstm;
import org.tapegrad.nn.RecurrentLayer;
import org.tapegrad.nn.Rnn;
import org.tapegrad.nn.RnnCell;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The monitor's hidden-state gradient per time step: the value of ‖∂L/∂h_t‖ itself, the vanishing it shows for a
 * vanilla RNN and not for an LSTM with open forget gates, sampling, and the chart per recurrent layer.
 */
class TimeStepGradientsTest {
    /** A recurrent layer, then a linear read-out of every step's hidden state; the loss is the sum of the read-out. */
    static final class Model extends Layer {
        final RecurrentLayer rnn;
        final Linear head;

        Model(RecurrentLayer rnn, Linear head) {
            this.rnn = registerModule("rnn", rnn);
            this.head = head == null ? null : registerModule("head", head);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor out = rnn.call(x);
            if (head == null) {
                return out.narrow(1, out.size(1) - 1, 1).sum(); // the last step only
            }
            return head.call(out.reshape(-1, out.size(2))).sum();
        }
    }

    private static double step(Model model, GradientMonitor monitor, Tensor x) {
        double loss;
        try (Tape tape = Tape.record()) {
            Tensor l = model.call(x);
            tape.backward(l);
            loss = l.item();
        }
        monitor.beforeStep();
        monitor.afterStep(loss);
        model.zeroGrad();
        return loss;
    }

    @Test
    void theRecordedNormIsTheGradientWithRespectToEachStepsHiddenState() {
        Random rng = new Random(1);
        int batch = 3;
        int time = 6;
        Rnn rnn = new Rnn(2, 5, 1, "tanh", true, rng, DType.FLOAT64);
        Model model = new Model(rnn, new Linear(5, 1, true, rng, DType.FLOAT64));
        Tensor x = Tensor.randn(DType.FLOAT64, rng, batch, time, 2);
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        step(model, monitor, x);
        monitor.close();
        assertEquals(List.of("rnn"), monitor.timeSteps().layerNames());
        double[] recorded = monitor.timeSteps().samples("rnn").get(0).gradNorms();
        assertEquals(time, recorded.length);

        // Independently: h_t as a leaf, the steps before it run without recording, the rest through a cell.
        RnnCell cell = new RnnCell(2, 5, "tanh", true, new Random(0), DType.FLOAT64);
        try (Scope s = Tape.noGrad()) {
            cell.weightIh().copyFrom(rnn.weightIh(0));
            cell.weightHh().copyFrom(rnn.weightHh(0));
            cell.biasIh().copyFrom(rnn.biasIh(0));
            cell.biasHh().copyFrom(rnn.biasHh(0));
        }
        for (int t = 0; t < time; t++) {
            Tensor h = Tensor.zeros(DType.FLOAT64, batch, 5);
            try (Scope s = Tape.noGrad()) {
                for (int k = 0; k <= t; k++) {
                    h = cell.forward(x.narrow(1, k, 1).reshape(batch, 2), h);
                }
            }
            Tensor leaf = h.detach().copy().requiresGrad(true);
            try (Tape tape = Tape.record()) {
                Tensor loss = model.head.call(leaf).sum();
                Tensor state = leaf;
                for (int k = t + 1; k < time; k++) {
                    state = cell.forward(x.narrow(1, k, 1).reshape(batch, 2), state);
                    loss = loss.add(model.head.call(state).sum());
                }
                tape.backward(loss);
            }
            double expected = Math.sqrt(java.util.Arrays.stream(leaf.grad().toDoubleArray()).map(v -> v * v).sum());
            assertEquals(expected, recorded[t], 1e-12 * expected, "‖∂L/∂h_" + t + "‖");
        }
    }

    @Test
    void aVanillaRnnsGradientVanishesOverTimeAndAnLstmWithOpenForgetGatesDoesNot() {
        int time = 20;
        Tensor x = Tensor.randn(new Random(2), 8, time, 3);
        Model rnn = new Model(new Rnn(3, 16, new Random(3)), null);
        Lstm lstm = new Lstm(3, 16, new Random(3));
        try (Scope s = Tape.noGrad()) {
            double[] v = lstm.biasIh(0).toDoubleArray();
            for (int u = 16; u < 32; u++) {
                v[u] = 6; // forget gate σ(6) ≈ 0.998: the cell state carries on
            }
            lstm.biasIh(0).copyFrom(Tensor.of(DType.FLOAT32, v, 64));
        }
        Model gated = new Model(lstm, null);
        double[] ratios = new double[2];
        int k = 0;
        for (Model model : List.of(rnn, gated)) {
            GradientMonitor monitor = GradientMonitor.attach(model, 1);
            step(model, monitor, x);
            monitor.close();
            TimeStepGradients.Sample s = monitor.timeSteps().samples("rnn").get(0);
            ratios[k++] = s.firstToLastRatio();
        }
        assertTrue(ratios[0] < 1e-3, "tanh RNN, 20 steps: ‖∂L/∂h_0‖/‖∂L/∂h_19‖ = " + ratios[0]);
        assertTrue(ratios[1] > 0.1, "LSTM with open forget gates: " + ratios[1]);
    }

    @Test
    void onlySampledStepsAreMeasuredAndNothingAfterClose() {
        Random rng = new Random(4);
        Model model = new Model(new Lstm(2, 4, 2, true, rng, DType.FLOAT32), new Linear(4, 1, rng));
        Tensor x = Tensor.randn(rng, 3, 5, 2);
        GradientMonitor monitor = GradientMonitor.attach(model, 3);
        for (int s = 0; s < 7; s++) {
            step(model, monitor, x);
        }
        TimeStepGradients t = monitor.timeSteps();
        assertEquals(List.of("rnn.l0", "rnn.l1"), t.layerNames());
        assertEquals(List.of(0L, 3L, 6L), t.samples("rnn.l1").stream().map(TimeStepGradients.Sample::step).toList());
        monitor.close();
        try (Tape tape = Tape.record()) {
            tape.backward(model.call(x));
        }
        assertEquals(3, t.samples("rnn.l0").size());
        for (TimeStepGradients.Sample s : t.samples("rnn.l0")) {
            assertEquals(5, s.steps());
            for (double v : s.gradNorms()) {
                assertTrue(v > 0 && Double.isFinite(v), "every step of the lower layer gets a gradient");
            }
        }
        assertEquals(List.of(), GradientMonitor.attach(MonitorFixtures.small(1), 1).timeSteps().layerNames(),
                "no recurrent layer, nothing to measure");
    }

    @Test
    void theReportHasAChartPerRecurrentLayerAndTheRatioInTheSummary(@TempDir Path dir) throws Exception {
        Random rng = new Random(5);
        Model model = new Model(new Lstm(2, 4, 2, true, rng, DType.FLOAT32), new Linear(4, 1, rng));
        Tensor x = Tensor.randn(rng, 3, 7, 2);
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        for (int s = 0; s < 10; s++) {
            step(model, monitor, x);
        }
        monitor.close();
        MonitorReports.writeAll(monitor, "recurrent <test>", dir);
        String html = Files.readString(dir.resolve(MonitorReports.HTML));
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
        NodeList svgs = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < svgs.getLength(); i++) {
            ids.add(((Element) svgs.item(i)).getAttribute("id"));
        }
        List<String> expected = new ArrayList<>(HtmlReport.CHARTS);
        expected.add(HtmlReport.TIME_STEP_CHART_PREFIX + 0);
        expected.add(HtmlReport.TIME_STEP_CHART_PREFIX + 1);
        assertEquals(expected, ids, "the five charts, then one per recurrent layer (rnn.l0, rnn.l1)");
        for (int i = HtmlReport.CHARTS.size(); i < ids.size(); i++) {
            Element svg = (Element) svgs.item(i);
            int lines = 0;
            NodeList paths = svg.getElementsByTagNameNS("*", "path");
            for (int p = 0; p < paths.getLength(); p++) {
                lines += "series".equals(((Element) paths.item(p)).getAttribute("class")) ? 1 : 0;
            }
            assertEquals(HtmlReport.TIME_STEP_LINES, lines, "10 samples, 8 of them drawn");
            assertTrue(svg.getTextContent().contains("time step t"));
        }
        String summary = Files.readString(dir.resolve(MonitorReports.SUMMARY));
        assertTrue(summary.contains("Hidden-state gradient of rnn.l1 over 7 time steps: ‖∂L/∂h_0‖/‖∂L/∂h_6‖ = "),
                summary);
        List<String> lines = Files.readAllLines(dir.resolve(MonitorReports.TIME_STEPS_JSONL));
        assertEquals(20, lines.size(), "2 layers x 10 samples");
        Map<?, ?> first = (Map<?, ?>) Json.parse(lines.get(0));
        assertEquals("rnn.l0", first.get("layer"));
        assertEquals(7, ((List<?>) first.get("grad_norms")).size());
        TimeStepGradients.Sample s0 = monitor.timeSteps().samples("rnn.l0").get(0);
        assertEquals(s0.firstToLastRatio(), ((Number) first.get("first_to_last")).doubleValue(), 0);
    }
}
