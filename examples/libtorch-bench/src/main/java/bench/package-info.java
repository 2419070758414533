/**
 * libtorch reference benchmarks (a standalone Maven project, not part of the root build): Tapegrad's MNIST and
 * sequence networks in PyTorch's C++ core, so Tapegrad's figures can be quoted as ratios (see the README here).
 *
 * <p>May use: no Tapegrad package.
 */
package bench;
