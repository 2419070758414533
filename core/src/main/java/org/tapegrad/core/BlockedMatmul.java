package org.tapegrad.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * A float32 GEMM in the GotoBLAS/BLIS style: C is computed in column blocks of {@code NC} and depth blocks of
 * {@code KC}; for each, a panel of op(B) and then blocks of op(A) are packed into contiguous buffers (transposes are
 * absorbed here, so {@code A·B}, {@code Aᵀ·B} and {@code A·Bᵀ} all run the same inner loop), and a register-blocked
 * {@link MicroKernel} computes {@code MR × NR} tiles from them. Packing buffers belong to each thread and are reused,
 * so a product allocates nothing once they have grown. Products large enough to pay for it are split by columns
 * over a fixed pool of threads created with the kernel; each element of C is still summed by one thread in one
 * order, so results do not depend on scheduling. float64 products go to EJML.
 */
public final class BlockedMatmul implements MatmulKernel {
    private static final int KC = 256;
    private static final int NC = 1024;
    /** Products below this many multiply-adds run on the calling thread: splitting costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1L << 20;

    private final MicroKernel kernel;
    private final int mc;
    private final int threads;
    private final ExecutorService pool;
    private final EjmlMatmul float64 = new EjmlMatmul();
    private final ThreadLocal<Buffers> buffers;

    private static final class Buffers {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] edge;
        /** Offsets of NR consecutive rows of a B with {@code offsetsLd} columns, for transposed packing. */
        final int[] rowOffsets;
        int offsetsLd = -1;

