package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.tapegrad.core.TestTensors.assertClose;


import java.util.Random;
import org.junit.jupiter.api.Test;

/** einsum against the ops each equation stands for, and its errors. Gradients: OpCases. */
class EinsumTest {
    private final Random rng = new Random(17);

    private Tensor randn(int... shape) {
        return Tensor.randn(DType.FLOAT64, rng, shape);
    }

    @Test
    void productsAreTheMatrixProducts() {
        Tensor a = randn(2, 3, 4);
        Tensor b = randn(2, 4, 5);
        assertClose(a.bmm(b), Tensor.einsum("bij,bjk->bik", a, b));
        assertClose(a.bmm(b).transpose(1, 2), Tensor.einsum("bij,bjk->bki", a, b));
        Tensor q = randn(2, 3, 5, 4);
        Tensor k = randn(2, 3, 6, 4);
        assertClose(q.matmul(k.transpose(-1, -2)), Tensor.einsum("bhqd,bhkd->bhqk", q, k));
        Tensor m = randn(3, 4);
        Tensor v = randn(4);
        assertClose(m.matmul(v), Tensor.einsum("ij,j->i", m, v));
        assertClose(v.matmul(v), Tensor.einsum("i,i->", v, v));
        assertClose(m.matmul(Tensor.ones(DType.FLOAT64, 4, 2)), Tensor.einsum("ij,jk->ik", m,
                Tensor.ones(DType.FLOAT64, 4, 2)));
    }

    @Test
    void outerProductsTransposesTracesAndSums() {
        Tensor x = randn(2, 3);
        Tensor y = randn(2, 4);
        Tensor outer = Tensor.einsum("bi,bj->bij", x, y);
        assertArrayEquals(new int[] {2, 3, 4}, outer.shape());
        assertEquals(x.get(1, 2) * y.get(1, 3), outer.get(1, 2, 3), 1e-15);
        assertClose(x.t(), Tensor.einsum("ij->ji", x));
        assertClose(x.sum(0, false), Tensor.einsum("ij->j", x));
        assertClose(x.sum(), Tensor.einsum("ij->", x));
        Tensor s = randn(3, 3);
        assertEquals(s.get(0, 0) + s.get(1, 1) + s.get(2, 2), Tensor.einsum("ii->", s).item(), 1e-14);
        assertArrayEquals(new double[] {s.get(0, 0), s.get(1, 1), s.get(2, 2)}, Tensor.einsum("ii->i", s)
                .toDoubleArray(), 1e-15);
        Tensor a = randn(2, 3, 4);
        Tensor w = randn(3, 5);
        assertClose(a.sum(2, false).matmul(w).t(), Tensor.einsum("ijk,jl->li", a, w));
    }

    @Test
    void withoutAnArrowTheOutputIsTheLettersThatAppearOnceSorted() {
        Tensor m = randn(3, 4);
        Tensor n = randn(4, 2);
        assertClose(m.matmul(n), Tensor.einsum("ij,jk", m, n));
        assertClose(m.matmul(n), Tensor.einsum("kj,ji", n.t(), m.t())); // output "ik", not "ki": sorted
        assertClose(m.t(), Tensor.einsum("ba", m)); // output "ab": the transpose
        assertClose(m.sum(), Tensor.einsum("ij,ij", m, Tensor.ones(DType.FLOAT64, 3, 4)));
    }

    @Test
    void threeOperandsAreContractedLeftToRight() {
        Tensor a = randn(2, 3);
        Tensor b = randn(3, 4);
        Tensor c = randn(4, 5);
        assertClose(a.matmul(b).matmul(c), Tensor.einsum("ij,jk,kl->il", a, b, c));
    }

    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void errorsNameTheLetterAndTheSizes() {
        Tensor m = Tensor.zeros(2, 3);
        assertEquals("einsum: \"ij,jk->ik\": letter 'j' has sizes 3 and 4 (operand 1, shape [4, 5]); every dimension "
                + "a letter names must have one size", error(() -> Tensor.einsum("ij,jk->ik", m, Tensor.zeros(4, 5))));
        assertEquals("einsum: \"ij,jk->iz\": output letter 'z' appears in no operand",
                error(() -> Tensor.einsum("ij,jk->iz", m, Tensor.zeros(3, 5))));
        assertEquals("einsum: \"ijk->i\": operand 0 has shape [2, 3] (rank 2) but its subscripts \"ijk\" name 3 "
                + "dimensions", error(() -> Tensor.einsum("ijk->i", m)));
        assertEquals("einsum: \"ij,jk->ik\" has 2 operands, got 1 tensor", error(() -> Tensor.einsum("ij,jk->ik", m)));
        assertEquals("einsum: \"ij->ii\": output letter 'i' appears more than once",
                error(() -> Tensor.einsum("ij->ii", m)));
        assertEquals("einsum: \"ii->i\": letter 'i' has sizes 2 and 3 (operand 0, shape [2, 3]); every dimension a "
                + "letter names must have one size", error(() -> Tensor.einsum("ii->i", m)));
        assertEquals("einsum: \"...ij->ij\": '...' (broadcast dimensions) is not supported; name every dimension "
                + "with a letter", error(() -> Tensor.einsum("...ij->ij", m)));
        assertEquals("einsum: \"i1->i\": invalid subscript '1' (subscripts are the letters a-z and A-Z, operands "
                + "separated by ',', the output after '->')", error(() -> Tensor.einsum("i1->i", m)));
    }
}
