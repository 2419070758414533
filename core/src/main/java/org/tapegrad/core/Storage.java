package org.tapegrad.core;

import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.data.Matrix;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * The memory behind one tensor and all its views: an EJML dense matrix ({@code FMatrixRMaj} or {@code DMatrixRMaj},
 * as the dtype says), the {@link Workspace} step that lent it (if any), and the in-place version counter.
 *
 * <p>A {@link Tensor} is a storage seen through an offset, a shape and strides; views ({@code narrow},
 * {@code transpose}, {@code expand}, ...) are further tensors over the same storage. What belongs to the memory
 * rather than to one way of looking at it lives here, so it holds for every view at once:
 * <ul>
 *   <li>Lifetime: when the workspace step that lent the storage ends, {@link #release()} makes it unreadable, and
 *       with it every view (the workspace keeps one entry per storage, none per view).</li>
 *   <li>Version: an in-place write through any view bumps {@link #version}, so a recorded op that saved any view
 *       of this memory refuses to run its backward on changed values.</li>
 * </ul>
 */
final class Storage {
    /** Null once the workspace step that lent it has ended. */
    private Matrix matrix;
    /** The workspace step that lent this storage; null for heap storage or once kept. */
    Workspace workspace;
    /** Incremented by every in-place change through any tensor over this storage. */
    int version;

    Storage(Matrix matrix) {
        this.matrix = matrix;
    }

    /**
     * The matrix; throws when a {@link Workspace} step that lent it has ended.
     *
     * @param shape the shape of the tensor being read, for the message
     */
    Matrix matrix(DType dtype, int[] shape) {
        Matrix m = matrix;
        if (m == null) {
            throw new IllegalStateException("this " + Shape.str(shape) + " " + dtype + " tensor was computed during "
                    + "a Workspace step that has ended, and its storage now serves later steps; read what you need "
                    + "before the step ends, or call workspace.keep(tensor) inside it");
        }
        return m;
    }

    /** The matrix, or null once released (for the workspace, which returns it to its pool). */
    Matrix matrixOrNull() {
        return matrix;
    }

    /** The float[] or double[] behind the matrix (shared with every view); throws once released. */
    Object array(DType dtype, int[] shape) {
        return arrayOf(matrix(dtype, shape));
    }

    /** The number of elements of the array behind the matrix; throws once released. */
    int length(DType dtype, int[] shape) {
        Object a = array(dtype, shape);
        return a instanceof float[] f ? f.length : ((double[]) a).length;
    }

    /** True once a workspace step that lent this storage has ended. */
    boolean isReleased() {
        return matrix == null;
    }

    /** Called by the workspace when the step that lent this storage ends: every view becomes unreadable. */
    void release() {
        matrix = null;
        workspace = null;
    }

    /** The float[] or double[] behind an EJML matrix of either dtype. */
    static Object arrayOf(Matrix m) {
        return m instanceof FMatrixRMaj f ? f.data : ((DMatrixRMaj) m).data;
    }
}
