package org.tapegrad.core.gemm;

/**
 * The innermost loop of {@link BlockedMatmul}: one {@code MR × NR} tile of C from packed panels of A and B.
 * Two implementations: {@code VectorMicroKernel} (the JDK's Vector API, when {@code jdk.incubator.vector} is
 * present) and {@link JavaMicroKernel} (plain Java the JIT can vectorise).
 */
interface MicroKernel {
    /** Rows of a tile. */
    int mr();

    /** Columns of a tile. */
    int nr();

    /**
     * {@code C[0..MR, 0..NR] (+)= Apanel · Bpanel} where {@code a[ao + p·lda + r]} is row r of A at depth p and
     * {@code b[bo + p·NR + j]} is column j of B at depth p, for p in 0..kc: {@code lda} is MR for a packed panel of
     * A, or the row length of a transposed A read where it lies. C is row-major with leading dimension
     * {@code ldc}; with {@code add} the product is added to C, otherwise it replaces it.
     */
    void tile(float[] a, int ao, int lda, float[] b, int bo, int kc, float[] c, int co, int ldc, boolean add);

    /** Columns of a narrow tile (one vector, on the Vector API). A product whose C is no wider runs on narrowTile. */
    int narrowWidth();

    /**
     * The tile of a product with a narrow C (a linear layer with few outputs): MR rows by {@link #narrowWidth()}
     * columns, {@code C[r][j] (+)= Σ_p a[ao + r·rowStride + p·depthStride] · b[bo + p·W + j]} with W the narrow width,
     * for p in 0..kc. A is read where it lies, since each of its elements is used only for W products here and
     * packing it would cost as much as the multiply-adds; B is one packed, zero-padded panel. Each element is summed
     * in the same order as by {@link #tile}, so both give the same bits.
     */
    void narrowTile(float[] a, int ao, int rowStride, int depthStride, float[] b, int bo, int kc, float[] c, int co,
            int ldc, boolean add);

    /** Rows of a short tile; C with fewer than two tiles' worth of rows ({@code 2·MR}) runs on shortTile. */
    int shortRows();

    /** Columns of a short tile. */
    int shortWidth();

    /**
     * The tile of a product with a short, wide C (the weight gradient of a layer with few outputs): shortRows rows
     * by {@link #shortWidth()} columns, {@code C[r][j] (+)= Σ_p a[ao + r'·rowStride + p·depthStride] · b[bo + p·ldb
     * + j]} for p in 0..kc, where {@code r' = min(r, rows - 1)}: rows at and past {@code rows} repeat the last one,
     * so that A is read only within its rows, and the caller gives a scratch C for them. Both operands are read
     * where they lie: with so few rows, each element of B is used only shortRows times, and packing it would cost
     * about as much as those multiply-adds. Each element is summed in the same order as by {@link #tile}.
     */
    void shortTile(float[] a, int ao, int rowStride, int depthStride, int rows, float[] b, int bo, int ldb, int kc,
            float[] c, int co, int ldc, boolean add);

    /** Rows, and columns, of a dot tile. */
    default int dotSize() {
        return 3;
    }

    /**
     * The tile of a product {@code A·Bᵀ} with a small C and a long depth (a convolution's weight gradient):
     * {@code C[r][j] (+)= Σ_p a[ao + r'·lda + p] · b[bo + j'·ldb + p]} for p in 0..kc, r below {@code rows} and j
     * below {@code cols} (both at most {@link #dotSize()}), with {@code r' = min(r, rows - 1)} and likewise j', so
     * that A and B are read only within their rows; only the {@code rows × cols} elements are written. Both
     * operands are read where they lie, each row along the depth, and every element of C is a dot product: with so
     * few rows and columns, a tile along C would use each packed element only a few times. {@code scratch} holds at
     * least {@code dotSize()² · 16} floats for a kernel that sums vector lanes there. This default is a plain loop.
     */
    default void dotTile(float[] a, int ao, int lda, int rows, float[] b, int bo, int ldb, int cols, int kc,
            float[] c, int co, int ldc, boolean add, float[] scratch) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                float s = 0;
                for (int p = 0; p < kc; p++) {
                    s += a[ao + r * lda + p] * b[bo + j * ldb + p];
                }
                int at = co + r * ldc + j;
                c[at] = add ? c[at] + s : s;
            }
        }
    }

    /*
     * Packing one full panel of op(A) (MR rows) or op(B) (NR columns) for kc depths, in the three layouts that are
     * copied (a transposed A is read where it lies, see tile). A kernel may do them with vectors (copies for
     * contiguous strips, gathers where the panel runs across rows); these defaults are plain loops. Edge panels
     * narrower than MR or NR are packed by BlockedMatmul itself.
     */

    /** op(A) = A, rows read along the depth: {@code pa[dst + p·MR + r] = a[src + rowOffsets[r] + p]}. */
    default void packA(float[] a, int src, int[] rowOffsets, int kc, float[] pa, int dst) {
        gather(a, src, rowOffsets, mr(), kc, pa, dst);
    }

    /**
     * op(B) = B, {@code panels} whole panels side by side, one contiguous strip of each per depth:
     * {@code pb[dst + q·NR·kc + p·NR + j] = b[src + p·ldb + q·NR + j]}. Depth by depth, so that B is read along its
     * rows (a panel at a time would read kc rows far apart for every panel).
     */
    default void packB(float[] b, int src, int ldb, int kc, int panels, float[] pb, int dst) {
        int nr = nr();
        for (int p = 0; p < kc; p++) {
            for (int q = 0; q < panels; q++) {
                System.arraycopy(b, src + p * ldb + q * nr, pb, dst + q * nr * kc + p * nr, nr);
            }
        }
    }

    /**
     * op(B) = Bᵀ, rows of B read along the depth: {@code pb[dst + p·NR + j] = b[src + rowOffsets[j] + p]}. This
     * transpose is the packing cost of {@code A·Bᵀ}, a linear layer's forward pass.
     */
    default void packBTransposed(float[] b, int src, int[] rowOffsets, int kc, float[] pb, int dst) {
        gather(b, src, rowOffsets, nr(), kc, pb, dst);
    }

    private static void gather(float[] x, int src, int[] offsets, int width, int kc, float[] out, int dst) {
        for (int j = 0; j < width; j++) {
            int from = src + offsets[j];
            for (int p = 0; p < kc; p++) {
                out[dst + p * width + j] = x[from + p];
            }
        }
    }

    String name();
}
