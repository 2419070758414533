/**
 * Neural-network building blocks on top of {@code org.tapegrad.core}, with PyTorch's names and semantics:
 * {@link org.tapegrad.nn.Layer} (explicitly registered parameters, buffers and children; hooks; state dicts),
 * layers ({@link org.tapegrad.nn.Linear}, {@link org.tapegrad.nn.Sequential}, activations,
 * {@link org.tapegrad.nn.Dropout}, {@link org.tapegrad.nn.BatchNorm1d}, {@link org.tapegrad.nn.LayerNorm},
 * {@link org.tapegrad.nn.GroupNorm}, {@link org.tapegrad.nn.Embedding}), convolutional layers
 * ({@link org.tapegrad.nn.Conv1d}, {@link org.tapegrad.nn.Conv2d},
 * {@link org.tapegrad.nn.ConvTranspose2d}, {@link org.tapegrad.nn.MaxPool2d}, {@link org.tapegrad.nn.AvgPool2d},
 * {@link org.tapegrad.nn.AdaptiveAvgPool2d}, {@link org.tapegrad.nn.GlobalAvgPool2d}, {@link org.tapegrad.nn.BatchNorm2d}, {@link org.tapegrad.nn.Dropout2d},
 * {@link org.tapegrad.nn.Unflatten}), recurrent layers over {@code [batch, time, features]} ({@link org.tapegrad.nn.Rnn},
 * {@link org.tapegrad.nn.Lstm}, {@link org.tapegrad.nn.Gru}, returning a {@link org.tapegrad.nn.RecurrentOutput}) and
 * their cells ({@link org.tapegrad.nn.RnnCell}, {@link org.tapegrad.nn.LstmCell}, {@link org.tapegrad.nn.GruCell};
 * state in a {@link org.tapegrad.nn.RecurrentState}, whose {@code detach()} gives truncated backpropagation through
 * time), attention ({@link org.tapegrad.nn.MultiheadAttention}), losses ({@link org.tapegrad.nn.CrossEntropyLoss} and
 * friends, each with a
 * {@link org.tapegrad.nn.Reduction}), per-example gradients ({@link org.tapegrad.nn.PerSampleGradients}), initialisers ({@link org.tapegrad.nn.Init}) and the global
 * {@link org.tapegrad.nn.Seed} for layers built without an explicit generator.
 *
 * <pre>{@code
 * jshell> import org.tapegrad.core.*; import org.tapegrad.nn.*;
 * jshell> Seed.set(0);
 * jshell> var model = new Sequential(new Linear(2, 16), new Relu(), new Linear(16, 3));
 * jshell> var lossFn = new CrossEntropyLoss();
 * jshell> var x = Tensor.of(new float[] {0.5f, -1f, 2f, 0f}, 2, 2);
 * jshell> try (var tape = Tape.record()) { tape.backward(lossFn.forward(model.call(x), new int[] {0, 2})); }
 * jshell> model.parameters().get(0).grad().shape()
 * $7 ==> int[2] { 16, 2 }
 * jshell> model.numParameters()
 * $8 ==> 99
 * }</pre>
 *
 * <p>Layers compute with core ops only, so every gradient comes from the core's backward rules; the tests check
 * the composed ones (batch normalisation in 1-D and 2-D, layer normalisation, each recurrent cell and unrolled
 * sequences) against finite differences.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm}, {@code org.tapegrad.core.io}.
 */
package org.tapegrad.nn;
