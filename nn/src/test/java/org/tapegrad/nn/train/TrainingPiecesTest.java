package org.tapegrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.nn.Dropout;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Sequential;

class TrainingPiecesTest {
    // Three rows of logits over 4 classes. Row 0: label 2 is the largest. Row 1: label 0 is 2nd. Row 2: label 3
    // ties with class 1 for the largest; the lower index (1) ranks first, so label 3 is 2nd.
    private static final Tensor LOGITS = Tensor.of(new float[] {
        0.1f, 0.2f, 0.9f, 0.0f,
        0.5f, 0.7f, 0.1f, 0.2f,
        0.0f, 0.8f, 0.1f, 0.8f}, 3, 4);
    private static final int[] LABELS = {2, 0, 3};

    @Test
    void runningMeanWeightsBatches() {
        RunningMean m = new RunningMean();
        assertTrue(Double.isNaN(m.mean()));
        m.add(1.0, 3);
        m.add(3.0, 1);
        assertEquals(1.5, m.mean(), 1e-15);
        assertEquals(4, m.count(), 0);
        m.reset();
        assertTrue(Double.isNaN(m.mean()));
    }

    @Test
    void topOneAndTopKAccuracy() {
        Accuracy top1 = new Accuracy();
        top1.update(LOGITS, LABELS);
        assertEquals(1.0 / 3, top1.value(), 1e-15);
        Accuracy top2 = new Accuracy(2);
        top2.update(LOGITS, LABELS);
        assertEquals(1.0, top2.value(), 0);
        top2.update(LOGITS.narrow(0, 0, 1), new int[] {3}); // class 3 is last of 4 in row 0
        assertEquals(3.0 / 4, top2.value(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> top1.update(LOGITS, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> top1.update(LOGITS, new int[] {0, 1, 4}));
        Accuracy fromTensor = new Accuracy();
        fromTensor.update(LOGITS, Tensor.of(LABELS, LABELS.length)); // an int32 label tensor counts the same
        assertEquals(1.0 / 3, fromTensor.value(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> fromTensor.update(LOGITS, Tensor.zeros(3)));
    }

    @Test
    void aRowWithANonFiniteLogitIsWrongEvenWhenItsLabelWouldRankFirst() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        // Row 0: NaN at the label (every comparison with NaN is false, so it used to rank first). Row 1: NaN
        // elsewhere, label the largest finite logit. Row 2: +Inf at the label. Row 3: finite and right.
        Tensor logits = Tensor.of(new float[] {
            0.1f, nan, 0.2f,
            nan, 0.9f, 0.1f,
            0.0f, 0.1f, inf,
            0.3f, 0.1f, 0.2f}, 4, 3);
        int[] labels = {1, 1, 2, 0};
        Accuracy top1 = new Accuracy();
        top1.update(logits, labels);
        assertEquals(1, top1.correct());
        Accuracy top3 = new Accuracy(3);
        top3.update(logits, labels);
        assertEquals(1, top3.correct(), "every class is in the top 3, but a non-finite row is still wrong");

        Layer nanModel = new Layer() {
            @Override
            public Tensor forward(Tensor x) {
                return x.mul(Float.NaN);
            }
        };
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Evaluation.Result r = Evaluation.evaluate(nanModel, List.of(new Batch(x, new int[] {0, 2})));
        assertEquals(0.0, r.accuracy(), 0, "a model that outputs NaN scores 0");
        assertTrue(Double.isNaN(r.loss()));
    }

    @Test
    void confusionMatrixCountsArgmaxPredictions() {
        ConfusionMatrix cm = new ConfusionMatrix(4);
        cm.update(LOGITS, LABELS);
        assertEquals(1, cm.count(2, 2));
        assertEquals(1, cm.count(0, 1));
        assertEquals(1, cm.count(3, 1), "a tie goes to the lower index, as argmax");
        assertEquals(1.0 / 3, cm.accuracy(), 1e-15);
        assertEquals(0.0, cm.recall(0), 0);
        assertTrue(Double.isNaN(cm.recall(1)));
        assertTrue(cm.toString().contains("recall"));
    }

    @Test
    void earlyStoppingWaitsForPatience() {
        EarlyStopping stop = new EarlyStopping(EarlyStopping.Mode.MAX, 2, 0.001);
        assertFalse(stop.update(0.90));
        assertTrue(stop.lastWasBest());
        assertFalse(stop.update(0.95));
        assertFalse(stop.update(0.9505), "an improvement below minDelta does not count");
        assertFalse(stop.lastWasBest());
        assertTrue(stop.update(0.94), "second evaluation in a row without improvement, patience 2");
        assertEquals(0.95, stop.best(), 0);
        assertEquals(1, stop.bestStep());
        EarlyStopping loss = new EarlyStopping(EarlyStopping.Mode.MIN, 0, 0);
        assertFalse(loss.update(1.0));
        assertTrue(loss.update(1.0));
    }

    @Test
    void progressBarDrawsOnATerminalAndFormatsItsLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar("epoch 1", 4, new PrintStream(out, true, StandardCharsets.UTF_8));
        for (int i = 0; i < 4; i++) {
            bar.step(32, 0.5);
        }
        bar.finish();
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("\repoch 1 ["), text);
        assertTrue(text.contains("4/4") && text.contains("samples/s") && text.contains("ETA 0:00")
                && text.contains("loss 0.5000"), text);
        assertTrue(text.endsWith(System.lineSeparator()));
        String half = new ProgressBar("x", 10, null).line(1.25);
        assertTrue(half.matches("x \\[> {29}\\] 0/10 0 samples/s ETA 0:00 loss 1\\.2500"), half);
        assertThrows(IllegalArgumentException.class, () -> new ProgressBar("x", 0));
    }

    @Test
    void evaluationRunsInEvalModeWithoutRecordingAndRestoresTheMode() {
        java.util.Random rng = new java.util.Random(1);
        Layer model = new Sequential(new Linear(4, 4, rng), new Dropout(0.5, rng));
        Tensor x = Tensor.randn(rng, 6, 4);
        int[] y = {0, 1, 2, 3, 0, 1};
        List<Batch> batches = List.of(new Batch(x.narrow(0, 0, 4), new int[] {0, 1, 2, 3}),
                new Batch(x.narrow(0, 4, 2), new int[] {0, 1}));
        model.train();
        Evaluation.Result r;
        try (Tape tape = Tape.record()) {
            r = Evaluation.evaluate(model, batches);
            assertEquals(0, tape.size(), "evaluation records nothing");
        }
        assertTrue(model.isTraining(), "training mode restored");
        model.eval();
        Tensor logits = model.call(x);
        Accuracy expected = new Accuracy();
        expected.update(logits, y);
        double loss = org.tapegrad.core.Losses.crossEntropy(logits, y).item();
        assertEquals(6, r.examples());
        assertEquals(expected.value(), r.accuracy(), 0);
        assertEquals(loss, r.loss(), 1e-6, "mean over examples, dropout off");
    }
}
