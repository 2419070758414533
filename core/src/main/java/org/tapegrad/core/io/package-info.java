/**
 * Files: {@link org.tapegrad.core.io.StateDict} (named tensors and metadata) written as safetensors
 * ({@link org.tapegrad.core.io.SafeTensors}), {@link org.tapegrad.core.io.Checkpoint} (a training run's state),
 * {@link org.tapegrad.core.io.Json} (the small JSON reader and writer they need) and
 * {@link org.tapegrad.core.io.AtomicFile} (write to a temporary file, then rename).
 *
 * <p>May use: {@code org.tapegrad.core}.
 */
package org.tapegrad.core.io;