        Buffers(MicroKernel k) {
            edge = new float[k.mr() * k.nr()];
            rowOffsets = new int[k.nr()];
        }
    }

    /** The fastest kernel this JVM can run: the Vector API micro-kernel when the incubator module is present. */
    public static BlockedMatmul create(int threads) {
        return new BlockedMatmul(vectorApiAvailable() ? vectorKernel() : new JavaMicroKernel(), threads);
    }

    /** The portable kernel, whatever modules are present (for comparison and tests). */
    public static BlockedMatmul portable(int threads) {
        return new BlockedMatmul(new JavaMicroKernel(), threads);
    }

    /** True when {@code jdk.incubator.vector} was added to this JVM ({@code --add-modules jdk.incubator.vector}). */
    public static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static MicroKernel vectorKernel() {
        try {
            // By name, so that this class links without the incubator module.
            return (MicroKernel) Class.forName("org.tapegrad.core.VectorMicroKernel").getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return new JavaMicroKernel();
        }
    }

    BlockedMatmul(MicroKernel kernel, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("BlockedMatmul: threads must be at least 1, got " + threads);
        }
        this.kernel = kernel;
        this.mc = kernel.mr() * 20;
        this.threads = threads;
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(kernel));
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "tapegrad-gemm");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void gemm(DMatrixRMaj a, boolean ta, DMatrixRMaj b, boolean tb, DMatrixRMaj c, boolean accumulate) {
        float64.gemm(a, ta, b, tb, c, accumulate);
    }

    @Override
    public void gemm(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c, boolean accumulate) {
        int m = c.numRows;
        int n = c.numCols;
        int k = ta ? a.numRows : a.numCols;
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                java.util.Arrays.fill(c.data, 0, m * n, 0f);
            }
            return;
        }
        int nr = kernel.nr();
        if (threads == 1 || (long) m * n * k < PARALLEL_THRESHOLD || n < 2 * nr) {
            columns(a, ta, b, tb, c, accumulate, 0, n);
            return;
        }
        int parts = Math.min(threads, (n + nr - 1) / nr);
        int panels = (n + nr - 1) / nr;
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        int from = 0;
        for (int t = 0; t < parts; t++) {
            int to = t == parts - 1 ? n : Math.min(n, (int) ((long) panels * (t + 1) / parts) * nr);
            int j0 = from;
            int j1 = to;
            if (t < parts - 1) {
                futures.add(pool.submit(() -> columns(a, ta, b, tb, c, accumulate, j0, j1)));
            } else {
                columns(a, ta, b, tb, c, accumulate, j0, j1);
            }
            from = to;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("gemm interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("gemm worker failed", e.getCause());
            }
        }
    }

    /** Columns j0..j1 of C: the whole blocked product restricted to them. */
    private void columns(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c, boolean accumulate,
            int j0, int j1) {
        int mr = kernel.mr();
        int nr = kernel.nr();
        int m = c.numRows;
        int n = c.numCols;
        int k = ta ? a.numRows : a.numCols;
        Buffers buf = buffers.get();
        int aSize = roundUp(mc, mr) * KC;
        int bSize = roundUp(NC, nr) * KC;
        if (buf.a.length < aSize) {
            buf.a = new float[aSize];
        }
        if (buf.b.length < bSize) {
            buf.b = new float[bSize];
        }
        float[] pa = buf.a;
        float[] pb = buf.b;
        float[] cd = c.data;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean add = accumulate || pc > 0;
            for (int jc = j0; jc < j1; jc += NC) {
                int nc = Math.min(NC, j1 - jc);
                packB(b.data, tb, b.numCols, pc, kc, jc, nc, buf, pb);
                for (int ic = 0; ic < m; ic += mc) {
                    int mcb = Math.min(mc, m - ic);
                    packA(a.data, ta, a.numCols, ic, mcb, m, pc, kc, mr, pa);
                    for (int jr = 0; jr < nc; jr += nr) {
                        int nrb = Math.min(nr, nc - jr);
                        for (int ir = 0; ir < mcb; ir += mr) {
                            int mrb = Math.min(mr, mcb - ir);
                            int at = (ic + ir) * n + jc + jr;
                            if (mrb == mr && nrb == nr) {
                                kernel.tile(pa, ir * kc, pb, jr * kc, kc, cd, at, n, add);
                            } else {
                                kernel.tile(pa, ir * kc, pb, jr * kc, kc, buf.edge, 0, nr, false);
                                for (int r = 0; r < mrb; r++) {
                                    for (int j = 0; j < nrb; j++) {
                                        float v = buf.edge[r * nr + j];
                                        cd[at + r * n + j] = add ? cd[at + r * n + j] + v : v;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Rows ic..ic+mcb of op(A), depths pc..pc+kc, as panels of MR rows: pa[ir·kc + p·MR + r]; zero-padded. */
    private static void packA(float[] a, boolean ta, int lda, int ic, int mcb, int m, int pc, int kc, int mr,
            float[] pa) {
        for (int ir = 0; ir < mcb; ir += mr) {
            int base = ir * kc;
            int rows = Math.min(mr, mcb - ir);
            if (ta) { // op(A)[i][p] = A[p][i]: rows of a panel are contiguous in A
                for (int p = 0; p < kc; p++) {
                    int src = (pc + p) * lda + ic + ir;
                    int dst = base + p * mr;
                    for (int r = 0; r < rows; r++) {
                        pa[dst + r] = a[src + r];
                    }
                    for (int r = rows; r < mr; r++) {
                        pa[dst + r] = 0;
                    }
                }
            } else { // op(A)[i][p] = A[i][p]: read each row along the depth
                for (int r = 0; r < mr; r++) {
                    if (r < rows) {
                        int src = (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            pa[base + p * mr + r] = a[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            pa[base + p * mr + r] = 0;
                        }
                    }
                }
            }
        }
    }

    /** Columns jc..jc+nc of op(B), depths pc..pc+kc, as panels of NR columns: pb[jr·kc + p·NR + j]; zero-padded. */
    private void packB(float[] b, boolean tb, int ldb, int pc, int kc, int jc, int nc, Buffers buf, float[] pb) {
        int nr = kernel.nr();
        if (tb && buf.offsetsLd != ldb) {
            for (int j = 0; j < nr; j++) {
                buf.rowOffsets[j] = j * ldb;
            }
            buf.offsetsLd = ldb;
        }
        for (int jr = 0; jr < nc; jr += nr) {
            int base = jr * kc;
            int cols = Math.min(nr, nc - jr);
            if (tb && cols == nr) { // op(B)[p][j] = B[j][p]: a transpose, the kernel's own (gathers with vectors)
                kernel.packTransposed(b, (jc + jr) * ldb + pc, buf.rowOffsets, kc, pb, base);
            } else if (tb) { // a last, narrower panel: read each column of op(B) along the depth
                for (int j = 0; j < nr; j++) {
                    int src = (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        pb[base + p * nr + j] = j < cols ? b[src + p] : 0;
                    }
                }
            } else { // op(B)[p][j] = B[p][j]: a contiguous strip per depth
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * nr;
                    System.arraycopy(b, (pc + p) * ldb + jc + jr, pb, dst, cols);
                    for (int j = cols; j < nr; j++) {
                        pb[dst + j] = 0;
                    }
                }
            }
        }
    }

    private static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    @Override
    public String name() {
        return "blocked float32 GEMM, " + kernel.name() + ", " + threads + " thread" + (threads > 1 ? "s" : "");
    }
}
