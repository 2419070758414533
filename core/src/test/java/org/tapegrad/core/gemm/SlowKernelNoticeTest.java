package org.tapegrad.core.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;

/**
 * Without {@code --add-modules jdk.incubator.vector} the JVM gets the slower kernels; it is told so once, on
 * stderr, with how to enable the fast one. Run in a child JVM started without the module.
 */
class SlowKernelNoticeTest {
    /** The child: chooses kernels several ways, then computes a product. */
    public static void main(String[] args) {
        Matmul.kernel();
        Matmul.best(2);
        BlockedMatmul.create(1);
        Tensor.ones(2, 3).matmul(Tensor.ones(3, 2));
        System.out.println("done");
    }

    private static String run(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SlowKernelNoticeTest.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("done"), out);
        return out;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void withoutTheVectorModuleOneNoticeSaysHowToEnableIt() throws Exception {
        String out = run();
        assertEquals(1, count(out, Matmul.NOTICE), out);
        assertTrue(Matmul.NOTICE.contains("--add-modules jdk.incubator.vector")
                && Matmul.NOTICE.contains("<argLine>") && Matmul.NOTICE.contains("VM options"), Matmul.NOTICE);
        assertEquals(0, count(run("-D" + Matmul.NOTICE_PROPERTY + "=false"), "Vector API"), "silenced");
    }

    @Test
    void withTheVectorModuleNothingIsPrinted() {
        assertTrue(BlockedMatmul.vectorApiAvailable(), "the tests run with --add-modules jdk.incubator.vector");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Matmul.best(1);
            BlockedMatmul.create(1);
        } finally {
            System.setErr(err);
        }
        assertEquals(0, count(captured.toString(StandardCharsets.UTF_8), "Vector API"), captured.toString());
    }
}
