/** Optimizers that consume the gradients computed by {@code org.tapegrad.core}, schedules and clipping. */
package org.tapegrad.optim;
