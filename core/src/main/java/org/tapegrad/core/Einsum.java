package org.tapegrad.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Einstein summation, PyTorch's {@code torch.einsum}: {@code out[o] = Σ_{s} Π_i operand_i[l_i]}, where each
 * operand's letters {@code l_i} name its dimensions, {@code o} are the output's letters and {@code s} every other
 * letter. "bij,bjk->bik" is a batched product, "ij->ji" a transpose, "ii->" a trace, "bi,bj->bij" an outer
 * product. Without "->" the output is every letter that appears once, in alphabetical (ASCII) order.
 *
 * <p>Composed of existing ops, so it needs no backward or forward rule of its own: a letter repeated within one
 * operand takes that operand's diagonal (a product with an identity mask, then a sum); a letter of one operand that
 * neither the output nor a later operand uses is summed out first; then the operands are contracted from left to
 * right, each pair permuted and reshaped to [batch, free, contracted] and [batch, contracted, free] for one
 * {@link Tensor#bmm}, whose result is reshaped back. Every letter must have one size (no broadcasting of size-1
 * dimensions), and "..." is not supported.
 */
final class Einsum {
    private Einsum() {
    }

    /** An operand with one letter per dimension (a value type; {@code letters.length() == t.rank()}). */
    private record Labeled(Tensor t, String letters) {
    }

    static Tensor einsum(String equation, Tensor... operands) {
        String eq = equation.replace(" ", "");
        if (eq.contains(".")) {
            throw new IllegalArgumentException("einsum: \"" + equation + "\": '...' (broadcast dimensions) is not "
                    + "supported; name every dimension with a letter");
        }
        int arrow = eq.indexOf("->");
        String lhs = arrow < 0 ? eq : eq.substring(0, arrow);
        String[] inputs = lhs.split(",", -1);
        if (inputs.length != operands.length) {
            throw new IllegalArgumentException("einsum: \"" + equation + "\" has " + inputs.length + " operand"
                    + (inputs.length == 1 ? "" : "s") + ", got " + operands.length + " tensor"
                    + (operands.length == 1 ? "" : "s"));
        }
        int[] sizes = new int[128];
        Arrays.fill(sizes, -1);
        int[] count = new int[128];
        List<Labeled> terms = new ArrayList<>();
        for (int i = 0; i < operands.length; i++) {
            Tensor t = operands[i];
            String letters = inputs[i];
            checkLetters(equation, letters);
            if (letters.length() != t.rank()) {
                throw new IllegalArgumentException("einsum: \"" + equation + "\": operand " + i + " has shape "
                        + Shape.str(t.shapeRef()) + " (rank " + t.rank() + ") but its subscripts \"" + letters
                        + "\" name " + letters.length() + " dimension" + (letters.length() == 1 ? "" : "s"));
            }
            for (int d = 0; d < letters.length(); d++) {
                char c = letters.charAt(d);
                int size = t.shapeRef()[d];
                if (sizes[c] >= 0 && sizes[c] != size) {
                    throw new IllegalArgumentException("einsum: \"" + equation + "\": letter '" + c + "' has sizes "
                            + sizes[c] + " and " + size + " (operand " + i + ", shape " + Shape.str(t.shapeRef())
                            + "); every dimension a letter names must have one size");
                }
                sizes[c] = size;
                count[c]++;
            }
            terms.add(new Labeled(t, letters));
        }
        String output = arrow < 0 ? implicitOutput(count) : eq.substring(arrow + 2);
        checkLetters(equation, output);
        for (int d = 0; d < output.length(); d++) {
            char c = output.charAt(d);
            if (sizes[c] < 0) {
                throw new IllegalArgumentException("einsum: \"" + equation + "\": output letter '" + c
                        + "' appears in no operand");
            }
            if (output.indexOf(c) != d) {
                throw new IllegalArgumentException("einsum: \"" + equation + "\": output letter '" + c
                        + "' appears more than once");
            }
        }
        Labeled acc = null;
        for (int i = 0; i < terms.size(); i++) {
            String later = output + String.join("", inputs).substring(lengthOf(inputs, i + 1));
            Labeled term = sumOut(diagonals(terms.get(i)), later + (acc == null ? "" : acc.letters()));
            acc = acc == null ? term : contract(sumOut(acc, later + term.letters()), term, later);
        }
        acc = sumOut(acc, output);
        int[] order = new int[output.length()];
        for (int d = 0; d < order.length; d++) {
            order[d] = acc.letters().indexOf(output.charAt(d));
        }
        return acc.t().permute(order);
    }

