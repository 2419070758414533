package org.tapegrad.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.data.Matrix;
import org.tapegrad.core.internal.kernel.BinaryFn;
import org.tapegrad.core.internal.kernel.Shape;
import org.tapegrad.core.internal.kernel.UnaryFn;

/**
 * An n-dimensional array (rank 0 to 8) of float32, float64, int32 or bool values: a {@link Storage} (an EJML dense matrix) seen
 * through an offset, a shape and strides. Element {@code (i_0, ..., i_{r-1})} is element
 * {@code offset + Σ i_k·strides[k]} of the storage. A tensor an op computes is contiguous (row-major, offset 0), and
 * its storage is then an EJML matrix whose rows are the first dimension and whose columns are the product of the
 * others: a {@code [N, C, H, W]} batch is an {@code N × (C·H·W)} matrix, used by EJML and the matrix kernel as it is.
 *
 * <p>Every factory makes float32 unless it is given a {@link DType}, as PyTorch's default dtype is float32:
 * {@code Tensor.of(new double[] {1, 2}, 2)} is float32, {@code Tensor.of(DType.FLOAT64, new double[] {1, 2}, 2)}
 * float64. An op on a float32 and a float64 tensor computes in float64 (PyTorch's type promotion; a rank-0 tensor
 * does not promote one with dimensions, and a Java {@code double} argument never promotes), and each input's
 * gradient arrives in its own dtype.
 *
 * <p>View ops share the storage of their input and copy nothing: {@link #reshape} and {@link #view} of contiguous
 * data, {@link #narrow}, {@link #select}, {@link #split}, {@link #chunk}, {@link #unbind}, {@link #transpose},
 * {@link #permute}, {@link #t}, {@link #expand} (stride 0), {@link #squeeze} and {@link #unsqueeze}. An in-place
 * change through any view is seen by all of them (and bumps their shared version, so a recorded op that saved one
 * refuses to run its backward). {@link #contiguous()} copies only a tensor that is not laid out row-major.
 *
 * <p>Every op returns a new tensor. Inside {@link Tape#record()}, an op on a tensor that requires grad is
 * recorded together with its backward rule, so that {@link Tape#backward} can compute gradients:
 *
 * <pre>{@code
 * jshell> var rng = new java.util.Random(0);
 * jshell> var w = Tensor.randn(rng, 3, 2).requiresGrad(true);
 * jshell> try (var tape = Tape.record()) { tape.backward(Tensor.ones(4, 3).matmul(w).relu().sum()); }
 * jshell> w.grad()
 * }</pre>
 *
 * <p>Names and semantics follow PyTorch: {@code matmul}, {@code logSoftmax}, broadcasting, {@code keepdim},
 * negative dimensions counted from the end. The Javadoc of each op gives its gradient.
 */
public final class Tensor {
    /** The largest rank a tensor may have: shapes have 0 to MAX_RANK dimensions. */
    public static final int MAX_RANK = Shape.MAX_RANK;

    private final Storage storage;
    /** Index of element (0, ..., 0) in the storage. */
    private final int offset;
    private final int[] shape;
    /** Storage steps per dimension; null for row-major strides (made by {@link #stridesRef()} when asked). */
    private int[] strides;
    /** Row-major layout (any offset): element i of the row-major order is storage element offset + i. */
    private final boolean contiguous;
    private final DType dtype;
    /** The rows × cols matrix over the storage of a contiguous tensor at offset 0; made on first use. */
    private Matrix matrix;

    /** requiresGrad, gradFn, grad, retainGrad and hooks; null for a tensor that never needed any. */
    private AutogradMeta autograd;

    /** A contiguous tensor over all of {@code storage}, whose matrix has the rows and columns of {@code shape}. */
    Tensor(Storage storage, DType dtype, int[] shape) {
        this.storage = storage;
        this.offset = 0;
        this.shape = shape;
        this.contiguous = true;
        this.dtype = dtype;
    }

    /** A view of {@code storage}; {@code strides} null means row-major. */
    private Tensor(Storage storage, DType dtype, int offset, int[] shape, int[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.contiguous = strides == null || Shape.isRowMajor(shape, strides);
        this.strides = strides;
        this.dtype = dtype;
    }

    /** A new zero-filled tensor on the heap (no validation: the caller computed the shape). */
    static Tensor empty(DType dtype, int[] shape) {
        return new Tensor(new Storage(dtype.kernels().create(Shape.rows(shape), Shape.cols(shape))), dtype, shape);
    }

    /**
     * A new zero-filled tensor for the result of an op: lent by the current thread's {@link Workspace} step if one
     * is open, from the heap otherwise.
     */
    static Tensor output(DType dtype, int[] shape) {
        Workspace w = GradState.get().workspace;
        return w == null ? empty(dtype, shape) : w.lend(dtype, shape, true);
    }

    /**
     * {@link #output} for an op that writes every element: storage lent by a workspace is not zero-filled first
     * (it holds a previous step's values until the op overwrites them).
     */
    static Tensor uninitializedOutput(DType dtype, int[] shape) {
        Workspace w = GradState.get().workspace;
        return w == null ? empty(dtype, shape) : w.lend(dtype, shape, false);
    }

    /**
     * A tensor over this one's storage with another offset, shape and strides (a view op, or a detach); it lives
     * as long as that storage. {@code newStrides} null means row-major.
     */
    Tensor view(int newOffset, int[] newShape, int[] newStrides) {
        return new Tensor(storage, dtype, newOffset, newShape, newStrides);
    }

    /** The storage shared with every view of this tensor. */
    Storage storage() {
        return storage;
    }

    /** The storage's matrix, for a strided kernel (with {@link #offset()} and {@link #stridesRef()}); throws once
     *  released. */
    Matrix storageMatrix() {
        return storage.matrix(dtype, shape);
    }

    /** Index of element (0, ..., 0) in the storage. */
    int offset() {
        return offset;
    }

    /** The strides (not a copy: do not modify). */
    int[] stridesRef() {
        int[] s = strides;
        if (s == null) {
            s = strides = Shape.strides(shape);
        }
        return s;
    }

    /** Contiguous at offset 0: the storage's first numel elements are this tensor, row-major. */
    boolean isDense() {
        return contiguous && offset == 0;
    }

    /**
     * The rows × cols matrix of a tensor that is contiguous at offset 0 (the result an op just created, a
     * parameter), shared with the storage, to write into or read; throws on other views, whose elements are not
     * laid out so (read those with {@link #contiguousData()}). Throws when a workspace step that lent the storage
     * has ended.
     */
    Matrix matrix() {
        Matrix m = matrix;
        if (m != null && !storage.isReleased()) {
            return m;
        }
        Matrix s = storage.matrix(dtype, shape);
        if (!isDense()) {
            throw new IllegalStateException("internal: a " + Shape.str(shape) + " view at offset " + offset
                    + " with strides " + Shape.str(stridesRef()) + " has no matrix of its own; read it with "
                    + "contiguousData()");
        }
        int rows = Shape.rows(shape);
        int cols = Shape.cols(shape);
        m = s.getNumRows() == rows && s.getNumCols() == cols ? s : dtype.kernels().wrap(s, rows, cols);
        matrix = m;
        return m;
    }

    /**
     * This tensor's values as a row-major rows × cols matrix, for a kernel that reads contiguous input: the
     * storage's own matrix when the tensor is contiguous at offset 0, otherwise a contiguous copy (lent by the
     * current workspace step, if one is open). Never write into it.
     */
    Matrix contiguousData() {
        return isDense() ? matrix() : contiguousCopy().matrix();
    }

    /** A new contiguous tensor holding this one's values (not recorded). */
    Tensor contiguousCopy() {
        Tensor out = uninitializedOutput(dtype, shape);
        copyInto(out);
        return out;
    }

    /** Writes this tensor's values into {@code dst} (same shape and dtype, any layout), not recorded. */
    void copyInto(Tensor dst) {
        dtype.kernels().copyStrided(storage.matrix(dtype, shape), offset, stridesRef(),
                dst.storage.matrix(dst.dtype, dst.shape), dst.offset, dst.stridesRef(), shape);
    }

    /**
     * {@code this += g} element by element, through this tensor's layout (a view of a gradient buffer: the engine
     * accumulates a view's gradient into the buffer of the tensor it views). Same shape and dtype; not recorded,
     * no version change.
     */
    void accumulate(Tensor g) {
        Matrix m = storage.matrix(dtype, shape);
        int[] st = stridesRef();
        dtype.kernels().zip(BinaryFn.ADD, m, offset, st, g.storage.matrix(g.dtype, g.shape), g.offset,
                g.stridesRef(), m, offset, st, shape);
    }

    /** True once a {@link Workspace} step that lent this tensor its storage has ended. */
    boolean isReleased() {
        return storage.isReleased();
    }

    // ---------------------------------------------------------------------------------------------- factories

    /** Zeros of the given shape, float32. */
    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        return empty(Objects.requireNonNull(dtype, "dtype"), Shape.of(shape));
    }

