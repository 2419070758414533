package org.tapegrad.core.gemm;

import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.CommonOps_FDRM;

/** {@link MatmulKernel} on EJML's {@code CommonOps} (single-threaded): the reference every other kernel is tested against. */
public final class EjmlMatmul implements MatmulKernel {

    @Override
    public void gemm(DMatrixRMaj a, boolean ta, DMatrixRMaj b, boolean tb, DMatrixRMaj c, boolean accumulate) {
        if (!ta && !tb) {
            if (accumulate) CommonOps_DDRM.multAdd(a, b, c); else CommonOps_DDRM.mult(a, b, c);
        } else if (ta && !tb) {
            if (accumulate) CommonOps_DDRM.multAddTransA(a, b, c); else CommonOps_DDRM.multTransA(a, b, c);
        } else if (!ta) {
            if (accumulate) CommonOps_DDRM.multAddTransB(a, b, c); else CommonOps_DDRM.multTransB(a, b, c);
        } else {
            if (accumulate) CommonOps_DDRM.multAddTransAB(a, b, c); else CommonOps_DDRM.multTransAB(a, b, c);
        }
    }

    @Override
    public void gemm(FMatrixRMaj a, boolean ta, FMatrixRMaj b, boolean tb, FMatrixRMaj c, boolean accumulate) {
        if (!ta && !tb) {
            if (accumulate) CommonOps_FDRM.multAdd(a, b, c); else CommonOps_FDRM.mult(a, b, c);
        } else if (ta && !tb) {
            if (accumulate) CommonOps_FDRM.multAddTransA(a, b, c); else CommonOps_FDRM.multTransA(a, b, c);
        } else if (!ta) {
            if (accumulate) CommonOps_FDRM.multAddTransB(a, b, c); else CommonOps_FDRM.multTransB(a, b, c);
        } else {
            if (accumulate) CommonOps_FDRM.multAddTransAB(a, b, c); else CommonOps_FDRM.multTransAB(a, b, c);
        }
    }

    @Override
    public String name() {
        return "EJML CommonOps (single thread)";
    }
}
