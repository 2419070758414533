package org.tapegrad.core.gemm;

import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_MT_DDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;

/**
 * {@link MatmulKernel} on EJML's multi-threaded {@code CommonOps_MT}, which splits the rows of the product over
 * EJML's one shared fork-join pool. Each output element is still summed in the same order by one thread, so
 * results do not depend on scheduling: the same inputs give the same bits on every run.
 */
public final class EjmlConcurrentMatmul implements MatmulKernel {
    private final int threads;

    /** Uses up to {@code threads} threads (sets EJML's process-wide maximum). */
    public EjmlConcurrentMatmul(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("EjmlConcurrentMatmul: threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        EjmlConcurrency.setMaxThreads(threads);
    }

    @Override
    public void gemm(DMatrixRMaj a, boolean ta, DMatrixRMaj b, boolean tb, DMatrixRMaj c, boolean accumulate) {
        if (!ta && !tb) {
            if (accumulate) CommonOps_MT_DDRM.multAdd(a, b, c); else CommonOps_MT_DDRM.mult(a, b, c);
        } else if (ta && !tb) {
            if (accumulate) CommonOps_MT_DDRM.multAddTransA(a, b, c); else CommonOps_MT_DDRM.multTransA(a, b, c);
        } else if (!ta) {
            if (accumulate) CommonOps_MT_DDRM.multAddTransB(a, b, c); else CommonOps_MT_DDRM.multTransB(a, b, c);
        } else {
            if (accumulate) CommonOps_MT_DDRM.multAddTransAB(a, b, c); else CommonOps_MT_DDRM.multTransAB(a, b, c);
        }
    }

    @Override
    public void gemm(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c, boolean accumulate) {
        if (!ta && !tb) {
            if (accumulate) CommonOps_MT_FDRM.multAdd(a, b, c); else CommonOps_MT_FDRM.mult(a, b, c);
        } else if (ta && !tb) {
            if (accumulate) CommonOps_MT_FDRM.multAddTransA(a, b, c); else CommonOps_MT_FDRM.multTransA(a, b, c);
        } else if (!ta) {
            if (accumulate) CommonOps_MT_FDRM.multAddTransB(a, b, c); else CommonOps_MT_FDRM.multTransB(a, b, c);
        } else {
            if (accumulate) CommonOps_MT_FDRM.multAddTransAB(a, b, c); else CommonOps_MT_FDRM.multTransAB(a, b, c);
        }
    }

    @Override
    public String name() {
        return "EJML CommonOps_MT (" + threads + " threads)";
    }
}
