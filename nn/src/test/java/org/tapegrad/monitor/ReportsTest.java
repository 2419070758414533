package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.io.Json;
import org.tapegrad.nn.Sequential;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** JSON Lines, CSV, HTML and text reports of a monitored run of a deep sigmoid network (which has diagnostics). */
class ReportsTest {
    private GradientMonitor monitor;

    @BeforeEach
    void run() {
        Tensor[] data = MonitorFixtures.regression(16, 8, 5);
        Sequential model = MonitorFixtures.deep(6, 16, true, 1);
        monitor = GradientMonitor.attach(model, 2);
        for (int s = 0; s < 9; s++) {
            MonitorFixtures.step(model, monitor, data[0], data[1], 0.005);
        }
        monitor.close();
        assertFalse(monitor.diagnostics().isEmpty(), "the fixture should produce diagnostics to show");
    }

    @Test
    void jsonLinesHoldOneParsableRecordPerSample(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("g.jsonl");
        JsonLinesReport.write(monitor.records(), file);
        List<String> lines = Files.readAllLines(file);
        assertEquals(5, lines.size(), "steps 0, 2, 4, 6, 8");
        for (int i = 0; i < lines.size(); i++) {
            StepRecord r = monitor.records().get(i);
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) Json.parse(lines.get(i));
            assertEquals(r.step(), ((Number) o.get("step")).longValue());
            assertEquals(r.globalGradNorm(), ((Number) o.get("global_grad_norm")).doubleValue(), 0);
            List<?> layers = (List<?>) o.get("layers");
            assertEquals(r.layers().size(), layers.size());
            Map<?, ?> first = (Map<?, ?>) layers.get(0);
            assertEquals("0", first.get("name"));
            assertEquals(r.layers().get(0).gradNorm(), ((Number) first.get("grad_norm")).doubleValue(), 0);
            Map<?, ?> sigmoid = (Map<?, ?>) layers.get(1);
            assertTrue(sigmoid.containsKey("grad_norm"));
            assertNull(sigmoid.get("grad_norm"), "a layer without parameters has no gradient norm");
            assertEquals(r.params().size(), ((List<?>) o.get("params")).size());
            List<?> findings = (List<?>) o.get("findings");
            assertEquals(r.findings().size(), findings.size());
            for (int k = 0; k < findings.size(); k++) {
                Map<?, ?> f = (Map<?, ?>) findings.get(k);
                Finding expected = r.findings().get(k);
                assertEquals(expected.kind().name(), f.get("kind"));
                assertEquals(expected.layer(), f.get("layer"));
                assertEquals(expected.status().name().toLowerCase(java.util.Locale.ROOT), f.get("status"));
                assertEquals(expected.diagnostic() == null ? null : expected.diagnostic().message(), f.get("message"));
            }
        }
        long written = lines.stream().mapToLong(l -> l.split("\"status\":\"new\"", -1).length - 1).sum();
        assertTrue(written >= monitor.diagnostics().size(), "every first occurrence is in the JSON Lines");
    }

    @Test
    void csvHasOneRowPerLayerAndParameterPerSample(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("g.csv");
        CsvReport.write(monitor.records(), file);
        List<String> lines = Files.readAllLines(file);
        assertEquals(CsvReport.HEADER, lines.get(0));
        int columns = CsvReport.HEADER.split(",").length;
        StepRecord r0 = monitor.records().get(0);
        int findings = monitor.records().stream().mapToInt(r -> r.findings().size()).sum();
        assertTrue(findings > 0, "the fixture's findings are written");
        assertEquals(1 + 5 * (r0.layers().size() + r0.params().size()) + findings, lines.size());
        for (String line : lines) {
            assertEquals(columns, line.split(",", -1).length, line);
        }
        List<String> header = List.of(CsvReport.HEADER.split(","));
        for (StepRecord r : monitor.records()) {
            List<String[]> rows = lines.stream().map(l -> l.split(",", -1))
                    .filter(c -> c[0].equals(Long.toString(r.step())) && c[3].equals("finding")).toList();
            assertEquals(r.findings().size(), rows.size());
            for (int k = 0; k < rows.size(); k++) {
                Finding f = r.findings().get(k);
                String[] c = rows.get(k);
                assertEquals(f.layer(), c[header.indexOf("name")]);
                assertEquals(f.kind().name(), c[header.indexOf("type")]);
                assertEquals(f.status().name().toLowerCase(java.util.Locale.ROOT), c[header.indexOf("status")]);
                if (f.diagnostic() != null) {
                    assertEquals(f.diagnostic().value(), Double.parseDouble(c[header.indexOf("value")]), 0);
                }
            }
        }
        String[] firstLayer = lines.get(1).split(",", -1);
        assertEquals("layer", firstLayer[3]);
        assertEquals(r0.layers().get(0).gradNorm(), Double.parseDouble(firstLayer[6]), 0);
        assertEquals(r0.layers().get(0).updateRatio(), Double.parseDouble(firstLayer[12]), 0);
    }

    @Test
    void htmlIsWellFormedAndHoldsEveryChartAndTheDiagnostics(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("g.html");
        HtmlReport.write(monitor, "Gradient flow <test> & \"quotes\"", file);
        String html = Files.readString(file);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
        assertEquals("html", doc.getDocumentElement().getLocalName());

        NodeList svgs = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < svgs.getLength(); i++) {
            ids.add(((Element) svgs.item(i)).getAttribute("id"));
        }
        assertEquals(HtmlReport.CHARTS, ids, "one chart per promised view, in order");
        for (int i = 0; i < svgs.getLength(); i++) {
            Element svg = (Element) svgs.item(i);
            int marks = svg.getElementsByTagNameNS("*", "path").getLength()
                    + svg.getElementsByTagNameNS("*", "rect").getLength();
            assertTrue(marks > 1, ids.get(i) + " draws something");
        }
        Element grads = (Element) svgs.item(0);
        assertEquals(7, countByClass(grads, "path", "series"), "one line per layer with parameters");
        Element flow = (Element) svgs.item(1);
        assertEquals(2 * 7, countByClass(flow, "rect", "bar"), "mean and max bars per layer with parameters");

        Element table = doc.getElementById("diagnostics");
        table = table != null ? table : byId(doc, "diagnostics");
        assertEquals(monitor.verdicts().size() + 1, table.getElementsByTagNameNS("*", "tr").getLength());
        Element thresholds = byId(doc, "thresholds");
        assertEquals(1 + Diagnostic.Kind.values().length, thresholds.getElementsByTagNameNS("*", "tr").getLength(),
                "a row per rule");
        assertTrue(thresholds.getTextContent().contains("1000; 100-fold"), thresholds.getTextContent());
        assertTrue(thresholds.getTextContent().contains("1e-07; 0.001"), thresholds.getTextContent());
        NodeList legend = grads.getElementsByTagNameNS("*", "text");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < legend.getLength(); i++) {
            texts.add(legend.item(i).getTextContent());
        }
        assertTrue(texts.contains("0 (Linear)"), "legends name the layer and its type: " + texts);

        // Self-contained: no script and nothing loaded from elsewhere.
        assertEquals(0, doc.getElementsByTagNameNS("*", "script").getLength());
        assertEquals(0, doc.getElementsByTagNameNS("*", "link").getLength());
        assertFalse(html.contains("src="), "no external resource");
        assertFalse(html.replace("http://www.w3.org/", "").contains("http"), "only namespace URIs");
    }

    @Test
    void textSummaryHasARowPerLayerAndTheDiagnostics() {
        String text = TextSummary.of(monitor);
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).startsWith("Gradient monitor: 9 steps, 5 samples (every 2)"), lines.get(0));
        assertTrue(lines.get(1).startsWith("layer"), lines.get(1));
        List<String> names = monitor.layerNames();
        for (int i = 0; i < names.size(); i++) {
            assertTrue(lines.get(2 + i).startsWith(names.get(i) + " "), lines.get(2 + i));
        }
        assertTrue(lines.get(2).contains("VANISHING"), "the first layer's row names its diagnostic: " + lines.get(2));
        for (Diagnostic d : monitor.diagnostics()) {
            assertTrue(text.contains(d.toString()));
        }
        assertTrue(lines.size() < 60, "one screen");
    }

    @Test
    void writeAllWritesFourFiles(@TempDir Path dir) throws Exception {
        Path out = MonitorReports.writeAll(monitor, "run", dir.resolve("monitor"));
        for (String name : List.of(MonitorReports.JSONL, MonitorReports.CSV, MonitorReports.HTML,
                MonitorReports.SUMMARY)) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
    }

    @Test
    void writeAllReplacesEachFileWholeInsteadOfWritingIntoIt(@TempDir Path dir) throws Exception {
        Path out = MonitorReports.writeAll(monitor, "run", dir.resolve("monitor"));
        List<String> names = List.of(MonitorReports.JSONL, MonitorReports.CSV, MonitorReports.HTML,
                MonitorReports.SUMMARY);
        for (String name : names) {
            Files.writeString(out.resolve(name), "earlier");
            Files.createLink(dir.resolve(name + ".link"), out.resolve(name)); // a second name of the same file
        }
        MonitorReports.writeAll(monitor, "run", out);
        for (String name : names) {
            assertEquals("earlier", Files.readString(dir.resolve(name + ".link")), name + " was written in place");
            assertTrue(Files.size(out.resolve(name)) > "earlier".length(), name);
        }
    }

    private static int countByClass(Element root, String tag, String cls) {
        NodeList nodes = root.getElementsByTagNameNS("*", tag);
        int n = 0;
        for (int i = 0; i < nodes.getLength(); i++) {
            n += cls.equals(((Element) nodes.item(i)).getAttribute("class")) ? 1 : 0;
        }
        return n;
    }

    private static Element byId(Document doc, String id) {
        NodeList all = doc.getElementsByTagNameNS("*", "*");
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (id.equals(e.getAttribute("id"))) {
                return e;
            }
        }
        throw new AssertionError("no element with id " + id);
    }
}
