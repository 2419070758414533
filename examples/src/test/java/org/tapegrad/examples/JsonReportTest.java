package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.io.Json;

class JsonReportTest {
    @TempDir
    Path dir;

    @Test
    void nonFiniteNumbersAreNullAndTheFileIsReplacedWhole() throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("train_loss", Double.NaN);
        fields.put("ratio", Double.POSITIVE_INFINITY);
        fields.put("test_accuracy", 0.5);
        fields.put("epochs", 3);
        fields.put("model", "mlp \"x\"");
        Path file = dir.resolve("report.json");
        JsonReport.write(file, fields);
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(file));
        assertNull(json.get("train_loss"));
        assertNull(json.get("ratio"));
        assertEquals(0.5, json.get("test_accuracy"));
        assertEquals(3L, json.get("epochs"));
        assertEquals("mlp \"x\"", json.get("model"));

        Path link = dir.resolve("earlier");
        Files.createLink(link, file);
        JsonReport.write(file, Map.of("epochs", 4));
        assertEquals(5, ((Map<?, ?>) Json.parse(Files.readString(link))).size(), "written by rename, not in place");
    }
}
