package org.tapegrad.nn.train;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.nn.Layer;

/**
 * Evaluates a classifier: mean cross-entropy and accuracy over batches, in eval mode (dropout off, batch norm on
 * running statistics) and with nothing recorded. The model's training mode is restored afterwards.
 */
public final class Evaluation {
    private Evaluation() {
    }

    /**
     * @param loss     mean cross-entropy per example
     * @param accuracy fraction of examples whose largest logit is their label (a row with a NaN or infinite logit
     *                 counts as wrong, see {@link Accuracy})
     * @param examples number of examples seen
     */
    public record Result(double loss, double accuracy, long examples) {
    }

    public static Result evaluate(Layer model, Iterable<Batch> batches) {
        boolean wasTraining = model.isTraining();
        model.eval();
        RunningMean loss = new RunningMean();
        Accuracy accuracy = new Accuracy();
        try (Scope noGrad = Tape.noGrad()) {
            for (Batch b : batches) {
                Tensor logits = model.call(b.inputs());
                loss.add(Losses.crossEntropy(logits, b.labels()).item(), b.size());
                accuracy.update(logits, b.labels());
            }
        } finally {
            model.train(wasTraining);
        }
        return new Result(loss.mean(), accuracy.value(), accuracy.total());
    }
}
