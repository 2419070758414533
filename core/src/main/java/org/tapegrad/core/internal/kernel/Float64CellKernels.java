// Hand-written. The float32 twin, Float32CellKernels, is generated from this file at build time (with --scalars).
package org.tapegrad.core.internal.kernel;

import org.ejml.data.DMatrixRMaj; // both dtypes
import org.ejml.data.Matrix;

/** The fused recurrent cells' element-wise passes in float64: see {@link CellKernels}. */
public final class Float64CellKernels implements CellKernels {
    public static final Float64CellKernels INSTANCE = new Float64CellKernels();

    private Float64CellKernels() {
    }

    private static double[] data(Matrix m) {
        return ((DMatrixRMaj) m).data; // both dtypes
    }

    @Override
    public void lstm(Matrix gates, Matrix cPrev, Matrix c, Matrix tanhC, Matrix h) {
        double[] a = data(gates);
        double[] cp = data(cPrev);
        double[] cn = data(c);
        double[] tc = data(tanhC);
        double[] hn = data(h);
        int rows = h.getNumRows();
        int hidden = h.getNumCols();
        // Loops of plain arithmetic and runs of one function each, so that every one is vectorised.
        for (int r = 0; r < rows; r++) {
            int gi = 4 * r * hidden;
            int gg = gi + 2 * hidden;
            int go = gg + hidden;
            Activations.sigmoid(a, gi, gg); // i and f
            Activations.tanh(a, gg, go);
            Activations.sigmoid(a, go, go + hidden);
        }
        for (int r = 0; r < rows; r++) {
            int gi = 4 * r * hidden;
            int gf = gi + hidden;
            int gg = gf + hidden;
            int s = r * hidden;
            for (int j = 0; j < hidden; j++) {
                cn[s + j] = a[gf + j] * cp[s + j] + a[gi + j] * a[gg + j];
            }
        }
        int n = rows * hidden;
        System.arraycopy(cn, 0, tc, 0, n);
        Activations.tanh(tc, 0, n);
        for (int r = 0; r < rows; r++) {
            int go = 4 * r * hidden + 3 * hidden;
            int s = r * hidden;
            for (int j = 0; j < hidden; j++) {
                hn[s + j] = a[go + j] * tc[s + j];
            }
        }
    }

    @Override
    public void lstmBackward(Matrix gates, Matrix cPrev, Matrix tanhC, Matrix dh, Matrix dc, Matrix dGates) {
        double[] a = data(gates);
        double[] cp = data(cPrev);
        double[] tcd = data(tanhC);
        double[] dhd = data(dh);
        double[] dcd = data(dc);
        double[] d = data(dGates);
        int rows = dh.getNumRows();
        int hidden = dh.getNumCols();
        for (int r = 0; r < rows; r++) {
            int gi = 4 * r * hidden;
            int gf = gi + hidden;
            int gg = gf + hidden;
            int go = gg + hidden;
            int s = r * hidden;
            for (int j = 0; j < hidden; j++) {
                double i = a[gi + j];
                double f = a[gf + j];
                double g = a[gg + j];
                double o = a[go + j];
                double tc = tcd[s + j];
                double dhj = dhd[s + j];
                double dcj = dcd[s + j] + dhj * o * (1 - tc * tc); // h = o·tanh(c)
                d[gi + j] = dcj * g * i * (1 - i);
                d[gf + j] = dcj * cp[s + j] * f * (1 - f);
                d[gg + j] = dcj * i * (1 - g * g);
                d[go + j] = dhj * tc * o * (1 - o);
                dcd[s + j] = dcj * f;
            }
        }
    }

    @Override
    public void gru(Matrix xGates, Matrix hGates, Matrix hPrev, Matrix h) {
        double[] x = data(xGates);
        double[] hg = data(hGates);
        double[] hp = data(hPrev);
        double[] hn = data(h);
        int rows = h.getNumRows();
        int hidden = h.getNumCols();
        for (int r = 0; r < rows; r++) {
            int gr = 3 * r * hidden;
            int gn = gr + 2 * hidden;
            int s = r * hidden;
            for (int j = gr; j < gn; j++) { // r and z
                x[j] += hg[j];
            }
            Activations.sigmoid(x, gr, gn);
            for (int j = 0; j < hidden; j++) {
                x[gn + j] += x[gr + j] * hg[gn + j];
            }
            Activations.tanh(x, gn, gn + hidden);
            int gz = gr + hidden;
            for (int j = 0; j < hidden; j++) {
                double nj = x[gn + j];
                hn[s + j] = nj + x[gz + j] * (hp[s + j] - nj);
            }
        }
    }

    @Override
    public void gruBackward(Matrix gates, Matrix hGates, Matrix hPrev, Matrix dh, Matrix dxGates, Matrix dhGates,
            Matrix dhPrev) {
        double[] a = data(gates);
        double[] hg = data(hGates);
        double[] hp = data(hPrev);
        double[] dhd = data(dh);
        double[] dx = data(dxGates);
        double[] dhg = data(dhGates);
        double[] dhp = data(dhPrev);
        int rows = dh.getNumRows();
        int hidden = dh.getNumCols();
        for (int r = 0; r < rows; r++) {
            int gr = 3 * r * hidden;
            int gz = gr + hidden;
            int gn = gz + hidden;
            int s = r * hidden;
            for (int j = 0; j < hidden; j++) {
                double rj = a[gr + j];
                double zj = a[gz + j];
                double nj = a[gn + j];
                double dhj = dhd[s + j];
                double dn = dhj * (1 - zj) * (1 - nj * nj); // d(pre-activation of n)
                double dr = dn * hg[gn + j] * rj * (1 - rj);
                double dz = dhj * (hp[s + j] - nj) * zj * (1 - zj);
                dx[gr + j] = dr;
                dx[gz + j] = dz;
                dx[gn + j] = dn;
                dhg[gr + j] = dr;
                dhg[gz + j] = dz;
                dhg[gn + j] = dn * rj;
                dhp[s + j] = dhj * zj;
            }
        }
    }

    @Override
    public void rnn(Matrix pre, boolean relu) {
        double[] p = data(pre);
        int n = pre.getNumRows() * pre.getNumCols();
        if (relu) {
            for (int i = 0; i < n; i++) {
                p[i] = Math.max(p[i], 0);
            }
        } else {
            Activations.tanh(p, 0, n);
        }
    }

    @Override
    public void rnnBackward(Matrix h, Matrix dh, Matrix dPre, boolean relu) {
        double[] hd = data(h);
        double[] g = data(dh);
        double[] d = data(dPre);
        int n = h.getNumRows() * h.getNumCols();
        if (relu) {
            for (int i = 0; i < n; i++) {
                d[i] = hd[i] > 0 ? g[i] : 0;
            }
        } else {
            for (int i = 0; i < n; i++) {
                d[i] = g[i] * (1 - hd[i] * hd[i]);
            }
        }
    }
}
