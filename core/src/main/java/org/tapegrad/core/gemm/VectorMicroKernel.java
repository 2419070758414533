package org.tapegrad.core.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link MicroKernel} on the JDK's Vector API: tiles of {@link #MR} rows × 2 vectors (8 × 32 floats with
 * AVX-512, 6 × 16 with AVX2), the accumulators held in registers, one fused multiply-add per accumulator and
 * depth step. Loaded only when
 * the {@code jdk.incubator.vector} module is present (see {@link BlockedMatmul#create}).
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /**
     * Rows of a tile: 8 with 512-bit vectors, whose machines have 32 vector registers (16 accumulators, 2 loads of
     * B and a broadcast of A fit); 6 otherwise, as with AVX2's 16 registers an 8-row tile spills (the figures are
     * in docs/PERFORMANCE.md, "Matrix products"). Each element of C is summed in the same order either way, so both
     * give the same bits.
     */
    private static final int MR = VL >= 16 ? 8 : 6;
    private static final int NR = 2 * VL;
    private static final int SHORT_ROWS = 5;
    /** Four vectors with 32 registers (twenty accumulators); two with 16, where twenty would spill. */
    private static final int SHORT_WIDTH = (VL >= 16 ? 4 : 2) * VL;

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
        if (MR == 8) {
            tile8(a, ao, lda, b, bo, kc, c, co, ldc, add);
        } else {
            tile6(a, ao, lda, b, bo, kc, c, co, ldc, add);
        }
    }

    /** An 8-row tile: sixteen accumulators, for 32 vector registers (AVX-512). */
    private static void tile8(float[] a, int ao, int lda, float[] b, int bo, int kc, float[] c, int co, int ldc,
            boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int ap = ao;
        int bp = bo;
        for (int p = 0; p < kc; p++, ap += lda, bp += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ap + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ap + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Written out rather than through a helper: passing vectors to a method that is not inlined boxes them.
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, co));
            c01 = c01.add(FloatVector.fromArray(S, c, co + VL));
            c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + VL));
            c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + VL));
            c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + VL));
            c40 = c40.add(FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, co + 4 * ldc + VL));
            c50 = c50.add(FloatVector.fromArray(S, c, co + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, co + 5 * ldc + VL));
            c60 = c60.add(FloatVector.fromArray(S, c, co + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(S, c, co + 6 * ldc + VL));
            c70 = c70.add(FloatVector.fromArray(S, c, co + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(S, c, co + 7 * ldc + VL));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + VL);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + VL);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + VL);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + VL);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + VL);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + VL);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + VL);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + VL);
    }

    /** A 6-row tile: twelve accumulators, two loads of B and one broadcast in 16 vector registers (AVX2). */
    private static void tile6(float[] a, int ao, int lda, float[] b, int bo, int kc, float[] c, int co, int ldc,
            boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int ap = ao;
        int bp = bo;
        for (int p = 0; p < kc; p++, ap += lda, bp += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // Written out rather than through a helper: passing vectors to a method that is not inlined boxes them.
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, co));
            c01 = c01.add(FloatVector.fromArray(S, c, co + VL));
            c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + VL));
            c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + VL));
            c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + VL));
            c40 = c40.add(FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, co + 4 * ldc + VL));
            c50 = c50.add(FloatVector.fromArray(S, c, co + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, co + 5 * ldc + VL));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + VL);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + VL);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + VL);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + VL);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + VL);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + VL);
    }

    @Override
    public void packB(float[] b, int src, int ldb, int kc, int panels, float[] pb, int dst) {
        for (int p = 0; p < kc; p++) {
            int from = src + p * ldb;
            for (int q = 0; q < panels; q++) {
                int to = dst + q * NR * kc + p * NR;
                FloatVector.fromArray(S, b, from + q * NR).intoArray(pb, to);
                FloatVector.fromArray(S, b, from + q * NR + VL).intoArray(pb, to + VL);
            }
        }
    }

    @Override
    public int narrowWidth() {
        return VL;
    }

    @Override
    public void narrowTile(float[] a, int ao, int rowStride, int depthStride, float[] b, int bo, int kc, float[] c,
            int co, int ldc, boolean add) {
        if (MR == 8) {
            narrowTile8(a, ao, rowStride, depthStride, b, bo, kc, c, co, ldc, add);
        } else {
            narrowTile6(a, ao, rowStride, depthStride, b, bo, kc, c, co, ldc, add);
        }
    }

    private static void narrowTile8(float[] a, int ao, int rowStride, int depthStride, float[] b, int bo, int kc,
            float[] c, int co, int ldc, boolean add) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int a0 = ao, a1 = a0 + rowStride, a2 = a1 + rowStride, a3 = a2 + rowStride;
        int a4 = a3 + rowStride, a5 = a4 + rowStride, a6 = a5 + rowStride, a7 = a6 + rowStride;
        for (int p = 0, ap = 0, bp = bo; p < kc; p++, ap += depthStride, bp += VL) {
            FloatVector bv = FloatVector.fromArray(S, b, bp);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a[a4 + ap]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, a[a5 + ap]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, a[a6 + ap]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, a[a7 + ap]).fma(bv, c7);
        }
        if (add) {
            c0 = c0.add(FloatVector.fromArray(S, c, co));
            c1 = c1.add(FloatVector.fromArray(S, c, co + ldc));
            c2 = c2.add(FloatVector.fromArray(S, c, co + 2 * ldc));
            c3 = c3.add(FloatVector.fromArray(S, c, co + 3 * ldc));
            c4 = c4.add(FloatVector.fromArray(S, c, co + 4 * ldc));
            c5 = c5.add(FloatVector.fromArray(S, c, co + 5 * ldc));
            c6 = c6.add(FloatVector.fromArray(S, c, co + 6 * ldc));
            c7 = c7.add(FloatVector.fromArray(S, c, co + 7 * ldc));
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + ldc);
        c2.intoArray(c, co + 2 * ldc);
        c3.intoArray(c, co + 3 * ldc);
        c4.intoArray(c, co + 4 * ldc);
        c5.intoArray(c, co + 5 * ldc);
        c6.intoArray(c, co + 6 * ldc);
        c7.intoArray(c, co + 7 * ldc);
    }

    private static void narrowTile6(float[] a, int ao, int rowStride, int depthStride, float[] b, int bo, int kc,
            float[] c, int co, int ldc, boolean add) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        
        int a0 = ao, a1 = a0 + rowStride, a2 = a1 + rowStride, a3 = a2 + rowStride;
        int a4 = a3 + rowStride, a5 = a4 + rowStride;
        for (int p = 0, ap = 0, bp = bo; p < kc; p++, ap += depthStride, bp += VL) {
            FloatVector bv = FloatVector.fromArray(S, b, bp);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a[a4 + ap]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, a[a5 + ap]).fma(bv, c5);
        }
        if (add) {
            c0 = c0.add(FloatVector.fromArray(S, c, co));
            c1 = c1.add(FloatVector.fromArray(S, c, co + ldc));
            c2 = c2.add(FloatVector.fromArray(S, c, co + 2 * ldc));
            c3 = c3.add(FloatVector.fromArray(S, c, co + 3 * ldc));
            c4 = c4.add(FloatVector.fromArray(S, c, co + 4 * ldc));
            c5 = c5.add(FloatVector.fromArray(S, c, co + 5 * ldc));
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + ldc);
        c2.intoArray(c, co + 2 * ldc);
        c3.intoArray(c, co + 3 * ldc);
        c4.intoArray(c, co + 4 * ldc);
        c5.intoArray(c, co + 5 * ldc);
    }

    @Override
    public int shortRows() {
        return SHORT_ROWS;
    }

    @Override
    public int shortWidth() {
        return SHORT_WIDTH;
    }

    @Override
    public void shortTile(float[] a, int ao, int rowStride, int depthStride, int rows, float[] b, int bo, int ldb,
            int kc, float[] c, int co, int ldc, boolean add) {
        if (SHORT_WIDTH == 4 * VL) {
            shortTile4(a, ao, rowStride, depthStride, rows, b, bo, ldb, kc, c, co, ldc, add);
        } else {
            shortTile2(a, ao, rowStride, depthStride, rows, b, bo, ldb, kc, c, co, ldc, add);
        }
    }

    /**
     * Five rows by four vectors: twenty accumulators, and per depth four loads of B and five broadcasts of A for
     * twenty multiply-adds (the 8 × 2 tile needs ten loads for sixteen). Five rows divide a 10-class output layer.
     */
    private static void shortTile4(float[] a, int ao, int rowStride, int depthStride, int rows, float[] b, int bo,
            int ldb, int kc, float[] c, int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c42 = FloatVector.zero(S), c43 = FloatVector.zero(S);
        int a0 = ao;
        int a1 = ao + Math.min(1, rows - 1) * rowStride;
        int a2 = ao + Math.min(2, rows - 1) * rowStride;
        int a3 = ao + Math.min(3, rows - 1) * rowStride;
        int a4 = ao + Math.min(4, rows - 1) * rowStride;
        for (int p = 0, ap = 0, bp = bo; p < kc; p++, ap += depthStride, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, co));
            c01 = c01.add(FloatVector.fromArray(S, c, co + VL));
            c02 = c02.add(FloatVector.fromArray(S, c, co + 2 * VL));
            c03 = c03.add(FloatVector.fromArray(S, c, co + 3 * VL));
            c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + VL));
            c12 = c12.add(FloatVector.fromArray(S, c, co + ldc + 2 * VL));
            c13 = c13.add(FloatVector.fromArray(S, c, co + ldc + 3 * VL));
            c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + VL));
            c22 = c22.add(FloatVector.fromArray(S, c, co + 2 * ldc + 2 * VL));
            c23 = c23.add(FloatVector.fromArray(S, c, co + 2 * ldc + 3 * VL));
            c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + VL));
            c32 = c32.add(FloatVector.fromArray(S, c, co + 3 * ldc + 2 * VL));
            c33 = c33.add(FloatVector.fromArray(S, c, co + 3 * ldc + 3 * VL));
            c40 = c40.add(FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, co + 4 * ldc + VL));
            c42 = c42.add(FloatVector.fromArray(S, c, co + 4 * ldc + 2 * VL));
            c43 = c43.add(FloatVector.fromArray(S, c, co + 4 * ldc + 3 * VL));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + VL);
        c02.intoArray(c, co + 2 * VL);
        c03.intoArray(c, co + 3 * VL);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + VL);
        c12.intoArray(c, co + ldc + 2 * VL);
        c13.intoArray(c, co + ldc + 3 * VL);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + VL);
        c22.intoArray(c, co + 2 * ldc + 2 * VL);
        c23.intoArray(c, co + 2 * ldc + 3 * VL);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + VL);
        c32.intoArray(c, co + 3 * ldc + 2 * VL);
        c33.intoArray(c, co + 3 * ldc + 3 * VL);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + VL);
        c42.intoArray(c, co + 4 * ldc + 2 * VL);
        c43.intoArray(c, co + 4 * ldc + 3 * VL);
    }

    /**
     * Five rows by two vectors for 16 registers (AVX2): ten accumulators, two loads of B and a broadcast of A.
     */
    private static void shortTile2(float[] a, int ao, int rowStride, int depthStride, int rows, float[] b, int bo,
            int ldb, int kc, float[] c, int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        int a0 = ao;
        int a1 = ao + Math.min(1, rows - 1) * rowStride;
        int a2 = ao + Math.min(2, rows - 1) * rowStride;
        int a3 = ao + Math.min(3, rows - 1) * rowStride;
        int a4 = ao + Math.min(4, rows - 1) * rowStride;
        for (int p = 0, ap = 0, bp = bo; p < kc; p++, ap += depthStride, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, co));
            c01 = c01.add(FloatVector.fromArray(S, c, co + VL));
            c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + VL));
            c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + VL));
            c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + VL));
            c40 = c40.add(FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, co + 4 * ldc + VL));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + VL);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + VL);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + VL);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + VL);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + VL);
    }

    /**
     * Three rows by three columns: nine accumulators along the depth, and per vector of depth three loads of A and
     * three of B for nine multiply-adds; then each accumulator is summed across its lanes, and the depths past the
     * last whole vector are added one by one. The lanes are summed in order from {@code scratch}, not by
     * {@code reduceLanes}, whose order differs between the JIT's intrinsic and the Java fallback that runs before
     * it (on JDK 25): a product must give the same bits however warm the JVM is.
     */
    @Override
    public void dotTile(float[] a, int ao, int lda, int rows, float[] b, int bo, int ldb, int cols, int kc,
            float[] c, int co, int ldc, boolean add, float[] scratch) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        int a0 = ao;
        int a1 = ao + Math.min(1, rows - 1) * lda;
        int a2 = ao + Math.min(2, rows - 1) * lda;
        int b0 = bo;
        int b1 = bo + Math.min(1, cols - 1) * ldb;
        int b2 = bo + Math.min(2, cols - 1) * ldb;
        int whole = S.loopBound(kc);
        for (int p = 0; p < whole; p += VL) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            c00 = x0.fma(y, c00);
            c10 = x1.fma(y, c10);
            c20 = x2.fma(y, c20);
            y = FloatVector.fromArray(S, b, b1 + p);
            c01 = x0.fma(y, c01);
            c11 = x1.fma(y, c11);
            c21 = x2.fma(y, c21);
            y = FloatVector.fromArray(S, b, b2 + p);
            c02 = x0.fma(y, c02);
            c12 = x1.fma(y, c12);
            c22 = x2.fma(y, c22);
        }
        c00.intoArray(scratch, 0);
        c01.intoArray(scratch, VL);
        c02.intoArray(scratch, 2 * VL);
        c10.intoArray(scratch, 3 * VL);
        c11.intoArray(scratch, 4 * VL);
        c12.intoArray(scratch, 5 * VL);
        c20.intoArray(scratch, 6 * VL);
        c21.intoArray(scratch, 7 * VL);
        c22.intoArray(scratch, 8 * VL);
        float s00 = lanes(scratch, 0), s01 = lanes(scratch, VL), s02 = lanes(scratch, 2 * VL);
        float s10 = lanes(scratch, 3 * VL), s11 = lanes(scratch, 4 * VL), s12 = lanes(scratch, 5 * VL);
        float s20 = lanes(scratch, 6 * VL), s21 = lanes(scratch, 7 * VL), s22 = lanes(scratch, 8 * VL);
        for (int p = whole; p < kc; p++) {
            float x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p];
            float y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p];
            s00 += x0 * y0;
            s01 += x0 * y1;
            s02 += x0 * y2;
            s10 += x1 * y0;
            s11 += x1 * y1;
            s12 += x1 * y2;
            s20 += x2 * y0;
            s21 += x2 * y1;
            s22 += x2 * y2;
        }
        put(c, co, add, s00);
        if (cols > 1) {
            put(c, co + 1, add, s01);
        }
        if (cols > 2) {
            put(c, co + 2, add, s02);
        }
        if (rows > 1) {
            put(c, co + ldc, add, s10);
            if (cols > 1) {
                put(c, co + ldc + 1, add, s11);
            }
            if (cols > 2) {
                put(c, co + ldc + 2, add, s12);
            }
        }
        if (rows > 2) {
            put(c, co + 2 * ldc, add, s20);
            if (cols > 1) {
                put(c, co + 2 * ldc + 1, add, s21);
            }
            if (cols > 2) {
                put(c, co + 2 * ldc + 2, add, s22);
            }
        }
    }

    /** The VL lanes stored from {@code at}, summed first to last. */
    private static float lanes(float[] x, int at) {
        float s = 0;
        for (int l = 0; l < VL; l++) {
            s += x[at + l];
        }
        return s;
    }

    private static void put(float[] c, int at, boolean add, float v) {
        c[at] = add ? c[at] + v : v;
    }

    /** Two gathers per depth (one per vector of the panel's row), each one contiguous store. */
    @Override
    public void packBTransposed(float[] b, int src, int[] rowOffsets, int kc, float[] pb, int dst) {
        for (int p = 0; p < kc; p++, dst += NR) {
            FloatVector.fromArray(S, b, src + p, rowOffsets, 0).intoArray(pb, dst);
            FloatVector.fromArray(S, b, src + p, rowOffsets, VL).intoArray(pb, dst + VL);
        }
    }

    @Override
    public String name() {
        return "Vector API " + MR + "x" + NR + " (" + S + ")";
    }
}
