package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Float32Kernels is generated from Float64Kernels, never edited by hand (EJML's practice for its float classes).
 * This test regenerates it in memory and fails when the committed file differs. To regenerate after editing
 * Float64Kernels: {@code mvn -pl core test -Dtest=Float32KernelsTwinTest -Dtapegrad.regenerate=true}.
 */
class Float32KernelsTwinTest {
    private static final Path DIR = Path.of("src/main/java/org/tapegrad/core");
    /** Lines carrying this marker are copied unchanged (they deal in double arrays in both dtypes). */
    private static final String KEEP = "// both dtypes";

    static String generate(String float64Source) {
        StringBuilder out = new StringBuilder();
        for (String line : float64Source.split("\n", -1)) {
            if (line.startsWith("// Hand-written.")) {
                out.append("// Generated from Float64Kernels.java by Float32KernelsTwinTest: do not edit; edit Float64Kernels and regenerate.");
            } else if (line.contains(KEEP)) {
                out.append(line.replace("Float64Kernels", "Float32Kernels").replace("DMatrixRMaj", "FMatrixRMaj"));
            } else {
                out.append(line
                        .replace("Float64", "Float32")
                        .replace("FLOAT64", "FLOAT32")
                        .replace("float64", "float32")
                        .replace("DMatrixRMaj", "FMatrixRMaj")
                        .replace("DDRM", "FDRM")
                        .replace("double[]", "float[]")
                        .replace("(double)", "(float)")
                        .replace("Double.", "Float."));
            }
            out.append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    @Test
    void float32KernelsIsTheGeneratedTwinOfFloat64Kernels() throws IOException {
        String source = Files.readString(DIR.resolve("Float64Kernels.java"), StandardCharsets.UTF_8);
        String expected = generate(source);
        Path target = DIR.resolve("Float32Kernels.java");
        if (Boolean.getBoolean("tapegrad.regenerate")) {
            Files.writeString(target, expected, StandardCharsets.UTF_8);
        }
        assertEquals(expected, Files.readString(target, StandardCharsets.UTF_8),
                "Float32Kernels.java is out of date; regenerate it (see this test's Javadoc)");
    }
}
