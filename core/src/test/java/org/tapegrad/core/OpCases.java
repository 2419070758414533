package org.tapegrad.core;

import static org.tapegrad.core.TestTensors.f64;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * The table of op cases: every public op (and the package-private ones that backward rules use) on several
 * shapes, including every broadcasting pattern. Drives {@link OpGradientTest} and {@link DtypeAgreementTest}.
 * Inputs are float64 and drawn from fixed seeds, away from the points where an op is not differentiable.
 */
final class OpCases {
    private OpCases() {
    }

    /** One op applied to fixed inputs; {@code op} is the name of the public method the case covers. */
    record Case(String op, String label, Function<Tensor[], Tensor> f, Tensor[] inputs) {
        @Override
        public String toString() {
            return op + ": " + label;
        }
    }

    private static final List<Case> CASES = new ArrayList<>();
    private static final Random RNG = new Random(20261123);

    /** The fixed input [1, 2, 4, 4] of the maxPool2dBackward cases, distinct values from a seed of its own. */
    private static final Tensor POOLED = Tensor.randn(DType.FLOAT64, new java.util.Random(23), 1, 2, 4, 4);

    /** Uniform in [-1, 1]. */
    static Tensor any(int... shape) {
        return fill(shape, () -> 2 * RNG.nextDouble() - 1);
    }

    /** Uniform in [0.5, 2]: for log, sqrt, fractional powers and denominators. */
    static Tensor positive(int... shape) {
        return fill(shape, () -> 0.5 + 1.5 * RNG.nextDouble());
    }

    /** |x| in [0.1, 1] with random sign: away from the kink at 0 of relu, abs and friends. */
    static Tensor awayFromZero(int... shape) {
        return fill(shape, () -> (RNG.nextBoolean() ? 1 : -1) * (0.1 + 0.9 * RNG.nextDouble()));
    }

