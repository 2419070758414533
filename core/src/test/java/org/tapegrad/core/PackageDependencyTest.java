package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layout's rules, checked on the sources of every module of the build (read from {@code ../<module>/src/main/java},
 * the modules named in the root pom): every package with main sources has a {@code package-info.java} whose
 * "May use:" paragraph lists the Tapegrad packages (or single classes) it may depend on, each in a {@code @code} tag,
 * and no main source file imports, or names in its code, a Tapegrad package outside its own and that list. This
 * test lives in core, the first module built, and reads the other modules' sources as files.
 */
class PackageDependencyTest {
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern MAY_USE = Pattern.compile("May use:(.*?)(?:\\*/|<p>|\\n\\s*\\*\\s*\\n)",
            Pattern.DOTALL);
    private static final Pattern ENTRY = Pattern.compile("\\{@code\\s+(org\\.tapegrad[\\w.]*)\\s*}");
    private static final Pattern IMPORT = Pattern.compile(
            "^import\\s+(?:static\\s+)?(org\\.tapegrad\\.[\\w.]+?)(?:\\.\\*)?\\s*;", Pattern.MULTILINE);
    /** A qualified name in code (comments and string literals removed first). */
    private static final Pattern NAMED = Pattern.compile("(?<![\\w.])org\\.tapegrad(?:\\.\\w+)+");

    /** One main source file: its module, path relative to the root, package and text. */
    record Source(String module, String path, String pkg, String text) {
    }

    @Test
    void everyPackageUsesOnlyWhatItsPackageInfoAllows() {
        List<Source> sources = sources(root());
        Map<String, Set<String>> rules = rules(sources);
        assertEquals(List.of(), violations(rules, sources));
    }

    @Test
    void theCheckSeesTheWholeBuild() {
        List<Source> sources = sources(root());
        Set<String> modules = new TreeSet<>();
        sources.forEach(s -> modules.add(s.module()));
        assertEquals(Set.of("core", "examples", "nn", "optim"), modules);
        assertTrue(sources.size() > 200, sources.size() + " main source files: the paths are wrong");
        Map<String, Set<String>> rules = rules(sources);
        assertTrue(rules.containsKey("org.tapegrad.core.internal.kernel") && rules.containsKey("org.tapegrad.monitor"),
                rules.keySet().toString());
    }

    @Test
    void aForbiddenImportIsReported() {
        Map<String, Set<String>> rules = new TreeMap<>(Map.of(
                "org.tapegrad.core", Set.of("org.tapegrad.core.gemm"),
                "org.tapegrad.core.gemm", Set.of(),
                "org.tapegrad.core.internal.kernel", Set.of("org.tapegrad.core.DType"),
                "org.tapegrad.nn", Set.of("org.tapegrad.core")));
        List<Source> sources = List.of(
                source("core", "org.tapegrad.core.gemm", "import org.tapegrad.core.Tensor;\n"),
                source("core", "org.tapegrad.core.internal.kernel",
                        "import org.tapegrad.core.DType;\nimport org.tapegrad.core.Tape;\n"),
                source("core", "org.tapegrad.core", "import org.tapegrad.core.gemm.Matmul;\n"
                        + "class A { Object n = org.tapegrad.nn.Linear.class; /* org.tapegrad.nn.Relu */ "
                        + "String s = \"org.tapegrad.nn.Gelu\"; }\n"),
                source("nn", "org.tapegrad.nn", "import static org.tapegrad.core.internal.kernel.Shape.str;\n"
                        + "import org.tapegrad.nn.other.*;\n"));
        List<String> found = violations(rules, sources);
        assertEquals(5, found.size(), String.join("\n", found));
        assertTrue(found.get(0).contains("org.tapegrad.core.Tensor")
                && found.get(1).contains("org.tapegrad.core.Tape")
                && found.get(2).contains("org.tapegrad.nn.Linear")
                && found.get(3).contains("org.tapegrad.core.internal.kernel.Shape.str")
                && found.get(4).contains("unknown package org.tapegrad.nn.other"), String.join("\n", found));
    }

    private static Source source(String module, String pkg, String body) {
        return new Source(module, pkg.replace('.', '/') + "/A.java", pkg, "package " + pkg + ";\n\n" + body);
    }

