package org.tapegrad.core.gemm;

import java.util.concurrent.atomic.AtomicLong;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * A float32 GEMM in the GotoBLAS/BLIS style: C is computed in column blocks of {@code NC} and depth blocks of
 * {@code KC}; for each, a panel of op(B) and then blocks of op(A) are packed into contiguous buffers (transposes are
 * absorbed here, so {@code A·B}, {@code Aᵀ·B} and {@code A·Bᵀ} all run the same inner loop; a transposed A needs no
 * copy and is read where it lies), and a register-blocked {@link MicroKernel} computes {@code MR × NR} tiles from
 * them. A C at most one vector wide (a classifier's output layer) has a path of its own that reads A where it lies
 * too, and so has a C with fewer rows than two tiles and op(B) = B (that layer's weight gradient), which reads both
 * operands where they lie: the tiles would pad its rows, and packing B would cost as much as using it.
 * Packing buffers are allocated once per thread and reused, so a product allocates nothing.
 *
 * <p>With more than one thread, a product large enough to pay for it is cut into chunks of columns of C (or of rows,
 * when C is tall and narrow) that the threads of a {@link WorkerTeam} claim one at a time. Each thread packs the
 * operand every chunk needs (op(A) for column chunks) once, whole, and only its chunks' share of the other, so
 * nothing is packed twice but that one operand. Claiming rather than assigning chunks matters here: a worker that
 * wakes up late, or is slowed by reading what the caller's core has just written, does fewer chunks instead of
 * holding up the product. Every element of C is still summed by one thread in the same order as on one thread, so
 * results are the same bits whatever the thread count and scheduling. The kernel can be used from several threads
 * at once: a product that finds the team busy runs on its caller alone. float64 products go to EJML.
 */
public final class BlockedMatmul implements MatmulKernel {
    private static final int KC = 256;
    private static final int NC = 1024;
    /** Products below this many multiply-adds run on the calling thread: splitting costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1L << 19;
    /** Chunks per thread a team product is cut into at most: enough to even out threads that run late. */
    private static final int CHUNKS_PER_THREAD = 8;
    /**
     * The largest operand (floats) a team member packs whole; beyond it, each of a few big chunks packs its blocks
     * as it goes, like a product on one thread.
     */
    private static final int WHOLE_LIMIT = 1 << 20;
    /**
     * Depths of a block of the dot path ({@link #multiplyDots}): a dot tile's rows of B for one block (3 × 8 KB) stay
     * in L1 while it runs down the rows of A, and a block of A's rows in L2 for the next columns.
     */
    private static final int DOT_DEPTH = 2048;

    private final MicroKernel kernel;
    private final int mc;
    private final int threads;
    private final EjmlMatmul float64 = new EjmlMatmul();
    /** For the products a thread computes alone. */
    private final ThreadLocal<Buffers> buffers;
    /** Null with one thread. */
    private final WorkerTeam team;
    /** Member i of the team packs into {@code teamBuffers[i]}. */
    private final Buffers[] teamBuffers;
    /** Each caller's product for the team, reused: handing a product to the team allocates nothing. */
    private final ThreadLocal<TeamProduct> teamProducts = ThreadLocal.withInitial(TeamProduct::new);
    /** Numbers team products, so that a member knows when its whole packed operand is out of date. */
    private final AtomicLong teamProductCount = new AtomicLong();

    /** One thread's packing buffers. */
    private static final class Buffers {
        final float[] a;
        final float[] b;
        final float[] edge;
        /** Where MR consecutive rows of A start, for packing op(A) = A; see {@link #offsets}. */
        final int[] aRowOffsets;
        /** Where NR consecutive rows of B start, for packing op(B) = Bᵀ. */
        final int[] bRowOffsets;
        /** A team member's whole packed op(A) or op(B), grown as needed, and the team product it belongs to. */
        float[] whole = new float[0];
        long wholeOf = -1;

        Buffers(MicroKernel k, int mc) {
            a = new float[roundUp(mc, k.mr()) * KC];
            b = new float[roundUp(NC, k.nr()) * KC];
            edge = new float[Math.max(Math.max(k.mr() * k.nr(), k.shortRows() * k.shortWidth()),
                    k.dotSize() * k.dotSize() * 16)];
            aRowOffsets = new int[k.mr()];
            bRowOffsets = new int[k.nr()];
        }
    }

    /**
     * {@code c (+)= op(a)·op(b)} as chunks for the team: chunk i is a range of columns of C (or of rows), from
     * panels of the micro-kernel's tile (the short tile's, for a short C) dealt out evenly.
     */
    private final class TeamProduct implements WorkerTeam.Task {
        FMatrixRMaj a;
        FMatrixRMaj b;
        FMatrixRMaj c;
        boolean ta;
        boolean tb;
        boolean accumulate;
        boolean byColumns;
        /** Whether each member packs the operand every chunk needs whole (op(A) for column chunks, op(B) for rows). */
        boolean whole;
        /** op(B) packed whole by the caller ({@link #pack}), read by every chunk; null for a plain product. */
        float[] packedB;
        /** For the dot path ({@link #multiplyDots}): the rows of B along the depth, from {@code dotAt}, dotLdb apart. */
        float[] dotB;
        int dotAt;
        int dotLdb;
        /** Columns (or rows) of a panel, and how many panels C has. */
        int panel;
        int panels;
        int chunks;
        long number;

        @Override
        public void run(int chunk, int member) {
            Buffers own = teamBuffers[member];
            if (whole && own.wholeOf != number) {
                packWhole(a, ta, b, tb, c, byColumns, own);
                own.wholeOf = number;
            }
            int m = c.numRows;
            int n = c.numCols;
            if (dotB != null) {
                multiplyDots(a, dotB, dotAt, dotLdb, c, accumulate, own, 0, m,
                        share(panels, chunk, chunks, panel, n), share(panels, chunk + 1, chunks, panel, n));
                return;
            }
            if (packedB != null) {
                multiply(a, ta, null, false, c, accumulate, share(panels, chunk, chunks, panel, m),
                        share(panels, chunk + 1, chunks, panel, m), 0, n, own, packedB, false, true);
                return;
            }
            if (byColumns) {
                multiply(a, ta, b, tb, c, accumulate, 0, m, share(panels, chunk, chunks, panel, n),
                        share(panels, chunk + 1, chunks, panel, n), own, own.whole, whole, false);
            } else {
                multiply(a, ta, b, tb, c, accumulate, share(panels, chunk, chunks, panel, m),
                        share(panels, chunk + 1, chunks, panel, m), 0, n, own, own.whole, false, whole);
            }
        }
    }

    /** Where chunk {@code i} of {@code chunks} starts when {@code panels} panels of {@code width} are dealt out. */
    private static int share(int panels, int i, int chunks, int width, int size) {
        return Math.min(size, panels * i / chunks * width);
    }

    /** The fastest kernel this JVM can run: the Vector API micro-kernel when the incubator module is present. */
    public static BlockedMatmul create(int threads) {
        if (!vectorApiAvailable()) {
            Matmul.noticeSlowKernel();
        }
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
            return (MicroKernel) Class.forName("org.tapegrad.core.gemm.VectorMicroKernel").getDeclaredConstructor()
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
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(kernel, mc));
        this.team = threads == 1 ? null : new WorkerTeam(threads, "tapegrad-gemm");
        this.teamBuffers = new Buffers[threads];
        if (team != null) {
            for (int i = 0; i < threads; i++) {
                teamBuffers[i] = new Buffers(kernel, mc);
            }
        }
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
        if (team != null && (long) m * n * k >= PARALLEL_THRESHOLD && runOnTeam(a, ta, b, tb, c, accumulate)) {
            return;
        }
        multiply(a, ta, b, tb, c, accumulate, 0, m, 0, n, buffers.get(), null, false, false);
    }

    /** Products handed to this kernel's team so far (for tests: one small enough to run on its caller is not). */
    long teamProducts() {
        return teamProductCount.get();
    }

    /**
     * op(B) packed whole, all depths, as a product with {@code wholeB} reads it; and when a product with it could take
     * the dot path (see {@link #mayDot}), a plain copy of op(B)ᵀ from {@code plainAt} ({@code cols} rows of
     * {@code rows}), which that path reads as it reads a B of the plain product, so that both give the same bits.
     */
    private record PackedB(BlockedMatmul owner, float[] data, int rows, int cols, int plainAt) implements Packed {
    }

    /** Packs {@code op(b)} whole, as a team member packs it for row chunks; products with it large enough for the
     *  team run there in chunks of rows. */
    @Override
    public Packed pack(FMatrixRMaj b, boolean tb) {
        return pack(b, tb, new float[packedLength(tb ? b.numCols : b.numRows, tb ? b.numRows : b.numCols)]);
    }

    @Override
    public int packedLength(int rows, int cols) {
        return wholeWidthB(cols) * rows + (mayDot(rows, cols) ? rows * cols : 0);
    }

    /** Whether some product with an op(B) of {@code k x n} would take the dot path: one with a single row of A. */
    private boolean mayDot(int k, int n) {
        return isDots(1, n, k, false, true);
    }

    @Override
    public Packed pack(FMatrixRMaj b, boolean tb, float[] into) {
        int k = tb ? b.numCols : b.numRows;
        int n = tb ? b.numRows : b.numCols;
        if (into.length < packedLength(k, n)) {
            throw new IllegalArgumentException("pack: a " + k + "x" + n + " operand needs " + packedLength(k, n)
                    + " floats, the storage given has " + into.length);
        }
        packWholeB(b, tb, k, n, buffers.get(), into);
        int plainAt = wholeWidthB(n) * k;
        if (mayDot(k, n)) {
            if (tb) {
                System.arraycopy(b.data, 0, into, plainAt, k * n);
            } else {
                for (int p = 0; p < k; p++) {
                    for (int j = 0; j < n; j++) {
                        into[plainAt + j * k + p] = b.data[p * n + j];
                    }
                }
            }
        }
        return new PackedB(this, into, k, n, plainAt);
    }

    @Override
    public void gemm(FMatrixRMaj a, boolean ta, Packed b, FMatrixRMaj c, boolean accumulate) {
        if (!(b instanceof PackedB p) || p.owner != this) {
            throw new IllegalArgumentException("gemm: the operand was packed by another kernel; pack it with this one");
        }
        int m = c.numRows;
        int k = ta ? a.numRows : a.numCols;
        if (k != p.rows || c.numCols != p.cols || (ta ? a.numCols : a.numRows) != m) {
            throw new IllegalArgumentException("gemm: op(a) is " + (ta ? a.numCols : a.numRows) + "x" + k
                    + ", the packed operand " + p.rows + "x" + p.cols + " and c " + m + "x" + c.numCols);
        }
        if (m == 0 || p.cols == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                java.util.Arrays.fill(c.data, 0, m * p.cols, 0f);
            }
            return;
        }
        if (isDots(m, p.cols, k, ta, true)) { // as the plain product does, on the plain copy
            if (team == null || (long) m * p.cols * k < PARALLEL_THRESHOLD
                    || !runDotsOnTeam(a, p.data, p.plainAt, k, c, accumulate)) {
                multiplyDots(a, p.data, p.plainAt, k, c, accumulate, buffers.get(), 0, m, 0, p.cols);
            }
            return;
        }
        if (team != null && (long) m * p.cols * k >= PARALLEL_THRESHOLD && runOnTeam(a, ta, p, c, accumulate)) {
            return;
        }
        multiply(a, ta, null, false, c, accumulate, 0, m, 0, p.cols, buffers.get(), p.data, false, true);
    }

    /** A product with a packed op(B) on the team, in chunks of rows that all read the one packed B. */
    private boolean runOnTeam(FMatrixRMaj a, boolean ta, PackedB b, FMatrixRMaj c, boolean accumulate) {
        int panels = (c.numRows + kernel.mr() - 1) / kernel.mr();
        if (panels < threads) {
            return false;
        }
        TeamProduct p = teamProducts.get();
        p.a = a;
        p.ta = ta;
        p.b = null;
        p.packedB = b.data;
        p.c = c;
        p.accumulate = accumulate;
        p.byColumns = false;
        p.whole = false;
        p.panel = kernel.mr();
        p.panels = panels;
        p.chunks = Math.min(panels, threads * CHUNKS_PER_THREAD);
        p.number = teamProductCount.incrementAndGet();
        boolean done = team.tryRun(p, p.chunks);
        p.a = p.c = null; // keep no matrix alive
        p.packedB = null;
        return done;
    }

    /** A product on the dot path on the team, in chunks of columns of C; see {@link #multiplyDots}. */
    private boolean runDotsOnTeam(FMatrixRMaj a, float[] b, int bAt, int ldb, FMatrixRMaj c, boolean accumulate) {
        int panels = (c.numCols + kernel.dotSize() - 1) / kernel.dotSize();
        if (panels < threads) {
            return false;
        }
        TeamProduct p = teamProducts.get();
        p.a = a;
        p.ta = false;
        p.b = null;
        p.dotB = b;
        p.dotAt = bAt;
        p.dotLdb = ldb;
        p.c = c;
        p.accumulate = accumulate;
        p.byColumns = true;
        p.whole = false;
        p.panel = kernel.dotSize();
        p.panels = panels;
        p.chunks = Math.min(panels, threads * CHUNKS_PER_THREAD);
        p.number = teamProductCount.incrementAndGet();
        boolean done = team.tryRun(p, p.chunks);
        p.a = p.c = null; // keep no matrix alive
        p.dotB = null;
        return done;
    }

    /**
     * Computes the product on the team, unless another thread is using it or C is too small to deal out; returns
     * whether it did. Column chunks (each member packs op(A) whole, which costs nothing when A is transposed) unless
     * C is taller than wide, or too narrow to give every thread a panel of columns. A short C (see {@link #isShort})
     * is dealt out in panels of its own tile, so that no chunk ends inside one and has to pack B's edge.
     */
    private boolean runOnTeam(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c,
            boolean accumulate) {
        int m = c.numRows;
        int n = c.numCols;
        int k = ta ? a.numRows : a.numCols;
        if (isDots(m, n, k, ta, tb)) {
            return runDotsOnTeam(a, b.data, 0, b.numCols, c, accumulate);
        }
        boolean shortC = isShort(m, n, tb);
        int rowPanel = shortC ? kernel.shortRows() : kernel.mr();
        int colPanel = shortC ? kernel.shortWidth() : kernel.nr();
        int rowPanels = (m + rowPanel - 1) / rowPanel;
        int colPanels = (n + colPanel - 1) / colPanel;
        boolean byColumns = colPanels >= threads && (ta || n >= m || rowPanels < threads);
        if (!byColumns && rowPanels < threads) {
            return false;
        }
        long wholeSize = (long) k * (byColumns ? rowPanels * kernel.mr() : colPanels * kernel.nr());
        boolean whole = wholeSize <= WHOLE_LIMIT && !shortC; // the short path packs nothing
        TeamProduct p = teamProducts.get();
        p.a = a;
        p.ta = ta;
        p.b = b;
        p.tb = tb;
        p.c = c;
        p.accumulate = accumulate;
        p.byColumns = byColumns;
        p.whole = whole;
        p.panel = byColumns ? colPanel : rowPanel;
        p.panels = byColumns ? colPanels : rowPanels;
        // Small chunks cost nothing more where nothing is packed per chunk: with op(A) packed whole, or a short C.
        p.chunks = Math.min(p.panels, whole || shortC ? threads * CHUNKS_PER_THREAD : threads);
        p.number = teamProductCount.incrementAndGet();
        boolean done = team.tryRun(p, p.chunks);
        p.a = p.b = p.c = null; // keep no matrix alive
        return done;
    }

    /** Packs the operand every chunk needs, all depths: op(A) for column chunks, op(B) for row chunks. */
    private void packWhole(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c, boolean ofA,
            Buffers own) {
        int m = c.numRows;
        int n = c.numCols;
        int k = ta ? a.numRows : a.numCols;
        int rows = ofA ? roundUp(m, kernel.mr()) : wholeWidthB(n);
        if (own.whole.length < rows * k) {
            own.whole = new float[rows * k];
        }
        if (!ofA) {
            packWholeB(b, tb, k, n, own, own.whole);
            return;
        }
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            packA(a.data, ta, a.numCols, 0, m, pc, kc, own, own.whole, rows * pc);
        }
    }

    /** The width op(B) packed whole takes: one zero-padded panel for a narrow C, whole panels otherwise. */
    private int wholeWidthB(int n) {
        return n <= kernel.narrowWidth() ? kernel.narrowWidth() : roundUp(n, kernel.nr());
    }

    /** op(B) ({@code k x n}) packed whole, all depths, into {@code into}, as a product with {@code wholeB} reads it. */
    private void packWholeB(FMatrixRMaj b, boolean tb, int k, int n, Buffers own, float[] into) {
        int width = wholeWidthB(n);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            if (n <= kernel.narrowWidth()) {
                packNarrowB(b, tb, pc, kc, n, into, width * pc);
            } else {
                packB(b.data, tb, b.numCols, pc, kc, 0, n, own, into, width * pc);
            }
        }
    }

    /**
     * The block {@code C[i0..i1, j0..j1]} of the product on one thread: the whole product, or a chunk of it. With
     * {@code wholeA} (or {@code wholeB}) that operand is already packed, all depths, in {@code whole}.
     */
    private void multiply(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c, boolean accumulate,
            int i0, int i1, int j0, int j1, Buffers own, float[] whole, boolean wholeA, boolean wholeB) {
        if (c.numCols <= kernel.narrowWidth()) {
            multiplyNarrow(a, ta, b, tb, c, accumulate, i0, i1, own, whole, wholeB);
            return;
        }
        if (!wholeB && isDots(c.numRows, c.numCols, ta ? a.numRows : a.numCols, ta, tb)) {
            multiplyDots(a, b.data, 0, b.numCols, c, accumulate, own, i0, i1, j0, j1);
            return;
        }
        if (!wholeB && isShort(c.numRows, c.numCols, tb)) { // a packed B goes through the tiles
            multiplyShort(a, ta, b, c, accumulate, i0, i1, j0, j1, own);
            return;
        }
        int mr = kernel.mr();
        int nr = kernel.nr();
        int m = c.numRows;
        int n = c.numCols;
        int k = ta ? a.numRows : a.numCols;
        int lda = a.numCols;
        float[] cd = c.data;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean add = accumulate || pc > 0;
            for (int jc = j0; jc < j1; jc += NC) {
                int nc = Math.min(NC, j1 - jc);
                float[] pb = wholeB ? whole : own.b;
                int bAt = wholeB ? roundUp(n, nr) * pc + jc * kc : 0;
                if (!wholeB) {
                    packB(b.data, tb, b.numCols, pc, kc, jc, nc, own, pb, 0);
                }
                for (int ic = i0; ic < i1; ic += mc) {
                    int mcb = Math.min(mc, i1 - ic);
                    float[] pa = wholeA ? whole : own.a;
                    int aAt = wholeA ? roundUp(m, mr) * pc + ic * kc : 0;
                    if (!wholeA) {
                        packA(a.data, ta, lda, ic, mcb, pc, kc, own, pa, 0);
                    }
                    for (int jr = 0; jr < nc; jr += nr) {
                        int nrb = Math.min(nr, nc - jr);
                        for (int ir = 0; ir < mcb; ir += mr) {
                            int mrb = Math.min(mr, mcb - ir);
                            int at = (ic + ir) * n + jc + jr;
                            boolean inPlace = ta && mrb == mr; // see packA
                            float[] ad = inPlace ? a.data : pa;
                            int ao = inPlace ? pc * lda + ic + ir : aAt + ir * kc;
                            int stride = inPlace ? lda : mr;
                            int bo = bAt + jr * kc;
                            if (mrb == mr && nrb == nr) {
                                kernel.tile(ad, ao, stride, pb, bo, kc, cd, at, n, add);
                            } else {
                                kernel.tile(ad, ao, stride, pb, bo, kc, own.edge, 0, nr, false);
                                for (int r = 0; r < mrb; r++) {
                                    for (int j = 0; j < nrb; j++) {
                                        float v = own.edge[r * nr + j];
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

    /**
     * Rows i0..i1 of a product whose C is at most {@link MicroKernel#narrowWidth()} wide: op(B) packed as one
     * zero-padded panel per depth block, op(A) read where it lies (see {@link MicroKernel#narrowTile}), except a last
     * group of fewer than MR rows, which is packed. With {@code wholeB} op(B) is already packed in {@code whole}.
     */
    private void multiplyNarrow(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c,
            boolean accumulate, int i0, int i1, Buffers own, float[] whole, boolean wholeB) {
        int mr = kernel.mr();
        int w = kernel.narrowWidth();
        int n = c.numCols;
        int k = ta ? a.numRows : a.numCols;
        int lda = a.numCols;
        int rowStride = ta ? 1 : lda;
        int depthStride = ta ? lda : 1;
        float[] cd = c.data;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean add = accumulate || pc > 0;
            float[] pb = wholeB ? whole : own.b;
            int bAt = wholeB ? w * pc : 0;
            if (!wholeB) {
                packNarrowB(b, tb, pc, kc, n, pb, 0);
            }
            for (int i = i0; i < i1; i += mr) {
                int rows = Math.min(mr, i1 - i);
                int ao = ta ? pc * lda + i : i * lda + pc;
                if (rows == mr && n == w) {
                    kernel.narrowTile(a.data, ao, rowStride, depthStride, pb, bAt, kc, cd, i * n, n, add);
                    continue;
                }
                if (rows == mr) {
                    kernel.narrowTile(a.data, ao, rowStride, depthStride, pb, bAt, kc, own.edge, 0, w, false);
                } else { // the last rows: packed and zero-padded to a full tile
                    packEdge(a.data, ao, rowStride, depthStride, rows, mr, kc, own.a, 0);
                    kernel.narrowTile(own.a, 0, 1, mr, pb, bAt, kc, own.edge, 0, w, false);
                }
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < n; j++) {
                        float v = own.edge[r * w + j];
                        cd[(i + r) * n + j] = add ? cd[(i + r) * n + j] + v : v;
                    }
                }
            }
        }
    }

    /**
     * Whether C is short enough for {@link #multiplyShort}: fewer rows than two tiles, which the tiles would pad, and
     * wider than the narrow path. Only for op(B) = B, whose rows can be read where they lie; a transposed B needs
     * packing anyway, and the tiles do that.
     */
    private boolean isShort(int m, int n, boolean tb) {
        return m < 2 * kernel.mr() && n > kernel.narrowWidth() && !tb;
    }

    /**
     * The block {@code C[i0..i1, j0..j1]} of a short C (see {@link #isShort}) from A and B where they lie, in tiles of
     * {@link MicroKernel#shortTile}, all rows of a strip of columns one after the other so that the strip of B is
     * read from cache after the first. Only a last strip narrower than a tile is packed (zero-padded); it and a last
     * group of fewer rows than a tile are computed into the edge buffer and copied out.
     */
    private void multiplyShort(FMatrixRMaj a, boolean ta, FMatrixRMaj b, FMatrixRMaj c, boolean accumulate, int i0,
            int i1, int j0, int j1, Buffers own) {
        int rs = kernel.shortRows();
        int w = kernel.shortWidth();
        int n = c.numCols;
        int k = ta ? a.numRows : a.numCols;
        int lda = a.numCols;
        int ldb = b.numCols;
        int rowStride = ta ? 1 : lda;
        int depthStride = ta ? lda : 1;
        float[] cd = c.data;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean add = accumulate || pc > 0;
            for (int j = j0; j < j1; j += w) {
                int cols = Math.min(w, j1 - j);
                boolean wholeStrip = cols == w;
                float[] bd = wholeStrip ? b.data : own.b;
                int bo = wholeStrip ? pc * ldb + j : 0;
                if (!wholeStrip) {
                    packEdge(b.data, pc * ldb + j, 1, ldb, cols, w, kc, own.b, 0);
                }
                for (int i = i0; i < i1; i += rs) {
                    int rows = Math.min(rs, i1 - i);
                    int ao = ta ? pc * lda + i : i * lda + pc;
                    if (rows == rs && wholeStrip) {
                        kernel.shortTile(a.data, ao, rowStride, depthStride, rows, bd, bo, ldb, kc, cd, i * n + j, n,
                                add);
                        continue;
                    }
                    kernel.shortTile(a.data, ao, rowStride, depthStride, rows, bd, bo, wholeStrip ? ldb : w, kc,
                            own.edge, 0, w, false);
                    for (int r = 0; r < rows; r++) {
                        for (int jj = 0; jj < cols; jj++) {
                            float v = own.edge[r * w + jj];
                            int at = (i + r) * n + j + jj;
                            cd[at] = add ? cd[at] + v : v;
                        }
                    }
                }
            }
        }
    }

    /**
     * Whether {@code C = A·Bᵀ} is small against its depth, as a convolution's weight gradient is (16 × 25 or 32 × 400
     * over the 73,728 or 8,192 pixels of a batch), so that {@link #multiplyDots} computes it best: packing would cost
     * about as much as the product, since each packed element is used for only a few multiply-adds, and the tiles
     * would pad C's rows. Both operands must run along the depth (op(A) = A, op(B) = Bᵀ); C must be wider than the
     * narrow path.
     */
    private boolean isDots(int m, int n, int k, boolean ta, boolean tb) {
        return !ta && tb && m <= 64 && n > kernel.narrowWidth() && k >= 8L * Math.max(m, n);
    }

    /**
     * The block {@code C[i0..i1, j0..j1]} of {@code A·Bᵀ} (B's rows from {@code bAt} in {@code b}, {@code ldb}
     * apart) as dot products of A's and B's rows (see {@link #isDots}),
     * in tiles of {@link MicroKernel#dotTile} over blocks of {@link #DOT_DEPTH}: for each block, a strip of columns
     * at a time, all rows of C one tile after the other, so that the strip's rows of B are read from L1 after the
     * first tile. Each element is summed block after block in the same order whatever the chunk it falls in.
     */
    private void multiplyDots(FMatrixRMaj a, float[] b, int bAt, int ldb, FMatrixRMaj c, boolean accumulate,
            Buffers own, int i0, int i1, int j0, int j1) {
        int d = kernel.dotSize();
        int n = c.numCols;
        int k = a.numCols;
        int lda = a.numCols;
        for (int pd = 0; pd < k; pd += DOT_DEPTH) {
            int kd = Math.min(DOT_DEPTH, k - pd);
            boolean add = accumulate || pd > 0;
            for (int j = j0; j < j1; j += d) {
                int cols = Math.min(d, j1 - j);
                for (int i = i0; i < i1; i += d) {
                    kernel.dotTile(a.data, i * lda + pd, lda, Math.min(d, i1 - i), b, bAt + j * ldb + pd, ldb, cols,
                            kd, c.data, i * n + j, n, add, own.edge);
                }
            }
        }
    }

    /** op(B)'s columns (at most the narrow width), depths pc..pc+kc, as one panel: pb[at + p·W + j]; zero-padded. */
    private void packNarrowB(FMatrixRMaj b, boolean tb, int pc, int kc, int n, float[] pb, int at) {
        int ldb = b.numCols;
        if (tb) { // op(B)[p][j] = B[j][p]
            packEdge(b.data, pc, ldb, 1, n, kernel.narrowWidth(), kc, pb, at);
        } else {
            packEdge(b.data, pc * ldb, 1, ldb, n, kernel.narrowWidth(), kc, pb, at);
        }
    }

    /**
     * Rows ic..ic+mcb of op(A), depths pc..pc+kc, as panels of MR rows: pa[at + ir·kc + p·MR + r]; zero-padded. A
     * transposed A needs no copy (each depth of a panel is already a contiguous strip of MR), so there only a last,
     * narrower panel is packed and the micro-kernel reads the others where they are.
     */
    private void packA(float[] a, boolean ta, int lda, int ic, int mcb, int pc, int kc, Buffers buf, float[] pa,
            int at) {
        int mr = kernel.mr();
        if (!ta) {
            offsets(buf.aRowOffsets, lda);
        }
        for (int ir = 0; ir < mcb; ir += mr) {
            int rows = Math.min(mr, mcb - ir);
            int dst = at + ir * kc;
            if (ta) { // op(A)[i][p] = A[p][i]
                if (rows < mr) {
                    packEdge(a, pc * lda + ic + ir, 1, lda, rows, mr, kc, pa, dst);
                }
            } else { // op(A)[i][p] = A[i][p]: read each row along the depth
                int src = (ic + ir) * lda + pc;
                if (rows == mr) {
                    kernel.packA(a, src, buf.aRowOffsets, kc, pa, dst);
                } else {
                    packEdge(a, src, lda, 1, rows, mr, kc, pa, dst);
                }
            }
        }
    }

    /**
     * Columns jc..jc+nc of op(B), depths pc..pc+kc, as panels of NR columns: pb[at + jr·kc + p·NR + j];
     * zero-padded.
     */
    private void packB(float[] b, boolean tb, int ldb, int pc, int kc, int jc, int nc, Buffers buf, float[] pb,
            int at) {
        int nr = kernel.nr();
        if (tb) {
            offsets(buf.bRowOffsets, ldb);
        } else { // op(B)[p][j] = B[p][j]: a contiguous strip per depth of every whole panel, then the edge
            int whole = nc / nr;
            kernel.packB(b, pc * ldb + jc, ldb, kc, whole, pb, at);
            if (whole * nr < nc) {
                int jr = whole * nr;
                packEdge(b, pc * ldb + jc + jr, 1, ldb, nc - jr, nr, kc, pb, at + jr * kc);
            }
            return;
        }
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            int dst = at + jr * kc;
            // op(B)[p][j] = B[j][p]: a transpose
            int src = (jc + jr) * ldb + pc;
            if (cols == nr) {
                kernel.packBTransposed(b, src, buf.bRowOffsets, kc, pb, dst);
            } else {
                packEdge(b, src, ldb, 1, cols, nr, kc, pb, dst);
            }
        }
    }

    /** {@code offsets[j] = j·ld}: where consecutive rows of a matrix with ld columns start. */
    private static void offsets(int[] offsets, int ld) {
        if (offsets[offsets.length - 1] != (offsets.length - 1) * ld) {
            for (int j = 0; j < offsets.length; j++) {
                offsets[j] = j * ld;
            }
        }
    }

    /**
     * An edge panel narrower than the tile: {@code out[dst + p·width + j] = x[src + j·across + p·along]} for j below
     * {@code count}, zero for the rest of the width.
     */
    private static void packEdge(float[] x, int src, int across, int along, int count, int width, int kc,
            float[] out, int dst) {
        for (int j = 0; j < width; j++) {
            for (int p = 0; p < kc; p++) {
                out[dst + p * width + j] = j < count ? x[src + j * across + p * along] : 0;
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