    private static Tensor fill(int[] shape, java.util.function.DoubleSupplier s) {
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = s.getAsDouble();
        }
        return Tensor.of(DType.FLOAT64, v, shape);
    }

    private static void add(String op, String label, Function<Tensor[], Tensor> f, Tensor... inputs) {
        CASES.add(new Case(op, label, f, inputs));
    }

    static List<Case> all() {
        return List.copyOf(CASES);
    }

    static {
        // Binary arithmetic, with every broadcasting pattern: equal, row [1,n], column [m,1], scalar, lower rank.
        for (String op : List.of("add", "sub", "mul", "div")) {
            Function<Tensor[], Tensor> f = switch (op) {
                case "add" -> in -> in[0].add(in[1]);
                case "sub" -> in -> in[0].sub(in[1]);
                case "mul" -> in -> in[0].mul(in[1]);
                default -> in -> in[0].div(in[1]);
            };
            boolean div = op.equals("div");
            add(op, "[3,4] and [3,4]", f, any(3, 4), div ? positive(3, 4) : any(3, 4));
            add(op, "[3,4] and row [1,4]", f, any(3, 4), div ? positive(1, 4) : any(1, 4));
            add(op, "[3,4] and column [3,1]", f, any(3, 4), div ? positive(3, 1) : any(3, 1));
            add(op, "row [1,4] and [3,4]", f, div ? any(1, 4) : any(1, 4), div ? positive(3, 4) : any(3, 4));
            add(op, "[3,4] and scalar []", f, any(3, 4), div ? positive() : any());
            add(op, "[2,3,4] and [4]", f, any(2, 3, 4), div ? positive(4) : any(4));
            add(op, "column [3,1] and row [1,4]", f, any(3, 1), div ? positive(1, 4) : any(1, 4));
        }
        add("add", "x + 0.5 (scalar)", in -> in[0].add(0.5), any(2, 3));
        add("sub", "x - 0.5 (scalar)", in -> in[0].sub(0.5), any(2, 3));
        add("mul", "x * -1.5 (scalar)", in -> in[0].mul(-1.5), any(2, 3));
        add("div", "x / 4 (scalar)", in -> in[0].div(4), any(2, 3));
        add("mul", "x * x (same tensor twice)", in -> in[0].mul(in[0]), any(2, 3));

        // Element-wise math.
        add("neg", "[2,3]", in -> in[0].neg(), any(2, 3));
        add("pow", "x^3", in -> in[0].pow(3), any(2, 3));
        add("pow", "x^0.5", in -> in[0].pow(0.5), positive(2, 3));
        add("pow", "x^-1.5", in -> in[0].pow(-1.5), positive(4));
        add("pow", "x^0", in -> in[0].pow(0), any(3));
        add("exp", "[2,3]", in -> in[0].exp(), any(2, 3));
        add("log", "[2,3]", in -> in[0].log(), positive(2, 3));
        add("sqrt", "[2,3]", in -> in[0].sqrt(), positive(2, 3));
        add("abs", "[2,3]", in -> in[0].abs(), awayFromZero(2, 3));
        add("clamp", "[-0.5, 0.5] on values inside and outside",
                in -> in[0].clamp(-0.5, 0.5), f64(new double[] {-0.9, -0.3, 0.1, 0.45, 0.7, -0.6}, 2, 3));
        add("log1p", "[2,3]", in -> in[0].log1p(), any(2, 3));
        add("expm1", "[2,3]", in -> in[0].expm1(), any(2, 3));
        add("softplus", "defaults (beta 1, threshold 20)", in -> in[0].mul(3).softplus(), any(3, 4));
        add("softplus", "beta 2, threshold 1: both sides of the switch to the identity",
                in -> in[0].softplus(2, 1), f64(new double[] {-0.9, -0.2, 0.1, 0.3, 0.7, 0.95}, 2, 3));
        add("silu", "[3,4]", in -> in[0].mul(3).silu(), any(3, 4));
        add("elu", "alpha 0.7", in -> in[0].mul(2).elu(0.7), awayFromZero(3, 4));
        add("hardtanh", "[-0.5, 0.4] on values inside and outside",
                in -> in[0].hardtanh(-0.5, 0.4), f64(new double[] {-0.9, -0.3, 0.1, 0.35, 0.7, -0.6}, 2, 3));
        add("maximum", "[3,4] and [3,4]", in -> in[0].maximum(in[1]), any(3, 4), any(3, 4));
        add("maximum", "[3,4] and row [1,4]", in -> in[0].maximum(in[1]), any(3, 4), any(1, 4));
        add("maximum", "column [3,1] and [2,3,4]", in -> in[0].maximum(in[1]), any(3, 1), any(2, 3, 4));
        add("minimum", "[3,4] and [3,4]", in -> in[0].minimum(in[1]), any(3, 4), any(3, 4));
        add("minimum", "[2,3,4] and [4]", in -> in[0].minimum(in[1]), any(2, 3, 4), any(4));
        Tensor mask34 = f64(new double[] {1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}, 3, 4);
        add("where", "[3,4] mask, a and b [3,4]", in -> Tensor.where(mask34, in[0], in[1]), any(3, 4), any(3, 4));
        add("where", "row mask [1,4], a [3,1], b []", in -> Tensor.where(f64(new double[] {0, 1, 1, 0}, 1, 4),
                in[0], in[1]), any(3, 1), any());
        add("where", "the same tensor on both sides", in -> Tensor.where(mask34, in[0].exp(), in[0].mul(in[0])),
                any(3, 4));
        Tensor bool34 = Tensor.of(new boolean[] {true, false, false, true, true, true, false, false, false, true,
                false, true}, 3, 4);
        add("where", "bool mask [3,4], a [3,4], b row [1,4]", in -> Tensor.where(bool34, in[0], in[1]), any(3, 4),
                any(1, 4));
        add("where", "bool column mask [3,1] from a comparison", in -> Tensor.where(
                Tensor.of(new double[] {-1, 2, 3}, 3, 1).gt(0), in[0], in[0].exp()), any(3, 4));
        add("maskedFill", "bool mask [3,4], -inf then softmax",
                in -> in[0].maskedFill(bool34.logicalNot(), Double.NEGATIVE_INFINITY).softmax(1), any(3, 4));
        add("maskedFill", "[3,4] with -2 where the mask is 1", in -> in[0].maskedFill(mask34, -2).mul(in[0]),
                any(3, 4));
        add("maskedFill", "-inf at a broadcast column mask [3,1], then softmax",
                in -> in[0].maskedFill(f64(new double[] {0, 1, 0}, 3, 1).t(), Double.NEGATIVE_INFINITY)
                        .softmax(1), any(2, 3));
        add("copy", "[2,3]", in -> in[0].copy().mul(in[0]), any(2, 3));
        add("to", "float64 to float64 is the identity", in -> in[0].to(DType.FLOAT64).mul(2), any(2, 3));

        // Matrix products, all four transpose combinations.
        add("matmul", "[3,4] x [4,2]", in -> in[0].matmul(in[1]), any(3, 4), any(4, 2));
        add("matmul", "[1,5] x [5,1]", in -> in[0].matmul(in[1]), any(1, 5), any(5, 1));
        add("matmul", "aᵀ·b, [4,3]ᵀ x [4,2]", in -> Tensor.matmul(in[0], true, in[1], false), any(4, 3), any(4, 2));
        add("matmul", "a·bᵀ, [3,4] x [2,4]ᵀ", in -> Tensor.matmul(in[0], false, in[1], true), any(3, 4), any(2, 4));
        add("matmul", "aᵀ·bᵀ, [4,3]ᵀ x [2,4]ᵀ", in -> Tensor.matmul(in[0], true, in[1], true), any(4, 3), any(2, 4));
        add("matmul", "x·W, W used twice", in -> in[0].matmul(in[1]).matmul(in[1]), any(2, 3), any(3, 3));
        add("bmm", "[2,3,4] x [2,4,2]", in -> in[0].bmm(in[1]), any(2, 3, 4), any(2, 4, 2));
        add("bmm", "a transpose(1, 2) view on the left (the kernel's flag)", in -> in[0].transpose(1, 2).bmm(in[1]),
                any(2, 4, 3), any(2, 4, 2));
        add("bmm", "a transpose(1, 2) view on the right", in -> in[0].bmm(in[1].transpose(-1, -2)), any(3, 2, 4),
                any(3, 2, 4));
        add("bmm", "batches at an offset (narrow) and strided (permute)",
                in -> in[0].narrow(0, 1, 2).bmm(in[1].permute(1, 0, 2)), any(3, 3, 4), any(4, 2, 2));
        add("bmm", "an expanded batch (stride 0) and the same tensor twice",
                in -> in[0].expand(3, 2, 4).bmm(in[1].transpose(1, 2)).mul(in[1].bmm(in[1].transpose(1, 2))
                        .narrow(2, 0, 2)), any(1, 2, 4), any(3, 2, 4));
        add("bmm", "one batch, vectors [1,1,3] x [1,3,1]", in -> in[0].bmm(in[1]), any(1, 1, 3), any(1, 3, 1));
        add("matmul", "[2,3,4] x [4,2]: batch folded into rows", in -> in[0].matmul(in[1]), any(2, 3, 4), any(4, 2));
        add("matmul", "[2,1,3,2] x [3,2,2]: batches broadcast to [2,3]", in -> in[0].matmul(in[1]), any(2, 1, 3, 2),
                any(3, 2, 2));
        add("matmul", "[3,4] x [2,4,2]: a matrix broadcast over batches", in -> in[0].matmul(in[1]), any(3, 4),
                any(2, 4, 2));
        add("matmul", "[2,4,3]ᵀ x [2,4,2]: a transposed batch view", in -> in[0].transpose(1, 2).matmul(in[1]),
                any(2, 4, 3), any(2, 4, 2));
        add("matmul", "[3] x [3]: the dot product", in -> in[0].matmul(in[1]), any(3), any(3));
        add("matmul", "[3] x [3,2]: vector-matrix", in -> in[0].matmul(in[1]), any(3), any(3, 2));
        add("matmul", "[2,3] x [3]: matrix-vector", in -> in[0].matmul(in[1]), any(2, 3), any(3));
        add("matmul", "[4] x [2,4,3]: a vector against batches", in -> in[0].matmul(in[1]), any(4), any(2, 4, 3));
        add("matmul", "[2,3,4] x [4]: batches against a vector", in -> in[0].matmul(in[1]), any(2, 3, 4), any(4));
        add("linear", "x·Wᵀ + b, [3,4] [2,4] [2]", in -> Tensor.linear(in[0], in[1], in[2]), any(3, 4), any(2, 4),
                any(2));
        add("linear", "x·Wᵀ without bias, [1,5] [3,5]", in -> Tensor.linear(in[0], in[1], null), any(1, 5),
                any(3, 5));
        add("linear", "a sequence [2,3,4] x [2,4]ᵀ + b (rows flattened)", in -> Tensor.linear(in[0], in[1], in[2]),
                any(2, 3, 4), any(2, 4), any(2));
        add("linear", "a vector [4] without bias", in -> Tensor.linear(in[0], in[1], null), any(4), any(3, 4));
        add("linear", "a transposed [3,4,2] input (flattening copies)",
                in -> Tensor.linear(in[0].transpose(0, 1), in[1], in[2]), any(3, 2, 4), any(3, 4), any(3));
        add("linear", "x·Wᵀ + b, W and b used twice", in -> Tensor.linear(Tensor.linear(in[0], in[1], in[2]), in[1], in[2]),
                any(3, 3), any(3, 3), any(3));

        // Einstein summation (composed of permute, reshape, sum, mul and bmm; checked as a whole).
        add("einsum", "bij,bjk->bik (bmm)", in -> Tensor.einsum("bij,bjk->bik", in[0], in[1]), any(2, 3, 4),
                any(2, 4, 2));
        add("einsum", "bhqd,bhkd->bhqk (attention scores)", in -> Tensor.einsum("bhqd,bhkd->bhqk", in[0], in[1]),
                any(1, 2, 3, 2), any(1, 2, 4, 2));
        add("einsum", "ij,j->i (matrix-vector)", in -> Tensor.einsum("ij,j->i", in[0], in[1]), any(3, 4), any(4));
        add("einsum", "i,i-> (dot)", in -> Tensor.einsum("i,i->", in[0], in[1]), any(3), any(3));
        add("einsum", "bi,bj->bij (outer)", in -> Tensor.einsum("bi,bj->bij", in[0], in[1]), any(2, 3), any(2, 2));
        add("einsum", "ij->ji (one operand: a transpose)", in -> Tensor.einsum("ij->ji", in[0]), any(2, 3));
        add("einsum", "ii-> (trace) and ij->j (a sum)", in -> Tensor.einsum("ii->", in[0])
                .add(Tensor.einsum("ij->j", in[0])), any(3, 3));
        add("einsum", "ij,jk (implicit output ik)", in -> Tensor.einsum("ij,jk", in[0], in[1]), any(2, 3), any(3, 2));
        add("einsum", "ijk,jl->li (k summed in one operand first)", in -> Tensor.einsum("ijk,jl->li", in[0], in[1]),
                any(2, 3, 2), any(3, 2));
        add("einsum", "ij,jk,kl->il (three operands, left to right)",
                in -> Tensor.einsum("ij,jk,kl->il", in[0], in[1], in[2]), any(2, 3), any(3, 2), any(2, 2));

        // Shape ops.
        add("t", "[3,4]", in -> in[0].t(), any(3, 4));
        add("transpose", "[2,3,4] dims 0 and 2", in -> in[0].transpose(0, 2), any(2, 3, 4));
        add("transpose", "[3,4] dims -1 and 0", in -> in[0].transpose(-1, 0), any(3, 4));
        add("permute", "[2,3,2,2] to (3,1,0,2)", in -> in[0].permute(3, 1, 0, 2), any(2, 3, 2, 2));
        add("reshape", "[2,6] to [3,-1]", in -> in[0].reshape(3, -1).mul(in[0].reshape(3, 4)), any(2, 6));
        add("flatten", "[2,3,2] to [12]", in -> in[0].flatten(), any(2, 3, 2));
        add("flatten", "[2,3,2] from dim 1", in -> in[0].flatten(1), any(2, 3, 2));
        add("narrow", "[4,5] dim 1, 1..3", in -> in[0].narrow(1, 1, 3), any(4, 5));
        add("narrow", "[4,5] dim 0, first row", in -> in[0].narrow(0, 0, 1), any(4, 5));
        add("narrow", "[2,3,4] dim 2, last two", in -> in[0].narrow(-1, 2, 2), any(2, 3, 4));
        add("view", "[2,6] to [3,4] (contiguous: shares storage)", in -> in[0].view(3, 4).mul(in[0].view(-1, 3)
                .reshape(3, 4)), any(2, 6));
        add("view", "a transpose viewed as [4,1,3] (strides allow it)", in -> in[0].t().view(4, 1, 3).exp(),
                any(3, 4));
        add("reshape", "a transpose flattened (must copy)", in -> in[0].t().reshape(12).mul(in[0].reshape(12)),
                any(3, 4));
        add("contiguous", "a transpose made contiguous", in -> in[0].t().contiguous().mul(in[0].t()), any(3, 4));
        add("contiguous", "already contiguous: the same tensor", in -> in[0].contiguous().exp(), any(2, 3));
        add("select", "[3,4] row 1", in -> in[0].select(0, 1), any(3, 4));
        add("select", "[2,3,4] dim -1 index -2", in -> in[0].select(-1, -2).exp(), any(2, 3, 4));
        add("select", "two rows of one tensor, used together", in -> in[0].select(0, 0).mul(in[0].select(0, 2)),
                any(3, 4));
        add("squeeze", "[1,3,1,2] all size-1 dimensions", in -> in[0].squeeze().exp(), any(1, 3, 1, 2));
        add("squeeze", "[3,1,2] dim 1", in -> in[0].squeeze(1).mul(in[0].squeeze(1)), any(3, 1, 2));
        add("unsqueeze", "[3,2] at 1", in -> in[0].unsqueeze(1).exp(), any(3, 2));
        add("unsqueeze", "a transpose at -1", in -> in[0].t().unsqueeze(-1).mul(in[0].t().unsqueeze(1)), any(2, 3));
        add("split", "[3,5] in pieces of 2 along dim 1", in -> {
            List<Tensor> p = in[0].split(2, 1);
            return p.get(0).mul(p.get(1)).add(p.get(2).exp());
        }, any(3, 5));
        add("chunk", "[4,3] in 2 chunks along dim 0", in -> {
            List<Tensor> p = in[0].chunk(2, 0);
            return p.get(0).mul(p.get(1).tanh());
        }, any(4, 3));
        add("unbind", "[3,2,2] along dim 0, every slice", in -> {
            List<Tensor> p = in[0].unbind(0);
            return p.get(0).mul(p.get(1)).add(p.get(2).exp());
        }, any(3, 2, 2));
        add("unbind", "[2,3] along dim 1 (strided slices)", in -> {
            List<Tensor> p = in[0].unbind(1);
            return p.get(0).mul(p.get(1)).mul(p.get(2));
        }, any(2, 3));
        add("narrow", "two overlapping slices of one tensor", in -> in[0].narrow(1, 0, 3).mul(in[0].narrow(1, 1, 3)),
                any(2, 4));
        add("concat", "[2,3] and [1,3] along 0", in -> Tensor.concat(List.of(in[0], in[1]), 0), any(2, 3), any(1, 3));
        add("concat", "three along dim 1", in -> Tensor.concat(List.of(in[0], in[1], in[0]), 1),
                any(2, 2), any(2, 3));
        add("concat", "[2,2,3] along dim 1", in -> Tensor.concat(List.of(in[0], in[1]), 1), any(2, 2, 3), any(2, 1, 3));
        add("cat", "[2,3,2] and [2,3,1] along -1", in -> Tensor.cat(List.of(in[0], in[1]), -1), any(2, 3, 2),
                any(2, 3, 1));
        add("cat", "[1,3] and [2,3] along 0", in -> Tensor.cat(List.of(in[0], in[1]), 0), any(1, 3), any(2, 3));
        add("stack", "three [2,3] along 0", in -> Tensor.stack(List.of(in[0], in[1], in[0]), 0), any(2, 3),
                any(2, 3));
        add("stack", "two [2,3] along -1 (a new last dimension)", in -> Tensor.stack(List.of(in[0], in[1]), -1),
                any(2, 3), any(2, 3));
        add("flip", "[3,4] dim 1", in -> in[0].flip(1), any(3, 4));
        add("flip", "[2,3,2] dims 0 and -1", in -> in[0].flip(0, -1).mul(in[0]), any(2, 3, 2));
        add("indexSelect", "rows 2, 0, 2 (a repeat)", in -> in[0].indexSelect(2, 0, 2), any(3, 4));
        add("indexSelect", "rows of [4,2,3]", in -> in[0].indexSelect(3, 1), any(4, 2, 3));
        add("indexAdd", "into 3 rows, with a repeat", in -> ShapeOps.indexAdd(in[0], new int[] {1, 0, 1, 2}, 3),
                any(4, 2));
        Tensor rows3 = Tensor.of(new int[] {2, 0, 2}, 3);
        Tensor gather23 = Tensor.of(new int[] {1, 0, 3, 3, 2, 0}, 2, 3);
        add("gather", "[2,4] along dim 1 with a repeat", in -> in[0].gather(1, gather23), any(2, 4));
        add("gather", "[3,2,2] along dim 0, index [2,2,2] (smaller along dim 0)",
                in -> in[0].gather(0, Tensor.of(new int[] {2, 0, 1, 1, 0, 0, 2, 1}, 2, 2, 2)), any(3, 2, 2));
        add("scatter", "[2,4] along dim 1 (distinct positions)",
                in -> in[0].scatter(1, Tensor.of(new int[] {3, 0, 1, 2}, 2, 2), in[1]), any(2, 4), any(2, 2));
        add("scatter", "[3,2] along dim 0, the input used again",
                in -> in[0].scatter(0, Tensor.of(new int[] {2, 0}, 1, 2), in[1]).mul(in[0]), any(3, 2), any(1, 2));
        add("scatterAdd", "[2,4] along dim 1 with a repeated position",
                in -> in[0].scatterAdd(1, gather23, in[1]), any(2, 4), any(2, 3));
        add("scatterAdd", "into zeros along dim 0",
                in -> Tensor.zeros(in[0].dtype(), 3, 2).scatterAdd(0, Tensor.of(new int[] {1, 1, 0, 2}, 2, 2), in[0]),
                any(2, 2));
        add("indexSelect", "int32 index along dim 1 of [2,3,2], a repeat", in -> in[0].indexSelect(1, rows3),
                any(2, 3, 2));
        add("indexSelect", "int32 index along dim 0", in -> in[0].indexSelect(0, rows3), any(3, 4));
        add("indexAdd", "int32 index along dim 1, a repeat", in -> in[0].indexAdd(1, rows3, in[1]), any(2, 4),
                any(2, 3));
        add("indexAdd", "int32 index along dim 0", in -> in[0].indexAdd(0, Tensor.of(new int[] {1}, 1), in[1])
                .mul(in[0]), any(3, 2), any(1, 2));
        add("topk", "largest 2 along dim 1 of [3,4]", in -> in[0].topk(2, 1, true).values(), any(3, 4));
        add("topk", "smallest 2 along dim 0 of [3,2,2]", in -> in[0].topk(2, 0, false).values().exp(),
                any(3, 2, 2));
        add("expand", "[1,4] to [3,4]", in -> in[0].expand(3, 4), any(1, 4));
        add("expand", "[3,1] to [2,3,5]", in -> in[0].expand(2, 3, 5), any(3, 1));
        add("sumTo", "[2,3,4] to [3,1]", in -> in[0].sumTo(3, 1), any(2, 3, 4));
        add("sumTo", "[3,4] to [1,4]", in -> in[0].sumTo(1, 4), any(3, 4));

        // Reductions.
        add("sum", "all of [2,3]", in -> in[0].sum(), any(2, 3));
        add("sum", "dim 0 of [3,4]", in -> in[0].sum(0, false), any(3, 4));
        add("sum", "dim 1 of [3,4], keepdim", in -> in[0].sum(1, true), any(3, 4));
        add("sum", "dim -2 of [2,3,4]", in -> in[0].sum(-2, false), any(2, 3, 4));
        add("mean", "all of [2,3]", in -> in[0].mean(), any(2, 3));
        add("mean", "dim 1 of [3,4]", in -> in[0].mean(1, false), any(3, 4));
        add("mean", "dim 0 of [2,3,2], keepdim", in -> in[0].mean(0, true), any(2, 3, 2));
        add("max", "all of [3,4]", in -> in[0].max(), any(3, 4));
        add("max", "dim 1 of [3,4]", in -> in[0].max(1, false), any(3, 4));
        add("max", "dim 0 of [3,4], keepdim", in -> in[0].max(0, true), any(3, 4));
        add("max", "dim 1 of [2,3,2]", in -> in[0].max(1, false), any(2, 3, 2));

        add("max", "all of [2,3,2] (a unique maximum)", in -> in[0].max(), any(2, 3, 2));
        add("amax", "all of [3,4]", in -> in[0].amax(), any(3, 4));
        add("amax", "dim 1 of [3,4]", in -> in[0].amax(1, false), any(3, 4));
        add("amax", "dim 0 of [2,3,2], keepdim", in -> in[0].amax(0, true), any(2, 3, 2));
        add("min", "all of [3,4]", in -> in[0].min(), any(3, 4));
        add("min", "dim 1 of [3,4], keepdim", in -> in[0].min(1, true), any(3, 4));
        add("amin", "all of [3,4]", in -> in[0].amin(), any(3, 4));
        add("amin", "dim -1 of [2,3,2]", in -> in[0].amin(-1, false), any(2, 3, 2));
        add("logsumexp", "dim 1 of [3,4]", in -> in[0].mul(3).logsumexp(1, false), any(3, 4));
        add("logsumexp", "dim 0 of [2,3,2], keepdim", in -> in[0].logsumexp(0, true), any(2, 3, 2));
        add("cumsum", "dim 1 of [3,4]", in -> in[0].cumsum(1).mul(in[0]), any(3, 4));
        add("cumsum", "dim 0 of [3,2,2]", in -> in[0].cumsum(0), any(3, 2, 2));
        add("reverseCumsum", "dim -1 of [2,3]", in -> ReductionOps.reverseCumsum(in[0], 1).mul(in[0]), any(2, 3));
        add("var", "all of [3,4]", in -> in[0].var(), any(3, 4));
        add("var", "dim 1 of [3,4], correction 0", in -> in[0].var(1, 0, false), any(3, 4));
        add("var", "dim 0 of [3,2,2], correction 1, keepdim", in -> in[0].var(0, 1, true), any(3, 2, 2));
        add("std", "all of [3,4]", in -> in[0].std(), any(3, 4));
        add("std", "dim -1 of [2,3,4], correction 1", in -> in[0].std(-1, 1, false), any(2, 3, 4));
        add("norm", "p 1, all of [3,4]", in -> in[0].norm(1), awayFromZero(3, 4));
        add("norm", "p 2, all of [3,4]", in -> in[0].norm(2), any(3, 4));
        add("norm", "p inf, all of [3,4]", in -> in[0].norm(Double.POSITIVE_INFINITY), any(3, 4));
        add("norm", "p 1, dim 0 of [3,4]", in -> in[0].norm(1, 0, false), awayFromZero(3, 4));
        add("norm", "p 2, dim 1 of [3,4], keepdim", in -> in[0].norm(2, 1, true), any(3, 4));
        add("norm", "p inf, dim -1 of [2,3,2]", in -> in[0].norm(Double.POSITIVE_INFINITY, -1, false),
                any(2, 3, 2));
        add("cosineSimilarity", "rows of [3,4]", in -> Tensor.cosineSimilarity(in[0], in[1], 1, 1e-8), any(3, 4),
                any(3, 4));
        add("cosineSimilarity", "[2,3,4] against [4] along -1", in -> Tensor.cosineSimilarity(in[0], in[1], -1, 1e-8),
                any(2, 3, 4), any(4));

        // Activations.
        add("relu", "[3,4]", in -> in[0].relu(), awayFromZero(3, 4));
        add("leakyRelu", "slope 0.1", in -> in[0].leakyRelu(0.1), awayFromZero(3, 4));
        add("sigmoid", "[3,4]", in -> in[0].mul(3).sigmoid(), any(3, 4));
        add("tanh", "[3,4]", in -> in[0].mul(2).tanh(), any(3, 4));
        add("erf", "[3,4]", in -> in[0].mul(2).erf(), any(3, 4));
        add("gelu", "[3,4]", in -> in[0].mul(3).gelu(), any(3, 4));
        add("gelu", "approximate tanh", in -> in[0].mul(3).gelu("tanh"), any(3, 4));
        add("gelu", "approximate none", in -> in[0].mul(3).gelu("none"), any(3, 4));
        add("softmax", "rows of [3,4]", in -> in[0].mul(3).softmax(1), any(3, 4));
        add("softmax", "columns of [3,4]", in -> in[0].softmax(0), any(3, 4));
        add("softmax", "dim 1 of [2,3,2]", in -> in[0].softmax(1), any(2, 3, 2));
        add("logSoftmax", "rows of [3,4]", in -> in[0].mul(3).logSoftmax(-1), any(3, 4));
        add("logSoftmax", "dim 0 of [2,3,2]", in -> in[0].logSoftmax(0), any(2, 3, 2));
        add("dropout", "p 0.4, training, seed 7", in -> in[0].dropout(0.4, true, new Random(7)), any(4, 5));
        add("dropout", "not training: identity", in -> in[0].dropout(0.4, false, new Random(7)), any(2, 3));

        // Convolution and pooling, every option, on shapes small enough for a full second-order Jacobian check.
        int[] one = {1, 1};
        int[] none = {0, 0};
        add("conv2d", "[2,2,4,4] * [3,2,3,3] + bias", in -> in[0].conv2d(in[1], in[2], 1, 0),
                any(2, 2, 4, 4), any(3, 2, 3, 3), any(3));
        add("conv2d", "stride 2, padding 1, no bias", in -> in[0].conv2d(in[1], null, 2, 1),
                any(1, 2, 5, 5), any(2, 2, 3, 3));
        add("conv2d", "dilation 2, padding [1,2]", in -> in[0].conv2d(in[1], in[2], one, new int[] {1, 2},
                new int[] {2, 2}, 1), any(1, 1, 5, 5), any(2, 1, 2, 2), any(2));
        add("conv2d", "2 groups, kernel 2x3, stride [2,1], padding [0,1], dilation [1,2]",
                in -> in[0].conv2d(in[1], in[2], new int[] {2, 1}, new int[] {0, 1}, new int[] {1, 2}, 2),
                any(1, 4, 5, 4), any(4, 2, 2, 3), any(4));
        add("conv2d", "depthwise (groups = channels)", in -> in[0].conv2d(in[1], null, one, one, one, 3),
                any(1, 3, 3, 3), any(3, 1, 2, 2));
        add("conv2d", "weight first (second order in the weight)", in -> in[1].conv2d(in[0], in[2], 2, 1),
                any(2, 2, 2, 2), any(1, 2, 4, 4), any(2));
        add("convTranspose2d", "[2,3,3,3] with [3,2,2,2] + bias", in -> in[0].convTranspose2d(in[1], in[2], 1, 0),
                any(2, 3, 3, 3), any(3, 2, 2, 2), any(2));
        add("convTranspose2d", "stride 2, padding 1, output padding 1, no bias",
                in -> in[0].convTranspose2d(in[1], null, new int[] {2, 2}, one, one, one, 1),
                any(1, 2, 3, 3), any(2, 2, 3, 3));
        add("convTranspose2d", "2 groups, dilation [2,1], stride [1,2]",
                in -> in[0].convTranspose2d(in[1], in[2], new int[] {1, 2}, none, none, new int[] {2, 1}, 2),
                any(1, 4, 3, 2), any(4, 1, 2, 2), any(2));
        add("convTranspose2d", "weight first (second order in the weight)",
                in -> in[1].convTranspose2d(in[0], null, 2, 0), any(2, 1, 2, 2), any(1, 2, 2, 3));
        add("maxPool2d", "2x2, stride 2", in -> in[0].maxPool2d(2), any(2, 2, 4, 4));
        add("maxPool2d", "3x3, stride 1, padding 1 (overlapping windows)",
                in -> in[0].maxPool2d(new int[] {3, 3}, one, one), any(1, 2, 4, 4));
        add("maxPool2d", "kernel [2,3], stride [1,2], padding [1,1]",
                in -> in[0].maxPool2d(new int[] {2, 3}, new int[] {1, 2}, one), any(1, 1, 4, 5));
        // Squared after pooling, the gradient reaching the pooling depends on x: the second-order check then
        // differentiates its backward op in that gradient (the rule of maxPool2dBackward), tiled and overlapping.
        add("maxPool2d", "2x2, stride 2, squared", in -> in[0].maxPool2d(2).pow(2), any(2, 2, 4, 4));
        add("maxPool2d", "3x3, stride 1, padding 1, squared",
                in -> in[0].maxPool2d(new int[] {3, 3}, one, one).pow(2), any(1, 2, 4, 4));
        // The op of maxPool2d's rule, in the gradient it spreads (x fixed: the maxima do not move with it).
        add("maxPool2dBackward", "2x2, stride 2 (windows tiling x)", in -> PoolOps.maxPool2dBackward(POOLED,
                new int[] {2, 2}, new int[] {2, 2}, none, in[0]).mul(in[0].sum()), any(1, 2, 2, 2));
        add("maxPool2dBackward", "3x3, stride 1, padding 1", in -> PoolOps.maxPool2dBackward(POOLED,
                new int[] {3, 3}, one, one, in[0]).mul(in[0].sum()), any(1, 2, 4, 4));
        add("avgPool2d", "2x2, stride 2", in -> in[0].avgPool2d(2), any(2, 2, 4, 4));
        add("avgPool2d", "kernel [3,2], stride [2,1], padding [1,1]",
                in -> in[0].avgPool2d(new int[] {3, 2}, new int[] {2, 1}, one), any(1, 2, 5, 4));

        // Losses.
        add("crossEntropy", "[4,5] logits", in -> Losses.crossEntropy(in[0].mul(2), new int[] {0, 4, 2, 2}),
                any(4, 5));
        add("crossEntropy", "[1,3] logits", in -> Losses.crossEntropy(in[0], new int[] {1}), any(1, 3));
        add("crossEntropy", "int32 label tensor", in -> Losses.crossEntropy(in[0], Tensor.of(new int[] {2, 0, 1}, 3)),
                any(3, 4));
        add("nllLoss", "int32 label tensor", in -> Losses.nllLoss(in[0].logSoftmax(1), Tensor.of(new int[] {3, 1}, 2)),
                any(2, 4));
        add("mse", "[3,4]", in -> Losses.mse(in[0], in[1]), any(3, 4), any(3, 4));
        Tensor classWeights = f64(new double[] {0.5, 2, 1, 1.5, 0.8}, 5);
        int[] someIgnored = {0, -100, 4, 2};
        add("crossEntropy", "class weights, an ignored row, label smoothing 0.1",
                in -> Losses.crossEntropy(in[0].mul(2), someIgnored, classWeights, -100, 0.1), any(4, 5));
        add("crossEntropy", "ignoreIndex 2, no weights",
                in -> Losses.crossEntropy(in[0], new int[] {0, 2, 1}, null, 2, 0), any(3, 4));
        add("crossEntropy", "probability targets (both differentiated)",
                in -> Losses.crossEntropy(in[0].mul(2), in[1].softmax(1)), any(4, 5), any(4, 5));
        add("crossEntropy", "probability targets, class weights, label smoothing 0.2",
                in -> Losses.crossEntropy(in[0], in[1].softmax(1), classWeights, 0.2), any(3, 5), any(3, 5));
        add("crossEntropyUnreduced", "class weights, an ignored row, label smoothing 0.1",
                in -> Losses.crossEntropyUnreduced(in[0], someIgnored, classWeights, -100, 0.1), any(4, 5));
        add("crossEntropyUnreduced", "probability targets with weights",
                in -> Losses.crossEntropyUnreduced(in[0], in[1].softmax(1), classWeights, 0), any(3, 5), any(3, 5));
        add("nllLoss", "log-probabilities [4,5]", in -> Losses.nllLoss(in[0].logSoftmax(1), new int[] {1, 0, 4, 4}),
                any(4, 5));
        add("nllLoss", "class weights and an ignored row", in -> Losses.nllLoss(in[0], someIgnored, classWeights, -100),
                any(4, 5));
        add("nllLossUnreduced", "class weights and an ignored row",
                in -> Losses.nllLossUnreduced(in[0], someIgnored, classWeights, -100), any(4, 5));
        add("binaryCrossEntropyWithLogits", "posWeight [4] over the last dimension",
                in -> Losses.binaryCrossEntropyWithLogits(in[0].mul(3), in[1],
                        f64(new double[] {0.5, 1, 2, 3}, 4)),
                any(3, 4), positive(3, 4).div(2));
        add("binaryCrossEntropyWithLogitsUnreduced", "no posWeight",
                in -> Losses.binaryCrossEntropyWithLogitsUnreduced(in[0].mul(3), in[1], null), any(3, 4),
                positive(3, 4).div(2));
        add("binaryCrossEntropyWithLogitsUnreduced", "posWeight [] (a scalar)",
                in -> Losses.binaryCrossEntropyWithLogitsUnreduced(in[0], in[1], Tensor.scalar(DType.FLOAT64, 2.5)),
                any(3, 4), positive(3, 4).div(2));
        add("klDiv", "log-probabilities against probabilities",
                in -> Losses.klDiv(in[0].logSoftmax(1), in[1].softmax(1), false), any(3, 4), any(3, 4));
        add("klDiv", "logTarget", in -> Losses.klDiv(in[0].logSoftmax(1), in[1].logSoftmax(1), true), any(3, 4),
                any(3, 4));
        add("klDivUnreduced", "a target with zeros (taken as 0·log 0 = 0)",
                in -> Losses.klDivUnreduced(in[0],
                        Tensor.of(in[0].dtype(), new double[] {0, 0.5, 0.5, 0, 1, 0}, 2, 3), false),
                any(2, 3));
        add("klDivUnreduced", "logTarget", in -> Losses.klDivUnreduced(in[0], in[1], true), any(2, 3), any(2, 3));
        Tensor pairs = f64(new double[] {1, -1, -1, 1}, 4);
        add("cosineEmbeddingLoss", "[4,3] pairs, margin -0.5 (every dissimilar pair counts)",
                in -> Losses.cosineEmbeddingLoss(in[0], in[1], pairs, -0.5), any(4, 3), any(4, 3));
        add("cosineEmbeddingLossUnreduced", "one pair [3], similar",
                in -> Losses.cosineEmbeddingLossUnreduced(in[0], in[1], Tensor.scalar(DType.FLOAT64, 1), 0),
                any(3), any(3));

        add("binaryCrossEntropyWithLogits", "logits and soft targets",
                in -> Losses.binaryCrossEntropyWithLogits(in[0].mul(3), in[1]), any(3, 4), positive(3, 4).div(2));
    }
}
