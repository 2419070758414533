package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapegrad.core.internal.kernel.ConvGeometry;
import org.tapegrad.core.internal.kernel.Kernels;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Convolutions lowered onto the matrix product: {@code im2col} lays every receptive field of the input out as a
 * row of a patch matrix, one {@code gemm} with the weight does all the multiply-adds, and {@code col2im} (the
 * adjoint of im2col) folds patch rows back into an image. im2col and col2im are each other's backward rule, like
 * expand and sumTo; everything else here is composed from ops that already have rules.
 *
 * <p>conv2d uses the transposed patch matrix ({@link #im2colT}: one row per channel and kernel offset, one column
 * per output position), so that the product {@code W·colsT} gives the output channel by channel, the bias is a
 * broadcast along rows, and building the patches, packing them for the product and laying the result out as an
 * image all move runs of contiguous elements.
 *
 * <p>The symmetry this makes visible: the input gradient of a convolution is {@code col2imT(Wᵀ·g)}, and that is
 * exactly the forward pass of the transposed convolution {@link #convTranspose2d}.
 */
final class ConvOps {
    private ConvOps() {
    }

    /** The patch matrix [N·OH·OW, C·KH·KW] of x [N, C, H, W] (see {@link Kernels#im2col}). dX = col2im(g). */
    static Tensor im2col(Tensor x, ConvGeometry geometry) {
        Tensor cols = Tensor.output(x.dtype(), geometry.colsShape());
        x.dtype().kernels().im2col(x.contiguousData(), geometry, cols.matrix());
        return record("im2col", cols, (g, needs) -> new Tensor[] {col2im(g, geometry)}, t -> im2col(t[0], geometry), x);
    }

    /** Patch rows [N·OH·OW, C·KH·KW] summed back into an image [N, C, H, W] (the adjoint of im2col).
     *  dCols = im2col(g). */
    static Tensor col2im(Tensor cols, ConvGeometry geometry) {
        if (!Arrays.equals(cols.shapeRef(), geometry.colsShape())) {
            throw new IllegalArgumentException("col2im: patch matrix " + Shape.str(cols.shapeRef()) + " does not match "
                    + Shape.str(geometry.colsShape()) + " for image " + Shape.str(geometry.inputShape()));
        }
        Tensor x = Tensor.output(cols.dtype(), geometry.inputShape());
        cols.dtype().kernels().col2im(cols.contiguousData(), geometry, x.matrix());
        return record("col2im", x, (g, needs) -> new Tensor[] {im2col(g, geometry)}, t -> col2im(t[0], geometry), cols);
    }

    /** The transposed patch matrix [C·KH·KW, N·OH·OW] of x (see {@link Kernels#im2colTransposed}). dX = col2imT(g). */
    static Tensor im2colT(Tensor x, ConvGeometry geometry) {
        int[] shape = {geometry.colsShape()[1], geometry.colsShape()[0]};
        Tensor colsT = Tensor.uninitializedOutput(x.dtype(), shape); // every element is written
        x.dtype().kernels().im2colTransposed(x.contiguousData(), geometry, colsT.matrix());
        return record("im2colT", colsT, (g, needs) -> new Tensor[] {col2imT(g, geometry)},
                t -> im2colT(t[0], geometry), x);
    }

    /** Columns of a transposed patch matrix [C·KH·KW, N·OH·OW] summed back into an image [N, C, H, W] (the adjoint
     *  of im2colT). dColsT = im2colT(g). */
    static Tensor col2imT(Tensor colsT, ConvGeometry geometry) {
        int[] expected = {geometry.colsShape()[1], geometry.colsShape()[0]};
        if (!Arrays.equals(colsT.shapeRef(), expected)) {
            throw new IllegalArgumentException("col2imT: patch matrix " + Shape.str(colsT.shapeRef())
                    + " does not match " + Shape.str(expected) + " for image " + Shape.str(geometry.inputShape()));
        }
        Tensor x = Tensor.output(colsT.dtype(), geometry.inputShape());
        colsT.dtype().kernels().col2imTransposed(colsT.contiguousData(), geometry, x.matrix());
        return record("col2imT", x, (g, needs) -> new Tensor[] {im2colT(g, geometry)},
                t -> col2imT(t[0], geometry), colsT);
    }

    /**
     * y[n, o, oh, ow] = b[o] + Σ_{c, i, j} W[o, c, i, j] · x[n, g·C/G + c, oh·sH - pH + i·dH, ow·sW - pW + j·dW]
     * for output channel o in group g (zero padding). Computed per group as {@code W_g·im2colT(x_g)}, [out/G,
     * N·OH·OW], so, by the rules of the ops it is made of: dX_g = col2imT(W_gᵀ·g), dW_g = g·im2colT(x_g)ᵀ,
     * db = Σ_{n, oh, ow} g.
     */
    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
            int groups) {
        DType dtype = TypePromotion.resultType(input, weight, bias);
        Tensor x = input.to(dtype), w = weight.to(dtype), b = TypePromotion.to(bias, dtype);
        int[] xs = x.shapeRef();
        int[] ws = w.shapeRef();
        if (ws.length != 4) {
            throw new IllegalArgumentException("conv2d: expects a weight [out, in/groups, kH, kW], got shape "
                    + Shape.str(ws));
        }
        int outChannels = ws[0];
        checkGroups("conv2d", xs, outChannels, groups);
        int inPerGroup = xs[1] / groups;
        if (ws[1] != inPerGroup) {
            throw new IllegalArgumentException("conv2d: weight " + Shape.str(ws) + " expects " + ws[1] * groups
                    + " input channels (" + ws[1] + " per group, " + groups + " group(s)), but the input "
                    + Shape.str(xs) + " has " + xs[1]);
        }
        checkBias("conv2d", b, outChannels);
        ConvGeometry geometry = ConvGeometry.of("conv2d", xs, ws[2], ws[3], stride, padding, dilation)
                .withInput(xs[0], inPerGroup).withPatchMatrix("conv2d");
        int outPerGroup = outChannels / groups;
        Tensor w2d = w.reshape(outChannels, inPerGroup * ws[2] * ws[3]);
        List<Tensor> parts = new ArrayList<>(groups);
        for (int gi = 0; gi < groups; gi++) {
            Tensor xg = groups == 1 ? x : x.narrow(1, gi * inPerGroup, inPerGroup);
            Tensor wg = groups == 1 ? w2d : w2d.narrow(0, gi * outPerGroup, outPerGroup);
            parts.add(wg.matmul(im2colT(xg, geometry))); // [out/G, N·OH·OW]
        }
        Tensor y = groups == 1 ? parts.get(0) : Tensor.concat(parts, 0);
        if (b != null) {
            y = y.add(b.reshape(outChannels, 1));
        }
        return y.reshape(outChannels, xs[0], geometry.outH() * geometry.outW()).permute(1, 0, 2)
                .reshape(xs[0], outChannels, geometry.outH(), geometry.outW());
    }

    /**
     * The transposed convolution: the adjoint of {@link #conv2d} in its input, with the same weight tensor read as
     * [in, out/groups, kH, kW] (PyTorch's layout for it). For g [N, in, Hg, Wg] the output is [N, out, H, W] with
     * {@code H = (Hg-1)·sH - 2·pH + dH·(kH-1) + outputPaddingH + 1}; it is {@code col2imT(Wᵀ·g)} per group, the very
     * computation of conv2d's input gradient, plus the bias. Gradients: by the rules of those ops
     * (dG = W·im2colT(dY), a convolution; dW = g·im2colT(dY)ᵀ; db = Σ dY).
     *
     * @param outputPadding extra rows/columns at the bottom/right, each below the stride, to pick among the input
     *                      sizes that a strided convolution maps to the same output size
     */
    static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
            int[] outputPadding, int[] dilation, int groups) {
        DType dtype = TypePromotion.resultType(input, weight, bias);
        Tensor g = input.to(dtype), w = weight.to(dtype), b = TypePromotion.to(bias, dtype);
        int[] gs = g.shapeRef();
        int[] ws = w.shapeRef();
        if (gs.length != 4 || ws.length != 4) {
            throw new IllegalArgumentException("convTranspose2d: expects an input [N, C, H, W] and a weight "
                    + "[in, out/groups, kH, kW], got " + Shape.str(gs) + " and " + Shape.str(ws));
        }
        if (ws[0] != gs[1]) {
            throw new IllegalArgumentException("convTranspose2d: weight " + Shape.str(ws) + " expects " + ws[0]
                    + " input channels, but the input " + Shape.str(gs) + " has " + gs[1]);
        }
        int outChannels = ws[1] * groups;
        checkGroups("convTranspose2d", gs, outChannels, groups);
        checkBias("convTranspose2d", b, outChannels);
        ConvGeometry.pair("convTranspose2d", "stride", stride, 1);
        ConvGeometry.pair("convTranspose2d", "padding", padding, 0);
        ConvGeometry.pair("convTranspose2d", "dilation", dilation, 1);
        if (outputPadding == null || outputPadding.length != 2 || outputPadding[0] < 0 || outputPadding[1] < 0 || outputPadding[0] >= stride[0]
                || outputPadding[1] >= stride[1]) {
            throw new IllegalArgumentException("convTranspose2d: output padding " + Arrays.toString(outputPadding)
                    + " must be two values, each at least 0 and smaller than the stride "
                    + Arrays.toString(stride));
        }
        long h = (gs[2] - 1L) * stride[0] - 2L * padding[0] + (long) dilation[0] * (ws[2] - 1) + outputPadding[0] + 1;
        long wd = (gs[3] - 1L) * stride[1] - 2L * padding[1] + (long) dilation[1] * (ws[3] - 1) + outputPadding[1] + 1;
        if (h > Integer.MAX_VALUE || wd > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("convTranspose2d: input " + Shape.str(gs) + " with stride "
                    + Arrays.toString(stride) + " and dilation " + Arrays.toString(dilation) + " gives an output of "
                    + h + "x" + wd + ", larger than a tensor's dimension can be (" + Integer.MAX_VALUE + ")");
        }
        if (h < 1 || wd < 1) {
            throw new IllegalArgumentException("convTranspose2d: input " + Shape.str(gs) + " with kernel " + ws[2] + "x"
                    + ws[3] + " and padding " + Arrays.toString(padding) + " gives an empty output "
                    + h + "x" + wd);
        }
        int inPerGroup = gs[1] / groups;
        int outPerGroup = ws[1];
        ConvGeometry geometry = ConvGeometry.of("convTranspose2d", new int[] {gs[0], outPerGroup, (int) h, (int) wd},
                ws[2], ws[3], stride, padding, dilation).withPatchMatrix("convTranspose2d");
        Tensor g2d = g.reshape(gs[0], gs[1], gs[2] * gs[3]).permute(1, 0, 2).reshape(gs[1], gs[0] * gs[2] * gs[3]);
        Tensor w2d = w.reshape(gs[1], outPerGroup * ws[2] * ws[3]);
        List<Tensor> parts = new ArrayList<>(groups);
        for (int gi = 0; gi < groups; gi++) {
            Tensor gg = groups == 1 ? g2d : g2d.narrow(0, gi * inPerGroup, inPerGroup);
            Tensor wg = groups == 1 ? w2d : w2d.narrow(0, gi * inPerGroup, inPerGroup);
            parts.add(col2imT(Tensor.matmul(wg, true, gg, false), geometry));
        }
        Tensor y = groups == 1 ? parts.get(0) : Tensor.concat(parts, 1);
        return b == null ? y : y.add(b.reshape(1, outChannels, 1, 1));
    }

    private static void checkGroups(String op, int[] x, int outChannels, int groups) {
        if (x.length != 4) {
            throw new IllegalArgumentException(op + ": expects an input [N, C, H, W], got shape " + Shape.str(x));
        }
        if (groups < 1 || x[1] % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " has " + x[1] + " channels and the "
                    + "output " + outChannels + "; both must be divisible by groups = " + groups);
        }
    }

    private static void checkBias(String op, Tensor b, int outChannels) {
        if (b == null) {
            return;
        }
        if (b.rank() != 1 || b.size(0) != outChannels) {
            throw new IllegalArgumentException(op + ": expects a bias [" + outChannels + "], got shape "
                    + Shape.str(b.shapeRef()));
        }
    }
}
