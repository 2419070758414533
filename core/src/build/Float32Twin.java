import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the float32 twin of a hand-written float64 source file, as EJML generates its float classes from the
 * double ones: run by the build (core/pom.xml, generate-sources) into target/generated-sources, never committed.
 *
 * <p>Rules, applied line by line: {@code Float64 FLOAT64 float64 DMatrixRMaj DDRM DoubleBuffer double[] (double)
 * Double.} become {@code Float32 FLOAT32 float32 FMatrixRMaj FDRM FloatBuffer float[] (float) Float.} (so
 * {@code asDoubleBuffer} becomes {@code asFloatBuffer}); scalar {@code double} locals stay double.
 * A line carrying the marker {@code // both dtypes} deals in double arrays in both twins: only the class and matrix
 * names change on it. The first line's "Hand-written" comment becomes a "Generated" one.
 *
 * <p>With the option {@code --scalars}, every {@code double} becomes {@code float} (scalars too), and the matrix
 * names change as above: for loops that must run entirely in float arithmetic, such as the optimizers' updates and
 * the recurrent cells.
 *
 * <p>Usage: {@code java Float32Twin.java [--scalars] SOURCE TARGET}; TARGET is rewritten only when its content
 * changes.
 */
public final class Float32Twin {
    private static final String KEEP = "// both dtypes";

    public static void main(String[] args) throws IOException {
        boolean scalars = args.length == 3 && args[0].equals("--scalars");
        if (args.length != (scalars ? 3 : 2)) {
            System.err.println("usage: java Float32Twin.java [--scalars] SOURCE TARGET");
            System.exit(2);
        }
        Path source = Path.of(args[args.length - 2]);
        Path target = Path.of(args[args.length - 1]);
        String twin = generate(source.getFileName().toString(), Files.readString(source, StandardCharsets.UTF_8),
                scalars);
        if (Files.exists(target) && Files.readString(target, StandardCharsets.UTF_8).equals(twin)) {
            return; // unchanged: keep the timestamp, so the compiler has nothing new to do
        }
        Files.createDirectories(target.getParent());
        Files.writeString(target, twin, StandardCharsets.UTF_8);
    }

    static String generate(String sourceName, String float64Source, boolean scalars) {
        StringBuilder out = new StringBuilder();
        String[] lines = float64Source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == 0 && line.startsWith("// Hand-written.")) {
                out.append("// Generated from ").append(sourceName).append(" by core/src/build/Float32Twin.java at build "
                        + "time: do not edit; edit ").append(sourceName).append('.');
            } else if (line.contains(KEEP)) {
                out.append(line.replace("Float64", "Float32").replace("DMatrixRMaj", "FMatrixRMaj"));
            } else if (scalars) {
                out.append(line
                        .replace("Float64", "Float32")
                        .replace("float64", "float32")
                        .replaceAll("\\bdouble\\b", "float")
                        .replace("DMatrixRMaj", "FMatrixRMaj")
                        .replace("DDRM", "FDRM")
                        .replace("Double.", "Float."));
            } else {
                out.append(line
                        .replace("Float64", "Float32")
                        .replace("FLOAT64", "FLOAT32")
                        .replace("float64", "float32")
                        .replace("DMatrixRMaj", "FMatrixRMaj")
                        .replace("DDRM", "FDRM")
                        .replace("DoubleBuffer", "FloatBuffer")
                        .replace("double[]", "float[]")
                        .replace("(double)", "(float)")
                        .replace("Double.", "Float."));
            }
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }
}