    /** Each rule breach, one line each: the file, what it uses and what its package may use. */
    static List<String> violations(Map<String, Set<String>> rules, List<Source> sources) {
        List<String> out = new ArrayList<>();
        for (Source s : sources) {
            Set<String> allowed = rules.get(s.pkg());
            if (allowed == null) {
                out.add(s.path() + ": package " + s.pkg() + " has no package-info.java with a \"May use:\" paragraph");
                continue;
            }
            for (String name : uses(s.text())) {
                String target = packageOf(name, rules.keySet());
                if (target == null) {
                    String pkg = name.replaceAll("\\.[A-Z*].*", "");
                    out.add(s.path() + ": uses " + name + ", in an unknown package " + pkg);
                } else if (!target.equals(s.pkg()) && !allowed.contains(target) && allowed.stream()
                        .noneMatch(a -> !rules.containsKey(a) && (name.equals(a) || name.startsWith(a + ".")))) {
                    out.add(s.path() + ": uses " + name + ", but " + s.pkg() + " may use only " + allowed
                            + " (its package-info.java's \"May use:\")");
                }
            }
        }
        return out;
    }

    /** The Tapegrad names a file imports and names in code, in order of appearance. */
    static List<String> uses(String text) {
        List<String> out = new ArrayList<>();
        Matcher imports = IMPORT.matcher(text);
        while (imports.find()) {
            out.add(imports.group(1));
        }
        String code = stripCommentsAndStrings(text).replaceAll("(?m)^\\s*(import|package)\\s[^;]*;", "");
        Matcher named = NAMED.matcher(code);
        while (named.find()) {
            out.add(named.group());
        }
        return out;
    }

    /** The longest known package that {@code name} (a package, class, nested class or static member) lies in. */
    private static String packageOf(String name, Set<String> packages) {
        String best = null;
        for (String p : packages) {
            if ((name.equals(p) || name.startsWith(p + ".")) && (best == null || p.length() > best.length())) {
                best = p;
            }
        }
        return best != null && !name.substring(best.length()).matches("(\\.[a-z]\\w*)+(\\..*)?") ? best : null;
    }

    private static String stripCommentsAndStrings(String text) {
        return text.replaceAll("(?s)\"\"\".*?\"\"\"", "\"\"")
                .replaceAll("\"(?:\\\\.|[^\"\\\\\\n])*\"", "\"\"")
                .replaceAll("'(?:\\\\.|[^'\\\\\\n])'", "''")
                .replaceAll("(?s)/\\*.*?\\*/", " ")
                .replaceAll("//[^\\n]*", " ");
    }

    /** Each package's allowed dependencies, from its package-info.java; every entry must name a package or class. */
    static Map<String, Set<String>> rules(List<Source> sources) {
        Map<String, Set<String>> rules = new TreeMap<>();
        Set<String> classes = new TreeSet<>();
        for (Source s : sources) {
            String file = s.path().substring(s.path().lastIndexOf('/') + 1);
            classes.add(s.pkg() + "." + file.substring(0, file.length() - ".java".length()));
            if (file.equals("package-info.java")) {
                Matcher m = MAY_USE.matcher(s.text());
                if (m.find()) {
                    Set<String> allowed = new TreeSet<>();
                    Matcher e = ENTRY.matcher(m.group(1));
                    while (e.find()) {
                        allowed.add(e.group(1));
                    }
                    rules.put(s.pkg(), allowed);
                }
            }
        }
        Set<String> packages = new TreeSet<>();
        sources.forEach(s -> packages.add(s.pkg()));
        rules.forEach((pkg, allowed) -> allowed.forEach(a -> assertTrue(packages.contains(a) || classes.contains(a),
                pkg + "'s package-info.java: \"May use:\" names " + a + ", no package or class of the build")));
        return rules;
    }

    /** The build's root: the parent of this module's directory (the tests' working directory). */
    static Path root() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(root.resolve("pom.xml"))
                && Files.isDirectory(root.resolve("core/src/main/java")),
                "the tests run in the core module's directory, with the build's root above it; not in " + root);
        return root;
    }

    /** The main sources of every module the root pom names. */
    static List<Source> sources(Path root) {
        try {
            List<Source> out = new ArrayList<>();
            Matcher modules = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
            while (modules.find()) {
                String module = modules.group(1).trim();
                Path dir = root.resolve(module).resolve("src/main/java");
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                        String text = Files.readString(f);
                        Matcher pkg = PACKAGE.matcher(text);
                        assertTrue(pkg.find(), f + " declares no package");
                        out.add(new Source(module, root.relativize(f).toString().replace('\\', '/'), pkg.group(1),
                                text));
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