    /** The number of letters in subscripts 0 to {@code upTo - 1}. */
    private static int lengthOf(String[] inputs, int upTo) {
        int n = 0;
        for (int i = 0; i < upTo; i++) {
            n += inputs[i].length();
        }
        return n;
    }

    private static void checkLetters(String equation, String letters) {
        for (int d = 0; d < letters.length(); d++) {
            char c = letters.charAt(d);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
                throw new IllegalArgumentException("einsum: \"" + equation + "\": invalid subscript '" + c
                        + "' (subscripts are the letters a-z and A-Z, operands separated by ',', the output after "
                        + "'->')");
            }
        }
    }

    /** NumPy's and PyTorch's implicit output: the letters that appear exactly once, sorted. */
    private static String implicitOutput(int[] count) {
        StringBuilder sb = new StringBuilder();
        for (char c = 'A'; c <= 'z'; c++) {
            if (count[c] == 1) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The operand with each letter it repeats taken once: its diagonal along those dimensions. */
    private static Labeled diagonals(Labeled x) {
        String letters = x.letters();
        for (int q = 0; q < letters.length(); q++) {
            int p = letters.indexOf(letters.charAt(q));
            if (p < q) { // dimensions p and q share a letter (and so a size): keep their diagonal, drop q
                Tensor t = x.t();
                int n = t.shapeRef()[q];
                int[] shape = new int[t.rank()];
                Arrays.fill(shape, 1);
                shape[p] = n;
                shape[q] = n;
                double[] eye = new double[n * n];
                for (int i = 0; i < n; i++) {
                    eye[i * n + i] = 1;
                }
                Tensor diagonal = t.mul(Tensor.of(t.dtype(), eye, shape)).sum(q, false);
                return diagonals(new Labeled(diagonal, letters.substring(0, q) + letters.substring(q + 1)));
            }
        }
        return x;
    }

    /** x with every dimension whose letter is not in {@code keep} summed out. */
    private static Labeled sumOut(Labeled x, String keep) {
        Tensor t = x.t();
        StringBuilder letters = new StringBuilder(x.letters());
        for (int d = letters.length() - 1; d >= 0; d--) {
            if (keep.indexOf(letters.charAt(d)) < 0) {
                t = t.sum(d, false);
                letters.deleteCharAt(d);
            }
        }
        return new Labeled(t, letters.toString());
    }

    /**
     * The product of a and b summed over the letters they share that {@code keep} does not name, as one batched
     * product: letters of both that {@code keep} names are the batch, those of one operand only its free rows or
     * columns. Each operand's letters are already either in the other or in {@code keep} (see {@link #sumOut}).
     */
    private static Labeled contract(Labeled a, Labeled b, String keep) {
        StringBuilder batch = new StringBuilder();
        StringBuilder summed = new StringBuilder();
        StringBuilder freeA = new StringBuilder();
        StringBuilder freeB = new StringBuilder();
        for (char c : a.letters().toCharArray()) {
            if (b.letters().indexOf(c) < 0) {
                freeA.append(c);
            } else if (keep.indexOf(c) >= 0) {
                batch.append(c);
            } else {
                summed.append(c);
            }
        }
        for (char c : b.letters().toCharArray()) {
            if (a.letters().indexOf(c) < 0) {
                freeB.append(c);
            }
        }
        Tensor left = arrange(a, batch, freeA, summed);
        Tensor right = arrange(b, batch, summed, freeB);
        Tensor product = left.bmm(right);
        int[] shape = concat(sizes(a, batch), sizes(a, freeA), sizes(b, freeB));
        return new Labeled(product.reshape(shape), batch.toString() + freeA + freeB);
    }

    /** x permuted to the letter groups (batch, rows, cols) and reshaped to [B, R, C], the products of their sizes. */
    private static Tensor arrange(Labeled x, CharSequence batch, CharSequence rows, CharSequence cols) {
        String order = "" + batch + rows + cols;
        int[] perm = new int[order.length()];
        for (int d = 0; d < perm.length; d++) {
            perm[d] = x.letters().indexOf(order.charAt(d));
        }
        return x.t().permute(perm).reshape(Shape.numel(sizes(x, batch)), Shape.numel(sizes(x, rows)),
                Shape.numel(sizes(x, cols)));
    }

    private static int[] sizes(Labeled x, CharSequence letters) {
        int[] s = new int[letters.length()];
        for (int d = 0; d < s.length; d++) {
            s[d] = x.t().shapeRef()[x.letters().indexOf(letters.charAt(d))];
        }
        return s;
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
