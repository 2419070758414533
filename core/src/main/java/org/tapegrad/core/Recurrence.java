package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.ejml.data.FMatrixRMaj;
import org.ejml.data.Matrix;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.gemm.MatmulKernel;
import org.tapegrad.core.internal.kernel.BinaryFn;
import org.tapegrad.core.internal.kernel.CellKernels;
import org.tapegrad.core.internal.kernel.Kernels;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * A recurrent layer over a whole sequence as one op, the way libtorch and cuDNN run {@code nn.LSTM}: each step's
 * gates start from the biases and get the step's input projection ({@code [batch, in] × [in, G·hidden]}) and one
 * {@code [batch, hidden] × [hidden, G·hidden]} recurrent product added, both weights packed once for the sequence,
 * then run their nonlinearities and the state update in one element-wise pass
 * ({@link CellKernels}), and backward walks the steps in reverse with one pass per step for the gates' derivatives
 * and one product for the recurrent gradient, then gets the input weights' gradient, the biases' and the input's
 * each from one product (or sum) over the stacked steps; the recurrent weights' gradient accumulates one product
 * per step. Nothing but the per-step buffers it keeps for backward is allocated (lent by a {@link Workspace} when
 * one is open).
 *
 * <p>The equations, with PyTorch's gate order and parameter layouts ({@code weight_ih [G·hidden, in]},
 * {@code weight_hh [G·hidden, hidden]}, {@code bias_ih}, {@code bias_hh [G·hidden]}):
 * <ul>
 *   <li>RNN: {@code h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)} (or relu);</li>
 *   <li>LSTM: {@code i, f, g, o = σ, σ, tanh, σ} of the four blocks of {@code x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh};
 *       {@code c' = f⊙c + i⊙g}, {@code h' = o⊙tanh(c')};</li>
 *   <li>GRU: {@code r = σ(x_r + h_r)}, {@code z = σ(x_z + h_z)}, {@code n = tanh(x_n + r⊙h_n)},
 *       {@code h' = (1 - z)⊙n + z⊙h}, with {@code x_* = x·W_i*ᵀ + b_i*} and {@code h_* = h·W_h*ᵀ + b_h*}.</li>
 * </ul>
 * The backward rule is the derivative of these, checked against finite differences in float64 and against the
 * same equations written with core ops. In float32, tanh and σ are computed by a rational approximation
 * (within 4e-7 of the exact functions). The op has no rule for gradients of gradients (as cuDNN's LSTM has none) and
 * none for forward mode: for those, compose the steps from core ops (the nn layers do when asked, and on their
 * own under forward mode).
 */
public final class Recurrence {
    private Recurrence() {
    }

    /** The cell of each step; {@link #gates} blocks of {@code hidden} rows are stacked in the weights. */
    public enum Cell {
        RNN_TANH(1), RNN_RELU(1), LSTM(4), GRU(3);

        /** Number of gate blocks: weight_ih is [gates·hidden, in]. */
        public final int gates;

        Cell(int gates) {
            this.gates = gates;
        }
    }

    /**
     * What {@link #run} returns: the hidden state at every step, and the last step's hidden (and, for an LSTM,
     * cell) state; all three are views of the op's one recorded output, so gradients reach it through any of them.
     *
     * @param output [batch, time, hidden]
     * @param h      [batch, hidden], the last step of {@code output}
     * @param c      [batch, hidden] for an LSTM, else null
     */
    public record Result(Tensor output, Tensor h, Tensor c) {
    }

    /**
     * Runs {@code cell} over the sequence {@code input}, recorded as one op when recording and something requires
     * grad.
     *
     * @param input    [batch, time, in], batch first (not modified)
     * @param h0       [batch, hidden] (not modified), or null for zeros (as PyTorch's {@code hx=None})
     * @param c0       [batch, hidden] for an LSTM (or null for zeros), null otherwise (not modified)
     * @param weightIh [G·hidden, in]
     * @param weightHh [G·hidden, hidden]
     * @param biasIh   [G·hidden], or null (then {@code biasHh} is null too)
     * @param biasHh   [G·hidden], or null
     * @throws IllegalArgumentException on shapes, dtypes or a missing/extra cell state, naming what was expected
     * @throws IllegalStateException    inside a forward-mode dual level (this op has no forward-mode rule)
     */
    public static Result run(Cell cell, Tensor input, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh,
            Tensor biasIh, Tensor biasHh) {
        Objects.requireNonNull(cell, "cell");
        check(cell, input, h0, c0, weightIh, weightHh, biasIh, biasHh);
        if (ForwardAD.isActive()) {
            throw new IllegalStateException("Recurrence." + cell + ": the fused sequence op has no forward-mode rule; "
                    + "compose the steps from core ops inside a dual level");
        }
        Forward f = new Forward(cell, input, h0, c0, weightIh, weightHh, biasIh, biasHh);
        Tensor y = f.run();
        List<Tensor> inputs = new ArrayList<>(7);
        inputs.add(input);
        if (h0 != null) {
            inputs.add(h0);
        }
        if (c0 != null) {
            inputs.add(c0);
        }
        inputs.add(weightIh);
        inputs.add(weightHh);
        if (biasIh != null) {
            inputs.add(biasIh);
            inputs.add(biasHh);
        }
        y = record(name(cell), y, f::backward, inputs.toArray(new Tensor[0]));
        int time = input.size(1);
        Tensor output = cell == Cell.LSTM ? y.narrow(1, 0, time) : y;
        return new Result(output, y.select(1, time - 1), cell == Cell.LSTM ? y.select(1, time) : null);
    }

    private static String name(Cell cell) {
        return switch (cell) {
            case RNN_TANH -> "rnnTanh";
            case RNN_RELU -> "rnnRelu";
            case LSTM -> "lstm";
            case GRU -> "gru";
        };
    }

    private static void check(Cell cell, Tensor input, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh,
            Tensor bHh) {
        String op = "Recurrence." + name(cell);
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(wIh, "weightIh");
        Objects.requireNonNull(wHh, "weightHh");
        if (input.rank() != 3 || input.size(0) == 0 || input.size(1) == 0 || input.size(2) == 0) {
            throw new IllegalArgumentException(op + ": expected a non-empty input [batch, time, in], got "
                    + Shape.str(input.shapeRef()));
        }
        if (!input.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": not defined for " + input.dtype() + " input; convert it with "
                    + ".to(DType.FLOAT32) first");
        }
        int batch = input.size(0);
        int in = input.size(2);
        if (wHh.rank() != 2 || wHh.size(0) != cell.gates * wHh.size(1)) {
            throw new IllegalArgumentException(op + ": expected weightHh [" + cell.gates + "·hidden, hidden], got "
                    + Shape.str(wHh.shapeRef()));
        }
        int hidden = wHh.size(1);
        if (hidden == 0) {
            throw new IllegalArgumentException(op + ": the hidden size (weightHh's columns) must be positive");
        }
        int gated = cell.gates * hidden;
        expect(op, "weightIh", wIh, gated, in);
        if (h0 != null) {
            expect(op, "h0", h0, batch, hidden);
        }
        if (cell != Cell.LSTM && c0 != null) {
            throw new IllegalArgumentException(op + ": only an LSTM has a cell state; pass c0 = null");
        }
        if (cell == Cell.LSTM && (h0 == null) != (c0 == null)) {
            throw new IllegalArgumentException(op + ": give the LSTM both initial states h0 and c0 [" + batch + ", "
                    + hidden + "], or neither (zeros)");
        }
        if (c0 != null) {
            expect(op, "c0", c0, batch, hidden);
        }
        if ((bIh == null) != (bHh == null)) {
            throw new IllegalArgumentException(op + ": give both biases or neither");
        }
        if (bIh != null) {
            expect(op, "biasIh", bIh, gated);
            expect(op, "biasHh", bHh, gated);
        }
        for (Tensor t : new Tensor[] {h0, c0, wIh, wHh, bIh, bHh}) {
            if (t != null && t.dtype() != input.dtype()) {
                throw new IllegalArgumentException(op + ": the input is " + input.dtype() + " but an argument is "
                        + t.dtype() + "; convert one with to(DType)");
            }
        }
    }

    private static void expect(String op, String what, Tensor t, int... shape) {
        if (!java.util.Arrays.equals(t.shapeRef(), shape)) {
            throw new IllegalArgumentException(op + ": expected " + what + " " + Shape.str(shape) + ", got "
                    + Shape.str(t.shapeRef()));
        }
    }

    /** One call: the forward pass, and what backward needs of it. */
    private static final class Forward {
        private final Cell cell;
        private final Tensor input;
        private final Tensor weightIh;
        private final Tensor weightHh;
        private final boolean bias;
        private final boolean hasC;
        /** Whether h0 (and, for an LSTM, c0) were given, and so are inputs of the op. */
        private final boolean hasState;
        private final DType dtype;
        private final Kernels k;
        private final CellKernels ck;
        private final int batch;
        private final int time;
        private final int in;
        private final int hidden;
        private final int gated;
        /** Columns of the output: time, plus the last cell state for an LSTM. */
        private final int slots;
        /** Per step: the activated gates (for an RNN, the new hidden state). */
        private final Matrix[] gates;
        /** h of step t - 1 at index t; index 0 is h0. */
        private final Matrix[] hs;
        /** For an LSTM, c of step t - 1 at index t; index 0 is c0. */
        private final Matrix[] cs;
        /** For an LSTM, tanh(c) of each step. */
        private final Matrix[] tanhCs;
        /** For a GRU, h·W_hhᵀ + b_hh of each step. */
        private final Matrix[] hGates;
        private final Tensor biasIh;
        private final Tensor biasHh;
        /** The first buffer forward took: all come from one Workspace step (or the heap), and end with it. */
        private Tensor firstBuffer;

        Forward(Cell cell, Tensor input, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh, Tensor biasIh,
                Tensor biasHh) {
            this.cell = cell;
            this.input = input;
            this.weightIh = weightIh;
            this.weightHh = weightHh;
            this.biasIh = biasIh;
            this.biasHh = biasHh;
            this.bias = biasIh != null;
            this.hasC = cell == Cell.LSTM;
            this.hasState = h0 != null;
            this.dtype = input.dtype();
            this.k = dtype.kernels();
            this.ck = dtype.cellKernels();
            this.batch = input.size(0);
            this.time = input.size(1);
            this.in = input.size(2);
            this.hidden = weightHh.size(1);
            this.gated = cell.gates * hidden;
            this.slots = hasC ? time + 1 : time;
            gates = new Matrix[time];
            hs = new Matrix[time + 1];
            hs[0] = hasState ? k.wrap(h0.contiguousData(), batch, hidden) : zeros(batch, hidden);
            cs = hasC ? new Matrix[time + 1] : null;
            if (hasC) {
                cs[0] = hasState ? k.wrap(c0.contiguousData(), batch, hidden) : zeros(batch, hidden);
            }
            tanhCs = hasC ? new Matrix[time] : null;
            hGates = cell == Cell.GRU ? new Matrix[time] : null;
        }

        private Matrix buffer(int[] shape) {
            Tensor t = Tensor.uninitializedOutput(dtype, shape);
            if (firstBuffer == null) {
                firstBuffer = t;
            }
            return t.matrix();
        }

        private Matrix buffer(int rows, int cols) {
            return buffer(new int[] {rows, cols});
        }

        private Matrix zeros(int rows, int cols) {
            return Tensor.output(dtype, new int[] {rows, cols}).matrix();
        }

        /** What sets every row of a [rows, cols] buffer to b [cols] (any strides), its strides made once. */
        private Consumer<Matrix> rowFill(Tensor b, int rows, int cols) {
            int[] from = {0, b.stridesRef()[0]};
            int[] to = {cols, 1};
            int[] shape = {rows, cols};
            return m -> k.copyStrided(b.storageMatrix(), b.offset(), from, m, 0, to, shape);
        }

        /**
         * {@code c (+)= a·op(w)} for one {@code w} and every step's {@code a}: w packed once, into a buffer of this
         * call, when it is float32 and the installed kernel has a packed form (each product would repack it).
         */
        private final class FixedOperand {
            private final Matrix w;
            private final boolean transpose;
            private final MatmulKernel kernel = Matmul.kernel();
            private final MatmulKernel.Packed packed;

            FixedOperand(Matrix w, boolean transpose) {
                this.w = w;
                this.transpose = transpose;
                int rows = transpose ? w.getNumCols() : w.getNumRows();
                int cols = transpose ? w.getNumRows() : w.getNumCols();
                int length = dtype == DType.FLOAT32 ? kernel.packedLength(rows, cols) : 0;
                packed = length == 0 ? null
                        : kernel.pack((FMatrixRMaj) w, transpose, ((FMatrixRMaj) buffer(new int[] {length})).data);
            }

            void gemm(Matrix a, Matrix c, boolean accumulate) {
                if (packed == null) {
                    k.gemm(a, false, w, transpose, c, accumulate);
                } else {
                    kernel.gemm((FMatrixRMaj) a, false, packed, (FMatrixRMaj) c, accumulate);
                }
            }
        }

        Tensor run() {
            Matrix x = input.contiguousData();
            // Each step's gates start from b_ih (+ b_hh, except for the GRU, whose b_hn sits inside r⊙(...)), then
            // get x_t·W_ihᵀ and h·W_hhᵀ added by two products into the step's own buffer: no sequence-long P to
            // fill, write and copy out of step by step (what a product over all steps at once would need).
            Tensor b = biasIh;
            if (bias && cell != Cell.GRU) { // b_ih + b_hh once, not added into every row
                b = Tensor.uninitializedOutput(dtype, new int[] {gated});
                int[] st = {1};
                k.zip(BinaryFn.ADD, biasIh.storageMatrix(), biasIh.offset(), biasIh.stridesRef(),
                        biasHh.storageMatrix(), biasHh.offset(), biasHh.stridesRef(), b.matrix(), 0, st,
                        new int[] {gated});
            }
            Consumer<Matrix> fillGates = bias ? rowFill(b, batch, gated) : null;
            Consumer<Matrix> fillHGates = bias && cell == Cell.GRU ? rowFill(biasHh, batch, gated) : null;
            FixedOperand projection = new FixedOperand(weightIh.contiguousData(), true);
            FixedOperand recurrent = new FixedOperand(weightHh.contiguousData(), true);
            Tensor y = Tensor.uninitializedOutput(dtype, new int[] {batch, slots, hidden});
            Matrix ym = y.matrix();
            Matrix xt = buffer(batch, in);
            int[] xStrides = {time * in, 1};
            int[] rowMajorX = {in, 1};
            int[] xShape = {batch, in};
            int[] gateShape = {batch, gated};
            int[] hShape = {batch, hidden};
            int[] rowMajorH = {hidden, 1};
            int[] outStrides = {slots * hidden, 1};
            for (int t = 0; t < time; t++) {
                Matrix g = gates[t] = buffer(gateShape);
                if (bias) {
                    fillGates.accept(g);
                }
                k.copyStrided(x, t * in, xStrides, xt, 0, rowMajorX, xShape);
                projection.gemm(xt, g, bias);
                switch (cell) {
                    case LSTM -> {
                        recurrent.gemm(hs[t], g, true);
                        cs[t + 1] = buffer(hShape);
                        tanhCs[t] = buffer(hShape);
                        hs[t + 1] = buffer(hShape);
                        ck.lstm(g, cs[t], cs[t + 1], tanhCs[t], hs[t + 1]);
                    }
                    case GRU -> {
                        Matrix hg = hGates[t] = buffer(gateShape);
                        if (bias) {
                            fillHGates.accept(hg);
                        }
                        recurrent.gemm(hs[t], hg, bias);
                        hs[t + 1] = buffer(hShape);
                        ck.gru(g, hg, hs[t], hs[t + 1]);
                    }
                    default -> {
                        recurrent.gemm(hs[t], g, true);
                        ck.rnn(g, cell == Cell.RNN_RELU);
                        hs[t + 1] = g;
                    }
                }
                k.copyStrided(hs[t + 1], 0, rowMajorH, ym, t * hidden, outStrides, hShape);
            }
            if (hasC) {
                k.copyStrided(cs[time], 0, rowMajorH, ym, time * hidden, outStrides, hShape);
            }
            return y;
        }

        /** The rule: inputs are (input, [h0, [c0]], weightIh, weightHh, [biasIh, biasHh]). */
        Tensor[] backward(Tensor g, boolean[] needs) {
            if (Tape.isRecording()) {
                throw new UnsupportedOperationException("Recurrence." + name(cell) + ": the fused sequence op has no "
                        + "rule for gradients of gradients (createGraph); compose the steps from core ops for that "
                        + "(for the nn layers: fused(false))");
            }
            firstBuffer.matrix(); // throws if the Workspace step that lent the kept buffers has ended
            int at = 0;
            boolean needX = needs[at++];
            boolean needH0 = hasState && needs[at++];
            boolean needC0 = hasState && hasC && needs[at++];
            boolean needWih = needs[at++];
            boolean needWhh = needs[at++];
            boolean needBih = bias && needs[at++];
            boolean needBhh = bias && needs[at];
            Matrix gm = g.contiguousData();
            Matrix wHh = weightHh.contiguousData();
            Tensor dP = Tensor.uninitializedOutput(dtype, new int[] {batch * time, gated});
            Matrix dp = dP.matrix();
            Matrix dhNext = zeros(batch, hidden);
            Matrix dh = buffer(batch, hidden);
            Matrix dc = null;
            int[] rowMajorH = {hidden, 1};
            int[] hShape = {batch, hidden};
            int[] outStrides = {slots * hidden, 1};
            if (hasC) {
                dc = buffer(batch, hidden);
                k.copyStrided(gm, time * hidden, outStrides, dc, 0, rowMajorH, hShape);
            }
            Tensor dWhh = !needWhh ? null : cell == Cell.GRU ? Tensor.output(dtype, new int[] {gated, hidden})
                    : Tensor.uninitializedOutput(dtype, new int[] {gated, hidden}); // written by one product
            Tensor dBhh = cell == Cell.GRU && needBhh ? Tensor.output(dtype, new int[] {gated}) : null;
            int[] stepStrides = {time * gated, 1};
            int[] rowMajorGates = {gated, 1};
            int[] gateShape = {batch, gated};
            // What forward kept is only read, so that a retained graph can run backward again.
            Matrix dG = buffer(batch, gated);                                 // dL/d(gates' pre-activations)
            Matrix dGh = cell == Cell.GRU ? buffer(batch, gated) : dG;      // dL/d(h·W_hhᵀ + b_hh)
            FixedOperand recurrent = new FixedOperand(wHh, false);
            for (int t = time - 1; t >= 0; t--) {
                k.zip(BinaryFn.ADD, gm, t * hidden, outStrides, dhNext, 0, rowMajorH, dh, 0, rowMajorH, hShape);
                switch (cell) {
                    case LSTM -> ck.lstmBackward(gates[t], cs[t], tanhCs[t], dh, dc, dG);
                    case GRU -> ck.gruBackward(gates[t], hGates[t], hs[t], dh, dG, dGh, dhNext); // z⊙dh into dhNext
                    default -> ck.rnnBackward(gates[t], dh, dG, cell == Cell.RNN_RELU);
                }
                k.copyStrided(dG, 0, rowMajorGates, dp, t * gated, stepStrides, gateShape);
                if (dWhh != null && cell == Cell.GRU) {
                    k.gemm(dGh, true, hs[t], false, dWhh.matrix(), true);
                }
                if (dBhh != null) {
                    ReductionOps.addSumTo(new Tensor(new Storage(dGh), dtype, gateShape), dBhh);
                }
                if (t > 0 || needH0) {
                    recurrent.gemm(dGh, dhNext, cell == Cell.GRU);
                }
            }
            if (dWhh != null && cell != Cell.GRU) {
                // dW_hh = Σ_t dG_tᵀ·h_t as one product over the stacked steps: dP holds dG_t in rows b·time + t
                Matrix stacked = buffer(batch * time, hidden);
                int[] stackStrides = {time * hidden, 1};
                for (int t = 0; t < time; t++) {
                    k.copyStrided(hs[t], 0, rowMajorH, stacked, t * hidden, stackStrides, hShape);
                }
                k.gemm(dp, true, stacked, false, dWhh.matrix(), false);
            }
            Tensor[] grads = new Tensor[needs.length];
            at = 0;
            if (needX) {
                Tensor dx = Tensor.uninitializedOutput(dtype, new int[] {batch, time, in});
                k.gemm(dp, false, weightIh.contiguousData(), false, k.wrap(dx.matrix(), batch * time, in), false);
                grads[0] = dx;
            }
            at++;
            if (hasState) {
                if (needH0) {
                    grads[at] = new Tensor(new Storage(dhNext), dtype, hShape);
                }
                at++;
                if (hasC) {
                    if (needC0) {
                        grads[at] = new Tensor(new Storage(dc), dtype, hShape);
                    }
                    at++;
                }
            }
            if (needWih) {
                Tensor dWih = Tensor.uninitializedOutput(dtype, new int[] {gated, in});
                k.gemm(dp, true, k.wrap(input.contiguousData(), batch * time, in), false, dWih.matrix(), false);
                grads[at] = dWih;
            }
            at++;
            grads[at++] = dWhh;
            if (bias) {
                Tensor dBih = null;
                if (needBih || needBhh && cell != Cell.GRU) {
                    dBih = Tensor.output(dtype, new int[] {gated});
                    ReductionOps.addSumTo(dP, dBih);
                }
                grads[at] = needBih ? dBih : null;
                grads[at + 1] = cell == Cell.GRU ? dBhh : needBhh ? (needBih ? dBih.copy() : dBih) : null;
            }
            return grads;
        }
    }
}
