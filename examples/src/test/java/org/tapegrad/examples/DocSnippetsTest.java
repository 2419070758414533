package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet a user reads compiles against the current API with wildcard imports of every Tapegrad package:
 * the README's {@code ```java} blocks and the {@code jshell>} examples in Javadoc. A snippet's own imports are kept
 * (moved to the top of the file), so one naming a package that was moved or removed fails. A README block may start
 * with a comment {@code // given: Type name, Type name} naming what the surrounding text assumes (a data set, a
 * model); those become parameters of the method the block is compiled in. A block that declares a class is compiled
 * as a member. Nothing is run: the point is that a snippet copied from the documentation is valid code.
 */
class DocSnippetsTest {
    private static final Path ROOT = Path.of("..");
    private static final List<String> SOURCE_ROOTS = List.of("core/src/main/java", "nn/src/main/java",
            "optim/src/main/java", "examples/src/main/java");
    private static final Pattern GIVEN = Pattern.compile("^\\s*// given: (.*)$");
    private static final Pattern DECLARATION = Pattern.compile(
            "^(public |abstract |final |static )*(class|record|interface|enum) \\w+.*");

    record Snippet(String origin, String code, String given, boolean jshell) {
    }

    @Test
    void readmeJavaBlocksCompile(@TempDir Path out) throws IOException {
        List<Snippet> snippets = readmeSnippets(Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8));
        assertTrue(snippets.size() >= 4, "expected the README's Java blocks, found " + snippets.size());
        compile(snippets, out);
    }

    @Test
    void javadocJshellExamplesCompile(@TempDir Path out) throws IOException {
        List<Snippet> snippets = new ArrayList<>();
        for (String root : SOURCE_ROOTS) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(root))) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java")).sorted()::iterator) {
                    snippets.addAll(jshellSnippets(ROOT.relativize(f).toString(),
                            Files.readString(f, StandardCharsets.UTF_8)));
                }
            }
        }
        assertTrue(snippets.size() >= 8, "expected the Javadoc's jshell examples, found " + snippets.size());
        compile(snippets, out);
    }

    @Test
    void aSnippetThatDoesNotCompileIsReported(@TempDir Path out) {
        Snippet wrong = new Snippet("test", "Tensor t = Tensor.zeros(2, 2).noSuchMethod();", "", false);
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> compile(List.of(wrong), out));
        assertTrue(e.getMessage().contains("noSuchMethod"), e.getMessage());
    }

    @Test
    void aSnippetImportingAMovedPackageIsReported(@TempDir Path out) {
        Snippet moved = new Snippet("test", "import org.tapegrad.nn.monitor.*;\nTensor t = Tensor.zeros(2);\n", "",
                true);
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> compile(List.of(moved), out));
        assertTrue(e.getMessage().contains("org.tapegrad.nn.monitor"), e.getMessage());
    }

    @Test
    void jshellSessionsAreJoinedAndOutputLinesDropped() {
        String source = String.join("\n",
                "/**",
                " * <pre>{@code",
                " * jshell> class A {",
                " *    ...>     int f() { return 1; }",
                " *    ...> }",
                " * jshell> new A().f()",
                " * $2 ==> 1",
                " * }</pre>",
                " */");
        List<Snippet> s = jshellSnippets("X.java", source);
        assertEquals(1, s.size());
        assertEquals("class A {\n    int f() { return 1; }\n}\nnew A().f();\n", s.get(0).code());
    }

    /** The {@code ```java} blocks of a Markdown text, with their {@code // given:} lines. */
    static List<Snippet> readmeSnippets(String markdown) {
        List<Snippet> out = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].trim().equals("```java")) {
                continue;
            }
            int start = i + 1;
            StringBuilder code = new StringBuilder();
            String given = "";
            for (i = start; i < lines.length && !lines[i].trim().equals("```"); i++) {
                Matcher m = GIVEN.matcher(lines[i]);
                if (m.matches()) {
                    given = given.isEmpty() ? m.group(1) : given + ", " + m.group(1);
                } else {
                    code.append(lines[i]).append('\n');
                }
            }
            out.add(new Snippet("README.md line " + start, code.toString(), given, false));
        }
        return out;
    }

    /** Each Javadoc {@code <pre>} block holding {@code jshell>} lines, as one session of statements. */
    static List<Snippet> jshellSnippets(String origin, String source) {
        List<Snippet> out = new ArrayList<>();
        StringBuilder code = null;
        StringBuilder statement = null;
        int startLine = 0;
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].replaceFirst("^\\s*\\*", "");
            String trimmed = line.trim();
            if (trimmed.startsWith("jshell>")) {
                if (code == null) {
                    code = new StringBuilder();
                    startLine = i + 1;
                }
                finish(code, statement);
                statement = new StringBuilder(trimmed.substring("jshell>".length()).trim());
            } else if (trimmed.startsWith("...>") && statement != null) {
                statement.append('\n').append(line.substring(line.indexOf("...>") + 4).replaceFirst("^ ", ""));
            } else if (code != null) {
                finish(code, statement);
                statement = null;
                if (trimmed.startsWith("}</pre>") || trimmed.equals("*/")) {
                    out.add(new Snippet(origin + " line " + startLine, code.toString(), "", true));
                    code = null;
                }
            }
        }
        return out;
    }

    private static void finish(StringBuilder code, StringBuilder statement) {
        if (statement == null) {
            return;
        }
        String s = statement.toString().replaceFirst("\\s*//[^\n]*$", "").stripTrailing();
        boolean complete = s.endsWith(";") || s.endsWith("}");
        code.append(s).append(complete ? "" : ";").append('\n');
    }

    /** Compiles every snippet in one compiler run; fails listing each snippet's errors. */
    static void compile(List<Snippet> snippets, Path out) {
        List<JavaFileObject> units = new ArrayList<>();
        for (int i = 0; i < snippets.size(); i++) {
            units.add(source("Snippet" + i, wrap("Snippet" + i, snippets.get(i))));
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertTrue(compiler != null, "compiling the snippets needs a JDK, not a JRE");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> options = List.of("-classpath", classPath, "-d", out.toString(), "-proc:none", "-nowarn",
                "-Xlint:none");
        boolean ok = compiler.getTask(new StringWriter(), null, diagnostics, options, null, units).call();
        if (!ok) {
            StringBuilder report = new StringBuilder("documentation snippets that do not compile:\n");
            diagnostics.getDiagnostics().forEach(d -> {
                if (d.getKind() == javax.tools.Diagnostic.Kind.ERROR) {
                    int n = Integer.parseInt(d.getSource().getName().replaceAll("\\D", ""));
                    report.append("  ").append(snippets.get(n).origin()).append(": ")
                            .append(d.getMessage(null)).append("\n");
                }
            });
            throw new AssertionError(report.toString());
        }
    }

    private static String wrap(String name, Snippet s) {
        StringBuilder src = new StringBuilder();
        for (String pkg : List.of("org.tapegrad.core", "org.tapegrad.core.gemm", "org.tapegrad.core.io",
                "org.tapegrad.core.data", "org.tapegrad.nn", "org.tapegrad.monitor", "org.tapegrad.nn.train",
                "org.tapegrad.nn.distributed", "org.tapegrad.optim", "org.tapegrad.optim.distributed",
                "org.apache.spark.api.java", "java.util", "java.util.function", "java.nio.file", "java.io",
                "java.time")) {
            src.append("import ").append(pkg).append(".*;\n");
        }
        src.append("import org.slf4j.Logger;\n");
        // the snippet's own imports go first, so that one naming a package or class that no longer exists fails
        StringBuilder code = new StringBuilder();
        for (String line : s.code().split("\n", -1)) {
            (line.startsWith("import ") ? src : code).append(line).append('\n');
        }
        src.append("class ").append(name).append(" {\n");
        if (!s.jshell() && isDeclaration(s.code())) { // a jshell session's classes are local classes
            src.append(code);
        } else {
            src.append("void run(").append(s.given()).append(") throws Exception {\n").append(code).append("}\n");
        }
        return src.append("}\n").toString();
    }

    private static boolean isDeclaration(String code) {
        for (String line : code.split("\n")) {
            if (!line.isBlank() && !line.trim().startsWith("//") && !line.trim().startsWith("@")) {
                return DECLARATION.matcher(line.trim()).matches() && !line.startsWith(" ");
            }
        }
        return false;
    }

    private static JavaFileObject source(String name, String code) {
        return new SimpleJavaFileObject(URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        };
    }
}