    /** Ones of the given shape, float32. */
    public static Tensor ones(int... shape) {
        return full(DType.FLOAT32, 1, shape);
    }

    public static Tensor ones(DType dtype, int... shape) {
        return full(dtype, 1, shape);
    }

    /** A float32 tensor filled with {@code value}. */
    public static Tensor full(double value, int... shape) {
        return full(DType.FLOAT32, value, shape);
    }

    public static Tensor full(DType dtype, double value, int... shape) {
        Tensor t = zeros(dtype, shape);
        double v = dtype.isFloatingPoint() ? value : scalar(DType.FLOAT64, value).to(dtype).item();
        dtype.kernels().fill(t.matrix(), v);
        return t;
    }

    /** A rank-0 float32 tensor. */
    public static Tensor scalar(double value) {
        return full(DType.FLOAT32, value);
    }

    public static Tensor scalar(DType dtype, double value) {
        return full(dtype, value);
    }

    /** A float32 tensor holding a copy of {@code values} (row-major) in the given shape. */
    public static Tensor of(float[] values, int... shape) {
        Tensor t = zeros(DType.FLOAT32, checkCount("of", values.length, shape));
        DType.FLOAT32.kernels().fromFloatArray(values, t.matrix());
        return t;
    }

    /**
     * A float32 tensor holding {@code values} (row-major, rounded to float) in the given shape: float32 is the
     * default dtype, as {@code torch.tensor([...])} makes float32 from Python floats. For float64 say so:
     * {@code Tensor.of(DType.FLOAT64, values, shape)}.
     */
    public static Tensor of(double[] values, int... shape) {
        return of(DType.FLOAT32, values, shape);
    }

    /** A tensor of the given dtype holding {@code values} (row-major) in the given shape. */
    public static Tensor of(DType dtype, double[] values, int... shape) {
        if (!dtype.isFloatingPoint()) { // converted as to(dtype) converts: truncated or refused, never stored raw
            return of(DType.FLOAT64, values, shape).to(dtype);
        }
        Tensor t = zeros(dtype, checkCount("of", values.length, shape));
        dtype.kernels().fromDoubleArray(values, t.matrix());
        return t;
    }

    /** A float32 1-D tensor of the given values. */
    public static Tensor vector(float... values) {
        return of(values, values.length);
    }

    /** A float32 matrix from rows of equal length (the default dtype; see {@link #of(double[], int...)}). */
    public static Tensor of(double[][] rows) {
        return of(DType.FLOAT32, rows);
    }

    /** A matrix of the given dtype from rows of equal length, e.g. {@code Tensor.of(DType.FLOAT64, rows)}. */
    public static Tensor of(DType dtype, double[][] rows) {
        return of(dtype, flatten(rows), rows.length, rows.length == 0 ? 0 : rows[0].length);
    }

