package org.tapegrad.core;

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
     * {@code C[0..MR, 0..NR] (+)= Apanel · Bpanel} where {@code a[ao + p·MR + r]} is row r of A at depth p and
     * {@code b[bo + p·NR + j]} is column j of B at depth p, for p in 0..kc. C is row-major with leading dimension
     * {@code ldc}; with {@code add} the product is added to C, otherwise it replaces it.
     */
    void tile(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, boolean add);

    /**
     * Packs one full panel of a transposed B: {@code pb[dst + p·NR + j] = b[src + rowOffsets[j] + p]} for p in
     * 0..kc and j in 0..NR, where {@code rowOffsets[j]} is where row j of B starts relative to row 0. This transpose
     * is the packing cost of {@code A·Bᵀ} (a linear layer's forward pass); a kernel may do it with gathers.
     */
    default void packTransposed(float[] b, int src, int[] rowOffsets, int kc, float[] pb, int dst) {
        int nr = nr();
        for (int j = 0; j < nr; j++) {
            int from = src + rowOffsets[j];
            for (int p = 0; p < kc; p++) {
                pb[dst + p * nr + j] = b[from + p];
            }
        }
    }

    String name();
}
