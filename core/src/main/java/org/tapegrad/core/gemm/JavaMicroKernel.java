package org.tapegrad.core.gemm;

/**
 * The portable {@link MicroKernel}: 4 × 16 tiles in plain Java. The accumulators live in a small array that the JIT
 * keeps in vector registers where it can; slower than {@code VectorMicroKernel}, but it needs no incubator module.
 */
final class JavaMicroKernel implements MicroKernel {
    private static final int MR = 4;
    private static final int NR = 16;

    @Override
    public int mr() {
        return MR;
    }

    @Override
    public int nr() {
        return NR;
    }

    @Override
    public void tile(float[] a, int ao, int lda, float[] b, int bo, int kc, float[] c, int co, int ldc, boolean add) {
        float[] acc = new float[MR * NR]; // escape analysis keeps this off the heap
        for (int p = 0; p < kc; p++) {
            int bp = bo + p * NR;
            int ap = ao + p * lda;
            for (int r = 0; r < MR; r++) {
                float ar = a[ap + r];
                int base = r * NR;
                for (int j = 0; j < NR; j++) {
                    acc[base + j] += ar * b[bp + j];
                }
            }
        }
        store(acc, c, co, ldc, add);
    }

    @Override
    public int narrowWidth() {
        return NR;
    }

    @Override
    public void narrowTile(float[] a, int ao, int rowStride, int depthStride, float[] b, int bo, int kc, float[] c,
            int co, int ldc, boolean add) {
        float[] acc = new float[MR * NR];
        for (int p = 0; p < kc; p++) {
            int bp = bo + p * NR;
            for (int r = 0; r < MR; r++) {
                float ar = a[ao + r * rowStride + p * depthStride];
                for (int j = 0; j < NR; j++) {
                    acc[r * NR + j] += ar * b[bp + j];
                }
            }
        }
        store(acc, c, co, ldc, add);
    }

    @Override
    public int shortRows() {
        return MR;
    }

    @Override
    public int shortWidth() {
        return NR;
    }

    @Override
    public void shortTile(float[] a, int ao, int rowStride, int depthStride, int rows, float[] b, int bo, int ldb,
            int kc, float[] c, int co, int ldc, boolean add) {
        float[] acc = new float[MR * NR];
        for (int p = 0; p < kc; p++) {
            int bp = bo + p * ldb;
            for (int r = 0; r < MR; r++) {
                float ar = a[ao + Math.min(r, rows - 1) * rowStride + p * depthStride];
                for (int j = 0; j < NR; j++) {
                    acc[r * NR + j] += ar * b[bp + j];
                }
            }
        }
        store(acc, c, co, ldc, add);
    }

    private static void store(float[] acc, float[] c, int co, int ldc, boolean add) {
        for (int r = 0; r < MR; r++) {
            int row = co + r * ldc;
            for (int j = 0; j < NR; j++) {
                c[row + j] = add ? c[row + j] + acc[r * NR + j] : acc[r * NR + j];
            }
        }
    }

    @Override
    public String name() {
        return "portable Java 4x16";
    }
}