    /** A float32 matrix from rows of equal length. */
    public static Tensor of(float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] flat = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            checkRow(i, rows[i].length, cols);
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return of(flat, rows.length, cols);
    }

    /** An int32 tensor holding a copy of {@code values} (row-major) in the given shape: indices, labels. */
    public static Tensor of(int[] values, int... shape) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return of(DType.INT32, v, checkCount("of", values.length, shape));
    }

    /** A bool tensor holding a copy of {@code values} (row-major) in the given shape: a mask. */
    public static Tensor of(boolean[] values, int... shape) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i] ? 1 : 0;
        }
        return of(DType.BOOL, v, checkCount("of", values.length, shape));
    }

    /** The int32 vector {@code [0, 1, ..., end - 1]}, PyTorch's {@code arange(end)}. */
    public static Tensor arange(int end) {
        return arange(0, end);
    }

    /** The int32 vector {@code [start, start + 1, ..., end - 1]} (empty when end &lt;= start). */
    public static Tensor arange(int start, int end) {
        int n = Math.max(0, end - start);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i;
        }
        return of(v, n);
    }

    /** Uniform samples in [0, 1) from {@code rng} (a seeded {@code Random} or {@code SplittableRandom}), float32. */
    public static Tensor rand(RandomGenerator rng, int... shape) {
        return rand(DType.FLOAT32, rng, shape);
    }

    public static Tensor rand(DType dtype, RandomGenerator rng, int... shape) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("rand: draws floating-point values, not " + dtype + " ones; ask for "
                    + "FLOAT32 or FLOAT64 (and convert with .to(DType) if you need " + dtype + ")");
        }
        int[] s = Shape.of(shape);
        double[] v = new double[Shape.numel(s)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble();
        }
        return of(dtype, v, s);
    }

    /** Standard normal samples from {@code rng}, float32. */
    public static Tensor randn(RandomGenerator rng, int... shape) {
        return randn(DType.FLOAT32, rng, shape);
    }

    public static Tensor randn(DType dtype, RandomGenerator rng, int... shape) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("randn: draws floating-point values, not " + dtype + " ones; ask for "
                    + "FLOAT32 or FLOAT64 (and convert with .to(DType) if you need " + dtype + ")");
        }
        int[] s = Shape.of(shape);
        double[] v = new double[Shape.numel(s)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return of(dtype, v, s);
    }

    /** A tensor that shares the storage of an EJML matrix (float32), with shape [rows, cols]. */
    public static Tensor wrap(FMatrixRMaj m) {
        return new Tensor(new Storage(m), DType.FLOAT32, new int[] {m.numRows, m.numCols});
    }

    /** A tensor that shares the storage of an EJML matrix (float64), with shape [rows, cols]. */
    public static Tensor wrap(DMatrixRMaj m) {
        return new Tensor(new Storage(m), DType.FLOAT64, new int[] {m.numRows, m.numCols});
    }

    private static int[] checkCount(String op, int count, int[] shape) {
        int[] s = Shape.of(shape);
        if (Shape.numel(s) != count) {
            throw new IllegalArgumentException(op + ": " + count + " values do not fill shape " + Shape.str(s)
                    + " (" + Shape.numel(s) + " elements)");
        }
        return s;
    }

    private static void checkRow(int i, int length, int cols) {
        if (length != cols) {
            throw new IllegalArgumentException("of: row " + i + " has " + length + " values, row 0 has " + cols);
        }
    }

    private static double[] flatten(double[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        double[] flat = new double[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            checkRow(i, rows[i].length, cols);
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return flat;
    }

    // ----------------------------------------------------------------------------------- shape and contents

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return shape[Shape.dim("size", dim, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return Shape.numel(shape);
    }

    public DType dtype() {
        return dtype;
    }

    /**
     * The storage as an EJML matrix of [first dimension] × [product of the others] (shared, not copied), for a
     * tensor that is contiguous at offset 0 (every tensor an op or a factory creates); float32 only.
     *
     * @throws IllegalStateException for another dtype, or for a view laid out otherwise (see {@link #contiguous()})
     */
    public FMatrixRMaj float32Matrix() {
        if (dtype != DType.FLOAT32) {
            throw new IllegalStateException("float32Matrix: this tensor is " + dtype);
        }
        checkDense("float32Matrix");
        return (FMatrixRMaj) matrix();
    }

    /** {@link #float32Matrix()} for float64. */
    public DMatrixRMaj float64Matrix() {
        if (dtype != DType.FLOAT64) {
            throw new IllegalStateException("float64Matrix: this tensor is " + dtype);
        }
        checkDense("float64Matrix");
        return (DMatrixRMaj) matrix();
    }

    private void checkDense(String op) {
        if (!isDense()) {
            throw new IllegalStateException(op + ": this " + Shape.str(shape) + " tensor is a view (offset "
                    + offset + ", strides " + Shape.str(stridesRef()) + ") of a larger or differently laid out "
                    + "storage, so it is not one matrix; call contiguous() first");
        }
    }

    /** Index in the storage of element (0, ..., 0), as PyTorch's {@code storage_offset()}: 0 except for views. */
    public int storageOffset() {
        return offset;
    }

    /** The strides: how many storage elements apart neighbours along each dimension are (a copy). */
    public int[] stride() {
        return stridesRef().clone();
    }

    /**
     * True when the elements are laid out row-major in the storage (from some offset), as a tensor an op computes
     * is; views such as {@code t()}, {@code expand} or a {@code narrow} of inner columns are not.
     */
    public boolean isContiguous() {
        return contiguous;
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item: the tensor has shape " + Shape.str(shape) + " (" + numel()
                    + " elements); item() needs exactly one");
        }
        return dtype.kernels().get(storage.matrix(dtype, shape), offset);
    }

    /** The element at a full index, e.g. {@code get(i, j)} for a matrix. */
    public double get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of rank " + shape.length);
        }
        int at = offset;
        int[] st = stridesRef();
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("get: index " + index[i] + " is out of range for dimension " + i
                        + " of size " + shape[i]);
            }
            at += index[i] * st[i];
        }
        return dtype.kernels().get(storage.matrix(dtype, shape), at);
    }

    /** The values, row-major, as a new array. */
    public double[] toDoubleArray() {
        return dtype.kernels().toDoubleArray(contiguousData());
    }

    /** The values, row-major, as a new array. */
    public float[] toFloatArray() {
        return dtype.kernels().toFloatArray(contiguousData());
    }

    /**
     * The values, row-major, as a new int array: exact for int32 and bool (1 and 0); a float tensor is converted as
     * {@code to(DType.INT32)} converts it (truncated toward zero, NaN and out-of-range values refused).
     */
    public int[] toIntArray() {
        double[] v = to(DType.INT32).toDoubleArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    /** The values, row-major, as a new boolean array: true where an element is nonzero (as {@code to(DType.BOOL)}). */
    public boolean[] toBooleanArray() {
        double[] v = toDoubleArray();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] != 0;
        }
        return out;
    }

    /** A copy that shares this tensor's storage but not its history: no gradient flows through it. */
    public Tensor detach() {
        storage.matrix(dtype, shape); // refuses a released tensor
        return view(offset, shape, strides);
    }

    // -------------------------------------------------------------------------------------------- autograd

    /** The autograd state, created on first need. */
    private AutogradMeta meta() {
        AutogradMeta m = autograd;
        if (m == null) {
            m = autograd = new AutogradMeta();
        }
        return m;
    }

    /** Whether this tensor carries autograd state (a plain tensor does not). */
    boolean hasAutogradMeta() {
        return autograd != null;
    }

    /** The recorded op that produced this tensor, or null for a leaf. */
    Node gradFn() {
        AutogradMeta m = autograd;
        return m == null ? null : m.gradFn;
    }

    /** True when gradients are computed for this tensor (a leaf marked so, or the output of a recorded op). */
    public boolean requiresGrad() {
        AutogradMeta m = autograd;
        return m != null && m.requiresGrad;
    }

    /**
     * Marks a leaf tensor as one whose gradient is wanted; returns this tensor.
     *
     * @throws IllegalArgumentException for an int32 or bool tensor: only floating-point tensors have gradients
     */
    public Tensor requiresGrad(boolean wanted) {
        if (wanted && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("requiresGrad: this " + Shape.str(shape) + " " + dtype + " tensor "
                    + "cannot require grad (only floating-point tensors have gradients); convert it with "
                    + ".to(DType.FLOAT32) if its values are to be differentiated");
        }
        Node gradFn = gradFn();
        if (gradFn != null && !wanted) {
            throw new IllegalStateException("requiresGrad: the output of " + gradFn.op + " is part of a recording; "
                    + "use detach() to get a tensor without history");
        }
        if (wanted || autograd != null) {
            meta().requiresGrad = wanted;
        }
        return this;
    }

    /** The forward-mode tangent of this tensor in {@code level}, or null. */
    Tensor tangentAt(ForwardAD.Level level) {
        AutogradMeta m = autograd;
        return m == null || m.tangentLevel != level ? null : m.tangent;
    }

    void setTangent(Tensor tangent, ForwardAD.Level level) {
        AutogradMeta m = meta();
        m.tangent = tangent;
        m.tangentLevel = level;
    }

    /** Makes this tensor the output of a recorded op (called once, by {@link Autograd#record}). */
    void setGradFn(Node node) {
        AutogradMeta m = meta();
        m.gradFn = node;
        m.requiresGrad = true;
    }

    /** True for a tensor not produced by a recorded op (user-created tensors, parameters). */
    public boolean isLeaf() {
        return gradFn() == null;
    }

    /** Name of the recorded op that produced this tensor, or null for a leaf. */
    public String gradFnName() {
        Node gradFn = gradFn();
        return gradFn == null ? null : gradFn.op;
    }

    /** The accumulated gradient: for leaves, summed over backward passes until {@link #zeroGrad()}. */
    public Tensor grad() {
        AutogradMeta m = autograd;
        return m == null ? null : m.grad;
    }

    /** Replaces the gradient (null clears it); shape and dtype must match. */
    public void setGrad(Tensor g) {
        if (g != null && (!Arrays.equals(g.shape, shape) || g.dtype != dtype)) {
            throw new IllegalArgumentException("setGrad: gradient " + Shape.str(g.shape) + " " + g.dtype
                    + " does not match tensor " + Shape.str(shape) + " " + dtype);
        }
        if (g != null || autograd != null) {
            meta().grad = outlivingSteps(g);
        }
    }

    /** Clears the gradient (sets it to null, like PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        if (autograd != null) {
            autograd.grad = null;
        }
    }

    /**
     * Clears the gradient. With {@code setToNone} it is dropped, as {@link #zeroGrad()}; otherwise an existing
     * gradient is filled with zeros and kept, as PyTorch's {@code zero_grad(set_to_none=False)}, and the next
     * backward adds into that buffer (a linear layer's weight and bias gradients are accumulated straight into it)
     * instead of allocating a new one. Anyone holding the old {@code grad()} tensor then sees it change: copy it to
     * keep it.
     */
    public void zeroGrad(boolean setToNone) {
        Tensor grad = grad();
        if (grad == null) {
            return;
        }
        if (setToNone || grad.requiresGrad()) {
            autograd.grad = null;
        } else {
            dtype.kernels().fill(grad.matrix(), 0);
            grad.storage.version++;
        }
    }

    /** Keeps the gradient of this intermediate tensor in {@link #grad()} during backward. */
    public Tensor retainGrad() {
        if (!requiresGrad()) {
            throw new IllegalStateException("retainGrad: the tensor does not require grad");
        }
        autograd.retainGrad = true;
        return this;
    }

    boolean retainsGrad() {
        AutogradMeta m = autograd;
        return m != null && m.retainGrad;
    }

    /**
     * Registers {@code hook} to be called with this tensor's gradient when a backward pass computes it, in
     * {@link Tape#backward} and in {@link Autograd#grad} alike (for a leaf, the sum over all its uses, before it is
     * added to {@code grad} or returned). The hook may return a replacement gradient of the same shape, or null to
     * keep it.
     */
    public HookHandle registerHook(UnaryOperator<Tensor> hook) {
        Objects.requireNonNull(hook, "hook");
        if (!requiresGrad()) {
            throw new IllegalStateException("registerHook: the tensor " + Shape.str(shape)
                    + " does not require grad, so no gradient will reach the hook");
        }
        AutogradMeta m = autograd;
        m.addHook(hook);
        return () -> {
            if (m.hooks != null) {
                m.hooks.remove(hook);
            }
        };
    }

    /**
     * Registers {@code hook} to be called when a plain backward ({@link Tape#backward}) has accumulated this leaf's
     * gradient, as PyTorch's {@code register_post_accumulate_grad_hook}: once per backward that gives the leaf a
     * gradient, with the tensor the gradient was accumulated into (its {@code grad()}, or its buffer in the
     * {@link LeafGradients} collecting on the backward's thread), on that thread. The engine calls it as soon as the
     * walk has passed the last recorded op that uses the leaf, while the rest of the backward pass is still to run
     * (when the leaf also has {@link #registerHook gradient hooks}, or no kept buffer to add into, at the end of the
     * walk, after the gradient is delivered), so that a data-parallel exchange can start early. The hook must not
     * change the gradient; {@link Autograd#grad} calls no such hooks (it accumulates nothing).
     *
     * @throws IllegalStateException when this tensor is not a leaf that requires grad
     */
    public HookHandle registerPostAccumulateGradHook(Consumer<Tensor> hook) {
        Objects.requireNonNull(hook, "hook");
        if (!requiresGrad() || !isLeaf()) {
            throw new IllegalStateException("registerPostAccumulateGradHook: the tensor " + Shape.str(shape)
                    + (requiresGrad() ? " is not a leaf (it was computed by " + gradFnName() + ")"
                            : " does not require grad") + "; only a leaf that requires grad accumulates a gradient");
        }
        AutogradMeta m = autograd;
        if (m.postAccumulateHooks == null) {
            m.postAccumulateHooks = new ArrayList<>(2);
        }
        m.postAccumulateHooks.add(hook);
        return () -> {
            if (m.postAccumulateHooks != null) {
                m.postAccumulateHooks.remove(hook);
            }
        };
    }

    boolean hasPostAccumulateHooks() {
        AutogradMeta m = autograd;
        return m != null && m.hasPostAccumulateHooks();
    }

    /** Calls the post-accumulate hooks with {@code accumulated}, the tensor this leaf's gradient was added into. */
    void runPostAccumulateHooks(Tensor accumulated) {
        for (Consumer<Tensor> hook : List.copyOf(autograd.postAccumulateHooks)) {
            hook.accept(accumulated);
        }
    }

    Tensor runHooks(Tensor g) {
        AutogradMeta m = autograd;
        if (m == null || m.hooks == null) {
            return g;
        }
        for (UnaryOperator<Tensor> hook : List.copyOf(m.hooks)) {
            Tensor r = hook.apply(g);
            if (r != null) {
                if (!Arrays.equals(r.shape, shape)) {
                    throw new IllegalStateException("gradient hook returned shape " + Shape.str(r.shape)
                            + " for a tensor of shape " + Shape.str(shape));
                }
                g = r;
            }
        }
        return g;
    }

    boolean hasHooks() {
        AutogradMeta m = autograd;
        return m != null && m.hasHooks();
    }

    /** Sets the gradient without checks (the engine's write), keeping its storage beyond the current step. */
    void setGradOutlivingSteps(Tensor g) {
        meta().grad = outlivingSteps(g);
    }

    /** A gradient outlives the step that computed it: its storage must not go back to a workspace. */
    private static Tensor outlivingSteps(Tensor g) {
        if (g != null && g.storage.workspace != null) {
            g.storage.workspace.keep(g);
        }
        return g;
    }

    /** The array behind this tensor's storage, shared by its views. */
    Object array() {
        return storage.array(dtype, shape);
    }

    /** True when this tensor is all of its storage, contiguous (a gradient that a leaf may keep as it is). */
    boolean ownsStorage() {
        return isDense() && Shape.numel(shape) == storage.length(dtype, shape);
    }

    /** Backpropagates from this scalar through the tape that recorded it (same as {@code tape.backward(this)}). */
    public void backward() {
        backward(null);
    }

    /** Backpropagates from this tensor with upstream gradient {@code gradient} (null for a scalar). */
    public void backward(Tensor gradient) {
        Node gradFn = gradFn();
        if (gradFn == null) {
            throw new IllegalStateException("backward: the tensor " + Shape.str(shape) + " was not produced by a "
                    + "recorded op (requiresGrad = " + requiresGrad() + "); compute it inside Tape.record()");
        }
        gradFn.tape.backward(this, gradient, false);
    }

    // ------------------------------------------------------------------------------------ in-place updates

    /**
     * this += alpha·other, in place (same shape): the update step of an optimizer. A float32 {@code other} is
     * converted exactly into a float64 tensor; float64 values into a float32 tensor are refused rather than
     * rounded (convert one of them with {@link #to} first). Not recorded; refused on a tensor that requires grad
     * while recording. A recorded op that saved this tensor refuses to run its backward after the change.
     */
    public void addInPlace(Tensor other, double alpha) {
        checkInPlace("addInPlace");
        if (!Arrays.equals(other.shape, shape)) {
            throw new IllegalArgumentException("addInPlace: shape " + Shape.str(other.shape) + " does not match "
                    + Shape.str(shape));
        }
        Tensor addend = TypePromotion.forInPlace("addInPlace", this, other);
        if (isDense()) {
            dtype.kernels().axpy(alpha, addend.contiguousData(), matrix());
        } else {
            accumulate(alpha == 1 ? addend : addend.constant(UnaryFn.AFFINE, alpha, 0));
        }
    }

    /** this ·= s, in place (through a view: only its elements change). */
    public void mulInPlace(double s) {
        checkInPlace("mulInPlace");
        if (isDense()) {
            dtype.kernels().map(UnaryFn.AFFINE, s, 0, matrix(), matrix());
        } else {
            Matrix m = storage.matrix(dtype, shape);
            int[] st = stridesRef();
            dtype.kernels().zip(BinaryFn.MUL, m, offset, st, scalarMatrix(s), 0, new int[shape.length], m, offset, st,
                    shape);
        }
    }

    /** Sets every element to {@code value}, in place (through a view: only its elements change). */
    public void fill(double value) {
        checkInPlace("fill");
        if (isDense()) {
            dtype.kernels().fill(matrix(), value);
        } else {
            dtype.kernels().copyStrided(scalarMatrix(value), 0, new int[shape.length], storage.matrix(dtype, shape),
                    offset, stridesRef(), shape);
        }
    }

    private Matrix scalarMatrix(double value) {
        Matrix m = dtype.kernels().create(1, 1);
        dtype.kernels().set(m, 0, value);
        return m;
    }

    /**
     * Copies the values of {@code source} (same shape, any dtype) into this tensor's storage, converting them to this
     * tensor's dtype (float64 values are rounded into a float32 tensor: the call itself asks for the conversion, as
     * PyTorch's {@code copy_}).
     */
    public void copyFrom(Tensor source) {
        checkInPlace("copyFrom");
        if (!Arrays.equals(source.shape, shape)) {
            throw new IllegalArgumentException("copyFrom: shape " + Shape.str(source.shape) + " does not match "
                    + Shape.str(shape));
        }
        if (source.dtype == dtype) {
            source.copyInto(this);
        } else if (!dtype.isFloatingPoint()) { // truncated and range-checked as to(DType) converts
            source.detach().to(dtype).copyInto(this);
        } else if (isDense()) {
            if (dtype == DType.FLOAT64) {
                dtype.kernels().fromDoubleArray(source.toDoubleArray(), matrix());
            } else {
                dtype.kernels().fromFloatArray(source.toFloatArray(), matrix());
            }
        } else {
            of(dtype, source.toDoubleArray(), shape).copyInto(this);
        }
    }

    /**
     * Declares that this tensor's storage was changed directly (through {@link #float32Matrix()} or
     * {@link #float64Matrix()}), as an optimizer does: a recorded op that saved this tensor then refuses to run its
     * backward, as it does after {@link #addInPlace}.
     */
    public void markModified() {
        storage.version++;
    }

    private void checkInPlace(String op) {
        if (requiresGrad() && GradState.get().recording()) {
            throw new IllegalStateException(op + ": cannot modify a tensor that requires grad while recording; "
                    + "do it outside Tape.record() or inside Tape.noGrad()");
        }
        int[] st = contiguous ? null : stridesRef();
        for (int i = 0; st != null && i < shape.length; i++) {
            if (st[i] == 0 && shape[i] > 1) {
                throw new IllegalStateException(op + ": this " + Shape.str(shape) + " tensor is an expanded view "
                        + "(stride 0 along dimension " + i + "), so several of its elements are one element of "
                        + "storage; copy() it first");
            }
        }
        storage.matrix(dtype, shape); // refuses a released tensor
        storage.version++;
    }

    // ------------------------------------------------------------------------------------------ arithmetic

    /** this + other, broadcasting. Gradient: g to each, summed over broadcast dimensions. */
    public Tensor add(Tensor other) {
        return ArithmeticOps.add(this, other);
    }

    /** this - other, broadcasting. Gradient: g and -g, summed over broadcast dimensions. */
    public Tensor sub(Tensor other) {
        return ArithmeticOps.sub(this, other);
    }

    /** this · other element-wise, broadcasting. Gradient: g·other and g·this. */
    public Tensor mul(Tensor other) {
        return ArithmeticOps.mul(this, other);
    }

    /** this / other element-wise, broadcasting. Gradient: g/other and -g·this/other². */
    public Tensor div(Tensor other) {
        return ArithmeticOps.div(this, other);
    }

    /** this + s. Gradient: g. */
    public Tensor add(double s) {
        return ArithmeticOps.affine(this, 1, s);
    }

    /** this - s. Gradient: g. */
    public Tensor sub(double s) {
        return ArithmeticOps.affine(this, 1, -s);
    }

    /** this · s. Gradient: g·s. */
    public Tensor mul(double s) {
        return ArithmeticOps.affine(this, s, 0);
    }

    /** this / s. Gradient: g/s. */
    public Tensor div(double s) {
        return ArithmeticOps.affine(this, 1 / s, 0);
    }

    /** -this. Gradient: -g. */
    public Tensor neg() {
        return ElementwiseOps.neg(this);
    }

    /** this^p element-wise. Gradient: g·p·this^(p-1). */
    public Tensor pow(double p) {
        return ElementwiseOps.pow(this, p);
    }

    /** e^this. Gradient: g·e^this. */
    public Tensor exp() {
        return ElementwiseOps.exp(this);
    }

    /** Natural logarithm. Gradient: g/this. */
    public Tensor log() {
        return ElementwiseOps.log(this);
    }

    /** Square root. Gradient: g/(2·sqrt(this)). */
    public Tensor sqrt() {
        return ElementwiseOps.sqrt(this);
    }

    /** |this|. Gradient: g·sign(this) (0 at 0). */
    public Tensor abs() {
        return ElementwiseOps.abs(this);
    }

    /** min(max(this, min), max). Gradient: g where min &lt;= this &lt;= max, else 0. */
    public Tensor clamp(double min, double max) {
        return ElementwiseOps.clamp(this, min, max);
    }

    /** A differentiable copy with its own storage. Gradient: g. */
    public Tensor copy() {
        return ShapeOps.copy(this, "copy");
    }

    /** This tensor converted to {@code target} (the same tensor if it already is). Gradient: g converted back. */
    public Tensor to(DType target) {
        return ShapeOps.to(this, target);
    }

    // -------------------------------------------------------------------------------------- linear algebra

    /**
     * Matrix product as PyTorch's {@code torch.matmul}: [m, k] x [k, n] = [m, n]; a vector [k] on the left is a row
     * and on the right a column, that dimension dropped from the result ([k] x [k] is the dot product, a scalar);
     * with more dimensions the leading ones are batch dimensions and broadcast: [2, 1, 3, 4] x [5, 4, 6] =
     * [2, 5, 3, 6], each batch a product of matrices (broadcast operands are expanded views, not copies).
     * Gradient: g·otherᵀ and thisᵀ·g per batch, summed back to each operand's shape.
     */
    public Tensor matmul(Tensor other) {
        return MatmulOps.matmul(this, other);
    }

    /**
     * {@code op(a)·op(b)} where op transposes when asked, without copying a transpose: {@code matmul(x, false, w,
     * true)} is {@code x·wᵀ}, the product of a linear layer with PyTorch's [out, in] weight layout.
     */
    public static Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        return MatmulOps.matmul(a, transposeA, b, transposeB);
    }

    /**
     * Batched matrix product, PyTorch's {@code bmm}: [B, n, k] x [B, k, m] = [B, n, m], {@code c[i] = this[i]·other[i]}
     * (no broadcasting; {@link #matmul} broadcasts). Each batch is one product of the matrix kernel; a batch of a
     * {@code transpose(1, 2)} view is read with the kernel's transpose flag, not copied. Gradient: g·otherᵀ and
     * thisᵀ·g per batch.
     */
    public Tensor bmm(Tensor other) {
        return MatmulOps.bmm(this, other);
    }

    /**
     * Einstein summation as PyTorch's {@code torch.einsum}: {@code out[o] = Σ Π_i operands[i][letters_i]}, summed
     * over every letter the output does not name, e.g. {@code einsum("bij,bjk->bik", a, b)} (batched product),
     * {@code "bhqd,bhkd->bhqk"} (attention scores), {@code "ij,j->i"}, {@code "i,i->"}, {@code "bi,bj->bij"}
     * (outer), {@code "ij->ji"}, {@code "ii->"} (trace). Without "->" the output is the letters that appear once,
     * sorted. Operands are contracted left to right, each pair as one {@link #bmm} of permuted, reshaped operands;
     * every letter has one size and "..." is not supported. Composed, so its gradient is that of those ops.
     */
    public static Tensor einsum(String equation, Tensor... operands) {
        return Einsum.einsum(equation, operands);
    }

    /**
     * {@code input·weightᵀ + bias}, PyTorch's {@code F.linear}: input [N, in], weight [out, in], bias [out] or null.
     * One fused op: the product accumulates onto the broadcast bias. An input [..., in] of another rank (a sequence
     * [N, T, in], a vector [in]) has its leading dimensions flattened into rows (a view when it is contiguous) and
     * gives [..., out]. Gradients: g·weight, gᵀ·input, and g summed over rows.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        return MatmulOps.linear(input, weight, bias);
    }

    // ------------------------------------------------------------------------------------------ shape ops

    /** The transpose of a 2-D tensor, a view (no copy). Gradient: gᵀ. */
    public Tensor t() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + Shape.str(shape)
                    + "; use transpose(dim0, dim1)");
        }
        return permute(1, 0);
    }

    /** Swaps two dimensions, a view (strides swapped, no copy). Gradient: g with the same dimensions swapped. */
    public Tensor transpose(int dim0, int dim1) {
        int d0 = Shape.dim("transpose", dim0, shape.length);
        int d1 = Shape.dim("transpose", dim1, shape.length);
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i == d0 ? d1 : i == d1 ? d0 : i;
        }
        return permute(order);
    }

    /**
     * Reorders dimensions, a view: output dimension i is input dimension {@code dims[i]}, with its stride.
     * Gradient: g inversely permuted.
     */
    public Tensor permute(int... dims) {
        return ShapeOps.permute(this, dims);
    }

    /**
     * The same elements in a new shape (one dimension may be -1, inferred): a view when the strides allow it (always
     * for contiguous data), otherwise a copy, as PyTorch's {@code reshape}. Gradient: g reshaped back.
     */
    public Tensor reshape(int... newShape) {
        return ShapeOps.reshape(this, newShape, false);
    }

    /**
     * The same elements in a new shape, always a view of this tensor's storage, as PyTorch's {@code view}.
     * Gradient: g reshaped back.
     *
     * @throws IllegalArgumentException when the strides cannot express the new shape (e.g. flattening a transpose);
     *                                  call {@code contiguous()} or {@code reshape} instead
     */
    public Tensor view(int... newShape) {
        return ShapeOps.reshape(this, newShape, true);
    }

    /** All elements as a 1-D tensor (a view when possible, as {@link #reshape}). */
    public Tensor flatten() {
        return reshape(numel());
    }

    /** Dimensions from {@code startDim} on merged into one, e.g. [N, C, H, W] to [N, C·H·W] for startDim 1. */
    public Tensor flatten(int startDim) {
        if (shape.length == 0) {
            return reshape(1);
        }
        int d = Shape.dim("flatten", startDim, shape.length);
        int[] s = Arrays.copyOf(shape, d + 1);
        s[d] = shape[d] * Shape.inner(shape, d);
        return reshape(s);
    }

    /**
     * This tensor when its elements are, row-major, the first {@link #numel()} elements of its storage (so that
     * {@link #float32Matrix()} shares exactly them), otherwise a row-major copy. Unlike PyTorch, a contiguous slice
     * that does not start its storage (a {@code narrow} along dimension 0, say) is copied too: an EJML matrix has no
     * offset. Gradient: g.
     */
    public Tensor contiguous() {
        return isDense() ? this : ShapeOps.copy(this, "contiguous");
    }

    /**
     * Elements {@code start} to {@code start + length - 1} along {@code dim}, a view (offset moved, no copy).
     * Gradient: g in that range of a zero tensor of this shape; the gradients of many views of one tensor add into
     * one buffer.
     */
    public Tensor narrow(int dim, int start, int length) {
        return ShapeOps.narrow(this, dim, start, length);
    }

    /**
     * The slice at {@code index} along {@code dim}, with that dimension removed (PyTorch's {@code x.select(dim, i)},
     * {@code x[..., i, ...]}), a view. Gradient: g at that index of a zero tensor of this shape.
     */
    public Tensor select(int dim, int index) {
        return ShapeOps.select(this, dim, index);
    }

    /**
     * Views of consecutive pieces of {@code size} elements along {@code dim} (the last piece shorter when size does
     * not divide the dimension), as PyTorch's {@code split}. Gradient: each piece's g in its range of one buffer.
     */
    public List<Tensor> split(int size, int dim) {
        return ShapeOps.split(this, size, dim);
    }

    /**
     * {@code chunks} views along {@code dim}, each of ⌈size/chunks⌉ elements (fewer pieces when that covers the
     * dimension sooner), as PyTorch's {@code chunk}. Gradient: as {@link #split}.
     */
    public List<Tensor> chunk(int chunks, int dim) {
        return ShapeOps.chunk(this, chunks, dim);
    }

    /** Every slice along {@code dim}, that dimension removed ({@link #select} for each index). Gradient: as select. */
    public List<Tensor> unbind(int dim) {
        return ShapeOps.unbind(this, dim);
    }

    /** This tensor without its dimensions of size 1, a view. Gradient: g reshaped back. */
    public Tensor squeeze() {
        return ShapeOps.squeeze(this, -1, true);
    }

    /** This tensor without dimension {@code dim} if its size is 1 (unchanged otherwise), a view. Gradient: g reshaped back. */
    public Tensor squeeze(int dim) {
        return ShapeOps.squeeze(this, Shape.dim("squeeze", dim, shape.length), false);
    }

    /** This tensor with a new dimension of size 1 at {@code dim} (0 to rank; negative counts from rank + 1), a view.
     *  Gradient: g reshaped back. */
    public Tensor unsqueeze(int dim) {
        return ShapeOps.unsqueeze(this, dim);
    }

    /** Joins tensors of equal shape except along {@code dim}. Gradient: the matching slice of g for each input. */
    public static Tensor concat(List<Tensor> tensors, int dim) {
        return ShapeOps.concat(tensors, dim);
    }

    /** Rows {@code index[i]} of this tensor (along dim 0), e.g. a minibatch or an embedding lookup.
     *  Gradient: g's rows added into the selected rows (repeated indices accumulate). */
    public Tensor indexSelect(int... index) {
        return ShapeOps.indexSelect(this, index);
    }

    /**
     * Elements of this tensor picked along {@code dim} by an int32 {@code index} of the same rank (no larger along
     * the other dimensions), PyTorch's {@code gather}: {@code out[i][j][k] = this[index[i][j][k]][j][k]} for dim 0;
     * the result has index's shape. Gradient: g added at the picked positions of a zero tensor (scatterAdd).
     */
    public Tensor gather(int dim, Tensor index) {
        return IndexOps.gather(this, dim, index);
    }

    /**
     * A copy of this tensor with {@code src} written at the positions an int32 {@code index} (of src's shape) names
     * along {@code dim}, PyTorch's {@code scatter}: {@code out[index[i][j][k]][j][k] = src[i][j][k]} for dim 0; a
     * position named twice keeps the last write. Gradient: g with the written positions zeroed to this,
     * {@code g.gather(dim, index)} to src.
     */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        return IndexOps.scatter(this, dim, index, src, false);
    }

    /**
     * {@link #scatter} that adds instead of writing: {@code out[index[i][j][k]][j][k] += src[i][j][k]} (repeated
     * positions accumulate). Gradient: g to this, {@code g.gather(dim, index)} to src.
     */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return IndexOps.scatter(this, dim, index, src, true);
    }

    /**
     * The slices {@code index[i]} along {@code dim} for a 1-D int32 {@code index}, PyTorch's {@code index_select}:
     * the result has this shape with {@code index.numel()} along dim. Gradient: g's slices added into the selected
     * slices (repeated indices accumulate).
     */
    public Tensor indexSelect(int dim, Tensor index) {
        return IndexOps.indexSelect(this, dim, index);
    }

    /**
     * This tensor plus {@code source} added into the slices {@code index[i]} along {@code dim} (1-D int32 index;
     * source has this shape with {@code index.numel()} along dim), PyTorch's {@code index_add}. Gradient: g to this,
     * {@code g.indexSelect(dim, index)} to source.
     */
    public Tensor indexAdd(int dim, Tensor index, Tensor source) {
        return IndexOps.indexAdd(this, dim, index, source);
    }

    /**
     * This tensor stretched to {@code shape} along dimensions of size 1 (broadcasting), a view whose stride along
     * each stretched dimension is 0 (no copy; in-place writes into it are refused). Gradient: g summed back.
     */
    public Tensor expand(int... newShape) {
        return ReductionOps.expand(this, newShape);
    }

    /** The sum over the dimensions that {@code newShape} broadcasts along (the adjoint of expand). Gradient: g expanded. */
    public Tensor sumTo(int... newShape) {
        return ReductionOps.sumTo(this, newShape);
    }

    // ------------------------------------------------------------------------------------------ reductions

    /** Sum of all elements, a scalar. Gradient: g broadcast to this shape. */
    public Tensor sum() {
        return sumTo();
    }

    /** Sum along {@code dim}, keeping it as size 1 when {@code keepdim}. Gradient: g broadcast back. */
    public Tensor sum(int dim, boolean keepdim) {
        return ReductionOps.sum(this, dim, keepdim);
    }

    /** Mean of all elements, a scalar. Gradient: g/numel. */
    public Tensor mean() {
        return sum().mul(1.0 / numel());
    }

    /** Mean along {@code dim}. Gradient: g/size(dim), broadcast back. */
    public Tensor mean(int dim, boolean keepdim) {
        return sum(dim, keepdim).mul(1.0 / shape[Shape.dim("mean", dim, shape.length)]);
    }

    /** Maximum of all elements, a scalar. Gradient: g shared evenly among the maxima (ties split, as PyTorch). */
    public Tensor max() {
        return amax();
    }

    /** Maximum along {@code dim}. Gradient: g at the (first) maximum of each slice, 0 elsewhere. */
    public Tensor max(int dim, boolean keepdim) {
        return ReductionOps.max(this, dim, keepdim);
    }

    /** Index of the (first) maximum of all elements in row-major order, a rank-0 int32 tensor. Not differentiable. */
    public Tensor argmax() {
        return ReductionOps.argmax(flatten(), 0, false);
    }

    /**
     * Index of the (first) maximum along {@code dim}, an int32 tensor of the other dimensions (PyTorch's
     * {@code argmax(dim)}); {@code argmax(1).toIntArray()} is the predicted class of each row. Not differentiable.
     */
    public Tensor argmax(int dim) {
        return ReductionOps.argmax(this, dim, false);
    }

    /** {@link #argmax(int)}, keeping dim as size 1 when {@code keepdim}. */
    public Tensor argmax(int dim, boolean keepdim) {
        return ReductionOps.argmax(this, dim, keepdim);
    }

    /** Index of the (first) minimum of all elements in row-major order, a rank-0 int32 tensor. Not differentiable. */
    public Tensor argmin() {
        return ReductionOps.argmin(flatten(), 0, false);
    }

    /** Index of the (first) minimum along {@code dim}, an int32 tensor. Not differentiable. */
    public Tensor argmin(int dim) {
        return ReductionOps.argmin(this, dim, false);
    }

    /** {@link #argmin(int)}, keeping dim as size 1 when {@code keepdim}. */
    public Tensor argmin(int dim, boolean keepdim) {
        return ReductionOps.argmin(this, dim, keepdim);
    }

    /** The result of {@link #topk}: the values (differentiable) and their int32 indices along the dimension. */
    public record TopK(Tensor values, Tensor indices) {
    }

    /**
     * The {@code k} largest elements along {@code dim} ({@code largest} false: the smallest), sorted, with their
     * int32 indices, as PyTorch's {@code topk}; ties keep the earlier position first. Gradient: g scattered to the
     * chosen positions (values are {@code gather(dim, indices)}).
     */
    public TopK topk(int k, int dim, boolean largest) {
        return ReductionOps.topk(this, k, dim, largest);
    }

    /** Maximum of all elements, a scalar (as {@link #max()}). Gradient: g shared evenly among the maxima. */
    public Tensor amax() {
        return flatten().amax(0, false);
    }

    /** Maximum along {@code dim}. Gradient: g shared evenly among the maxima of each slice (ties split). */
    public Tensor amax(int dim, boolean keepdim) {
        return ReductionOps.amax(this, dim, keepdim);
    }

    /** Minimum of all elements, a scalar. Gradient: g shared evenly among the minima. */
    public Tensor min() {
        return neg().max().neg();
    }

    /** Minimum along {@code dim}. Gradient: g at the (first) minimum of each slice, 0 elsewhere. */
    public Tensor min(int dim, boolean keepdim) {
        return neg().max(dim, keepdim).neg();
    }

    /** Minimum of all elements, a scalar (as {@link #min()}). Gradient: g shared evenly among the minima. */
    public Tensor amin() {
        return neg().amax().neg();
    }

    /** Minimum along {@code dim}. Gradient: g shared evenly among the minima of each slice (ties split). */
    public Tensor amin(int dim, boolean keepdim) {
        return neg().amax(dim, keepdim).neg();
    }

    /** log Σ e^this along {@code dim}, stable (the maximum subtracted first). Gradient: g·softmax(this, dim). */
    public Tensor logsumexp(int dim, boolean keepdim) {
        return ReductionOps.logsumexp(this, dim, keepdim);
    }

    /** Running sum along {@code dim}: y_i = Σ_{j ≤ i} x_j. Gradient: the running sum of g taken from the end. */
    public Tensor cumsum(int dim) {
        return ReductionOps.cumsum(this, dim);
    }

    /**
     * Variance of all elements with Bessel's correction, Σ(x - mean)²/(n - 1). For another correction use
     * {@code flatten().var(0, correction, false)}. Gradient: g·2(x - mean)/(n - 1).
     */
    public Tensor var() {
        return flatten().var(0, 1, false);
    }

    /**
     * Variance along {@code dim}, Σ(x - mean)²/(n - correction): correction 1 is the unbiased estimate (PyTorch's
     * default), 0 the population variance. Gradient: g·2(x - mean)/(n - correction).
     */
    public Tensor var(int dim, int correction, boolean keepdim) {
        return ReductionOps.var(this, dim, correction, keepdim);
    }

    /** Standard deviation of all elements, √var() (correction 1). Gradient: g·(x - mean)/((n - 1)·std). */
    public Tensor std() {
        return var().sqrt();
    }

    /** Standard deviation along {@code dim}, √var(dim, correction, keepdim). Gradient: g·(x - mean)/((n - c)·std). */
    public Tensor std(int dim, int correction, boolean keepdim) {
        return var(dim, correction, keepdim).sqrt();
    }

    /** The p-norm of all elements, p = 1, 2 or {@code Double.POSITIVE_INFINITY}. Gradient: as along a dimension. */
    public Tensor norm(double p) {
        return flatten().norm(p, 0, false);
    }

    /**
     * The p-norm along {@code dim}: Σ|x| (p = 1), √Σx² (p = 2), max |x| (p = ∞). Gradient: g·sign(x);
     * g·x/‖x‖ (0 where the norm is 0); g·sign(x) shared evenly among the largest |x|.
     */
    public Tensor norm(double p, int dim, boolean keepdim) {
        return ReductionOps.norm(this, p, dim, keepdim);
    }

    /**
     * Cosine similarity along {@code dim} of the broadcast shape: Σ a·b / (max(‖a‖, eps)·max(‖b‖, eps)), PyTorch's
     * {@code cosine_similarity} (defaults dim 1, eps 1e-8). Composed; its gradient follows from norm and div.
     */
    public static Tensor cosineSimilarity(Tensor a, Tensor b, int dim, double eps) {
        return ReductionOps.cosineSimilarity(a, b, dim, eps);
    }

    // ------------------------------------------------------------------------------------------ selection

    /** max(this, other) element-wise, broadcasting. Gradient: g to the larger, split evenly on ties. */
    public Tensor maximum(Tensor other) {
        return ArithmeticOps.maximum(this, other);
    }

    /** min(this, other) element-wise, broadcasting. Gradient: g to the smaller, split evenly on ties. */
    public Tensor minimum(Tensor other) {
        return ArithmeticOps.minimum(this, other);
    }

    /**
     * {@code a} where {@code mask} is true, {@code b} where it is false, all three broadcast; {@code mask} is a bool
     * tensor ({@code x.gt(0)}) or a float tensor of 0s and 1s (1 selects), not differentiated. Gradient: g to a
     * where the mask is true, to b where it is false (a dropped infinity gives 0, not NaN).
     */
    public static Tensor where(Tensor mask, Tensor a, Tensor b) {
        return ArithmeticOps.where(mask, a, b);
    }

    /**
     * {@code value} where {@code mask} (bool, or float 0/1; broadcast to this shape) is true, this elsewhere, e.g.
     * -∞ at masked attention scores. Gradient: g where the mask is false, else 0.
     */
    public Tensor maskedFill(Tensor mask, double value) {
        return ArithmeticOps.maskedFill(this, mask, value);
    }

    // ----------------------------------------------------------------------------------- comparisons (bool)

    /**
     * this = other element-wise, broadcasting, as a bool tensor; tensors of different dtypes compare their promoted
     * values ({@code int32.eq(float32)} compares in float32). Not differentiable (nothing is recorded).
     */
    public Tensor eq(Tensor other) {
        return ComparisonOps.compare(BinaryFn.EQ, this, other);
    }

    /** this = s element-wise, as a bool tensor (s is compared in this tensor's dtype when that is floating point). */
    public Tensor eq(double s) {
        return ComparisonOps.compare(BinaryFn.EQ, this, s);
    }

    /** this ≠ other element-wise, broadcasting, as a bool tensor (NaN ≠ everything). Not differentiable. */
    public Tensor ne(Tensor other) {
        return ComparisonOps.compare(BinaryFn.NE, this, other);
    }

    /** this ≠ s element-wise, as a bool tensor. */
    public Tensor ne(double s) {
        return ComparisonOps.compare(BinaryFn.NE, this, s);
    }

    /** this &lt; other element-wise, broadcasting, as a bool tensor. Not differentiable. */
    public Tensor lt(Tensor other) {
        return ComparisonOps.compare(BinaryFn.LT, this, other);
    }

    /** this &lt; s element-wise, as a bool tensor. */
    public Tensor lt(double s) {
        return ComparisonOps.compare(BinaryFn.LT, this, s);
    }

    /** this ≤ other element-wise, broadcasting, as a bool tensor. Not differentiable. */
    public Tensor le(Tensor other) {
        return ComparisonOps.compare(BinaryFn.LE, this, other);
    }

    /** this ≤ s element-wise, as a bool tensor. */
    public Tensor le(double s) {
        return ComparisonOps.compare(BinaryFn.LE, this, s);
    }

    /** this &gt; other element-wise, broadcasting, as a bool tensor. Not differentiable. */
    public Tensor gt(Tensor other) {
        return ComparisonOps.compare(BinaryFn.GT, this, other);
    }

    /** this &gt; s element-wise, as a bool tensor, e.g. the mask {@code x.gt(0)}. */
    public Tensor gt(double s) {
        return ComparisonOps.compare(BinaryFn.GT, this, s);
    }

    /** this ≥ other element-wise, broadcasting, as a bool tensor. Not differentiable. */
    public Tensor ge(Tensor other) {
        return ComparisonOps.compare(BinaryFn.GE, this, other);
    }

    /** this ≥ s element-wise, as a bool tensor. */
    public Tensor ge(double s) {
        return ComparisonOps.compare(BinaryFn.GE, this, s);
    }

    /** this ∧ other element-wise, broadcasting, as a bool tensor; any dtype reads nonzero as true. */
    public Tensor logicalAnd(Tensor other) {
        return ComparisonOps.logicalAnd(this, other);
    }

    /** this ∨ other element-wise, broadcasting, as a bool tensor; any dtype reads nonzero as true. */
    public Tensor logicalOr(Tensor other) {
        return ComparisonOps.logicalOr(this, other);
    }

    /** ¬this element-wise, as a bool tensor: true where this is zero. */
    public Tensor logicalNot() {
        return ComparisonOps.logicalNot(this);
    }

    /** This tensor with the order of elements reversed along each of {@code dims} (a copy). Gradient: g flipped. */
    public Tensor flip(int... dims) {
        return ShapeOps.flip(this, dims);
    }

    /** Tensors of equal shape joined along a new dimension {@code dim}. Gradient: the matching slice of g for each. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        return ShapeOps.stack(tensors, dim);
    }

    /** PyTorch's name for {@link #concat}: joins tensors along any {@code dim} (negative counts from the end). */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        return ShapeOps.concat(tensors, dim);
    }

    // -------------------------------------------------------------------------------- convolution and pooling

    /**
     * 2-D convolution of this [N, C, H, W] tensor (strictly, cross-correlation, as in PyTorch) with a weight
     * [out, C/groups, kH, kW] and an optional bias [out] (null for none):
     * {@code y[n, o, oh, ow] = b[o] + Σ_{c,i,j} W[o, c, i, j]·x[n, g·C/groups + c, oh·sH - pH + i·dH, ow·sW - pW + j·dW]},
     * o in group g, zeros outside x; output [N, out, OH, OW] with {@code OH = ⌊(H + 2pH - dH·(kH-1) - 1)/sH⌋ + 1}.
     * Lowered to im2col and one matrix product per group. Gradient: dX = col2im(g·W) (= convTranspose2d(g, W)),
     * dW = gᵀ·im2col(x), db = g summed over N, OH, OW.
     *
     * @param stride   {sH, sW}
     * @param padding  {pH, pW}, zeros on both sides
     * @param dilation {dH, dW}, the spacing of kernel taps
     * @param groups   channels are split into this many independent convolutions
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvOps.conv2d(this, weight, bias, stride, padding, dilation, groups);
    }

    /** {@link #conv2d(Tensor, Tensor, int[], int[], int[], int)} with the same stride and padding in both spatial
     *  dimensions, no dilation and one group. */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(weight, bias, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1);
    }

    /**
     * 2-D transposed convolution of this [N, C, H, W] tensor with a weight [C, out/groups, kH, kW] (PyTorch's
     * layout) and an optional bias [out]: the adjoint of conv2d in its input, so that for any x and g,
     * {@code convTranspose2d(g, W)} is the gradient of {@code Σ conv2d(x, W)·g} with respect to x. Output
     * [N, out, (H-1)·sH - 2pH + dH·(kH-1) + opH + 1, (likewise W)]. Gradient: dX = conv2d(g, W) (a convolution
     * again), dW = thisᵀ·im2col(g), db = g summed over N, H, W.
     *
     * @param outputPadding {opH, opW}, each below the stride: extra output rows/columns at the end
     */
    public Tensor convTranspose2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
            int[] dilation, int groups) {
        return ConvOps.convTranspose2d(this, weight, bias, stride, padding, outputPadding, dilation, groups);
    }

    /** {@link #convTranspose2d(Tensor, Tensor, int[], int[], int[], int[], int)} with the same stride and padding in
     *  both spatial dimensions, no output padding or dilation, one group. */
    public Tensor convTranspose2d(Tensor weight, Tensor bias, int stride, int padding) {
        return convTranspose2d(weight, bias, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {0, 0}, new int[] {1, 1}, 1);
    }

    /**
     * Max pooling of this [N, C, H, W] tensor over kH x kW windows: {@code y[n, c, oh, ow] = max_{i,j}
     * x[n, c, oh·sH - pH + i, ow·sW - pW + j]}, padding never chosen (padding at most half the kernel). Gradient:
     * g routed to the (first) maximum of each window, whose index is kept from the forward pass.
     */
    public Tensor maxPool2d(int[] kernel, int[] stride, int[] padding) {
        return PoolOps.maxPool2d(this, kernel, stride, padding);
    }

    /** {@link #maxPool2d(int[], int[], int[])} over k x k windows with stride k and no padding. */
    public Tensor maxPool2d(int kernel) {
        return maxPool2d(new int[] {kernel, kernel}, new int[] {kernel, kernel}, new int[] {0, 0});
    }

    /**
     * Average pooling of this [N, C, H, W] tensor: {@code y[n, c, oh, ow] = Σ_{i,j} x[n, c, oh·sH - pH + i,
     * ow·sW - pW + j] / (kH·kW)}, zero padding included in the count (PyTorch's default). Gradient: g/(kH·kW)
     * spread over each window.
     */
    public Tensor avgPool2d(int[] kernel, int[] stride, int[] padding) {
        return PoolOps.avgPool2d(this, kernel, stride, padding);
    }

    /** {@link #avgPool2d(int[], int[], int[])} over k x k windows with stride k and no padding. */
    public Tensor avgPool2d(int kernel) {
        return avgPool2d(new int[] {kernel, kernel}, new int[] {kernel, kernel}, new int[] {0, 0});
    }

    // ----------------------------------------------------------------------------------------- activations

    /** max(this, 0). Gradient: g where this &gt; 0, else 0. */
    public Tensor relu() {
        return ElementwiseOps.relu(this);
    }

    /** this where this &gt; 0, else slope·this. Gradient: g or slope·g. */
    public Tensor leakyRelu(double slope) {
        return ElementwiseOps.leakyRelu(this, slope);
    }

    /** 1/(1 + e^-this). Gradient: g·y·(1-y). */
    public Tensor sigmoid() {
        return ElementwiseOps.sigmoid(this);
    }

    /** Hyperbolic tangent. Gradient: g·(1-y²). */
    public Tensor tanh() {
        return ElementwiseOps.tanh(this);
    }

    /** The error function. Gradient: g·2/√π·e^(-this²). */
    public Tensor erf() {
        return ElementwiseOps.erf(this);
    }

    /** GELU, exact form: this·Φ(this) = this·(1 + erf(this/√2))/2 (composed; no rule of its own). */
    public Tensor gelu() {
        return ElementwiseOps.gelu(this);
    }

    /**
     * GELU with {@code approximate} "none" (exact, as {@link #gelu()}) or "tanh": ½x·(1 + tanh(√(2/π)·(x +
     * 0.044715x³))), PyTorch's two forms. Composed; no rule of its own.
     */
    public Tensor gelu(String approximate) {
        return switch (approximate) {
            case "none" -> ElementwiseOps.gelu(this);
            case "tanh" -> ElementwiseOps.geluTanh(this);
            default -> throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got \""
                    + approximate + "\"");
        };
    }

    /** log(1 + this), accurate near 0. Gradient: g/(1 + this). */
    public Tensor log1p() {
        return ElementwiseOps.log1p(this);
    }

    /** e^this - 1, accurate near 0. Gradient: g·e^this. */
    public Tensor expm1() {
        return ElementwiseOps.expm1(this);
    }

    /** softplus(1, 20): log(1 + e^this). Gradient: g·σ(this). */
    public Tensor softplus() {
        return softplus(1, 20);
    }

    /**
     * log(1 + e^(β·this))/β, and this itself where β·this &gt; threshold (PyTorch's softplus, which reverts to the
     * identity there to avoid overflow). Gradient: g·σ(β·this), g where β·this &gt; threshold.
     */
    public Tensor softplus(double beta, double threshold) {
        return ElementwiseOps.softplus(this, beta, threshold);
    }

    /** SiLU (swish): this·σ(this), composed. Gradient: g·σ(this)·(1 + this·(1 - σ(this))). */
    public Tensor silu() {
        return ElementwiseOps.silu(this);
    }

    /** ELU: this where this &gt; 0, else α(e^this - 1). Gradient: g where this &gt; 0, else g·(y + α). */
    public Tensor elu(double alpha) {
        return ElementwiseOps.elu(this, alpha);
    }

    /** min(max(this, min), max), min &lt; max. Gradient: g where min &lt; this &lt; max, else 0 (as PyTorch). */
    public Tensor hardtanh(double min, double max) {
        return ElementwiseOps.hardtanh(this, min, max);
    }

    /** Softmax along {@code dim}, computed after subtracting the maximum. Gradient: y·(g - Σ g·y). */
    public Tensor softmax(int dim) {
        return SoftmaxOps.softmax(this, dim);
    }

    /** log(softmax) along {@code dim}, computed as x - max - log Σ e^(x-max). Gradient: g - softmax·Σ g. */
    public Tensor logSoftmax(int dim) {
        return SoftmaxOps.logSoftmax(this, dim);
    }

    /**
     * Inverted dropout: in training, each element is zeroed with probability {@code p} (drawn from {@code rng}) and
     * the rest scaled by 1/(1-p); outside training, this tensor unchanged. Gradient: g times the same mask.
     */
    public Tensor dropout(double p, boolean training, RandomGenerator rng) {
        return ElementwiseOps.dropout(this, p, training, rng);
    }

    // ------------------------------------------------------------------------------------- package helpers

    /** fn applied element-wise, not recorded: masks and signs used inside backward rules. */
    Tensor constant(UnaryFn fn, double p, double q) {
        Tensor out = uninitializedOutput(dtype, shape);
        if (isDense()) {
            dtype.kernels().map(fn, p, q, matrix(), out.matrix());
        } else { // a view: gathered into the output, then mapped there
            copyInto(out);
            dtype.kernels().map(fn, p, q, out.matrix(), out.matrix());
        }
        return out;
    }

    /**
     * Same dtype as {@code other}, or an exception naming the op: a kernel's check, after the public op converted
     * its inputs to their common dtype ({@link TypePromotion}).
     */
    void checkSameDtype(String op, Tensor other) {
        if (dtype != other.dtype) {
            throw new IllegalArgumentException(op + ": dtypes " + dtype + " and " + other.dtype
                    + " differ; convert one with to(DType)");
        }
    }

    int[] shapeRef() {
        return shape;
    }

    // ----------------------------------------------------------------------------------------------- text

    /** Shape, dtype and values (abbreviated beyond 6 per dimension), e.g. {@code tensor([[1, 2], [3, 4]], shape=[2, 2], dtype=float32)}. */
    @Override
    public String toString() {
        if (storage.isReleased()) {
            return "tensor(<storage returned to its workspace>, shape=" + Shape.str(shape) + ", dtype=" + dtype + ")";
        }
        StringBuilder sb = new StringBuilder("tensor(");
        format(sb, 0, offset);
        sb.append(", shape=").append(Shape.str(shape)).append(", dtype=").append(dtype);
        if (gradFn() != null) {
            sb.append(", gradFn=").append(gradFn().op);
        } else if (requiresGrad()) {
            sb.append(", requiresGrad=true");
        }
        return sb.append(')').toString();
    }

    private void format(StringBuilder sb, int dim, int offset) {
        if (dim == shape.length) {
            double v = dtype.kernels().get(storage.matrix(dtype, shape), offset);
            if (dtype == DType.BOOL) {
                sb.append(v != 0);
                return;
            }
            sb.append(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format("%.4g", v));
            return;
        }
        int n = shape[dim];
        int stride = stridesRef()[dim];
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (n > 6 && i == 3) {
                sb.append("...");
                i = n - 3;
                sb.append(", ");
            }
            format(sb, dim + 1, offset + i * stride);
            if (i < n - 1) {
                sb.append(", ");
            }
        }
        sb.append(']');
    }
}
