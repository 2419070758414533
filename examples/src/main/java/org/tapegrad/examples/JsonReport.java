package org.tapegrad.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.tapegrad.core.io.AtomicFile;
import org.tapegrad.core.io.Json;

/** The {@code --report} file of a command: one flat JSON object, written atomically. */
final class JsonReport {
    private JsonReport() {
    }

    /**
     * {@code fields} as a JSON object, one field per line, in the map's order: strings quoted, booleans and numbers
     * as JSON literals, and a number that is NaN or infinite as {@code null} (JSON has no NaN), e.g. the train loss
     * of a run that trained no step.
     */
    static String render(Map<String, ?> fields) {
        StringBuilder json = new StringBuilder("{\n");
        int i = 0;
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            Object v = e.getValue();
            String literal;
            if (v instanceof String s) {
                literal = Json.quote(s);
            } else if (v instanceof Double d) {
                literal = Double.isFinite(d) ? d.toString() : "null";
            } else if (v instanceof Float f) {
                literal = Float.isFinite(f) ? f.toString() : "null";
            } else if (v == null || v instanceof Number || v instanceof Boolean) {
                literal = String.valueOf(v);
            } else {
                throw new IllegalArgumentException("report field '" + e.getKey() + "': " + v.getClass().getSimpleName()
                        + " is not a string, number or boolean");
            }
            json.append("  ").append(Json.quote(e.getKey())).append(": ").append(literal)
                    .append(++i < fields.size() ? ",\n" : "\n");
        }
        return json.append("}\n").toString();
    }

    /** Writes {@link #render(Map)} to {@code file}: the previous file stays whole until the new one is complete. */
    static void write(Path file, Map<String, ?> fields) throws IOException {
        AtomicFile.writeString(file, render(fields));
    }
}
