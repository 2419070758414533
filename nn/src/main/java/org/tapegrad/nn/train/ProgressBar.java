package org.tapegrad.nn.train;

import java.io.PrintStream;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of long work: batches done, samples/s, ETA and the current loss. On a terminal it redraws one line in
 * place; otherwise (a log file, CI) it writes a log line through slf4j at most every 10 seconds instead.
 *
 * <pre>{@code
 * var bar = new ProgressBar("epoch 1", loader.batchesPerEpoch());
 * for (Batch b : loader) { ...; bar.step(b.size(), loss.item()); }
 * bar.finish();
 * }</pre>
 */
public final class ProgressBar {
    private static final Logger log = LoggerFactory.getLogger(ProgressBar.class);
    private static final int WIDTH = 30;
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final String label;
    private final int total;
    private final PrintStream terminal;
    private final long start = System.nanoTime();
    private int done;
    private long samples;
    private long lastDraw = start;

    /** A bar that draws on stderr when the program runs in a terminal, and logs otherwise. */
    public ProgressBar(String label, int total) {
        this(label, total, System.console() != null ? System.err : null);
    }

    /** A bar that draws on {@code terminal}, or logs when it is null. */
    public ProgressBar(String label, int total, PrintStream terminal) {
        if (total <= 0) {
            throw new IllegalArgumentException("ProgressBar: total must be positive, got " + total);
        }
        this.label = label;
        this.total = total;
        this.terminal = terminal;
    }

    /** One unit of work done, covering {@code batchSamples} samples, with the latest loss. */
    public void step(int batchSamples, double loss) {
        done++;
        samples += batchSamples;
        long now = System.nanoTime();
        if (terminal != null) {
            if (now - lastDraw > 100_000_000L || done == total) { // at most 10 redraws a second
                lastDraw = now;
                terminal.print('\r' + line(loss));
                terminal.flush();
            }
        } else if (now - lastDraw >= LOG_INTERVAL_NANOS && done < total) {
            lastDraw = now;
            log.info("{}", line(loss));
        }
    }

    /** Ends the bar's line on a terminal. */
    public void finish() {
        if (terminal != null) {
            terminal.println();
        }
    }

    /** The status text, e.g. {@code epoch 1 [=====>     ] 235/469 12,345 samples/s ETA 0:19 loss 0.2314}. */
    String line(double loss) {
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = samples / Math.max(seconds, 1e-9);
        double eta = done == 0 ? 0 : seconds / done * (total - done);
        int filled = (int) ((long) WIDTH * done / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        return String.format(Locale.ROOT, "%s [%s] %d/%d %,.0f samples/s ETA %d:%02d loss %.4f", label, bar, done,
                total, rate, (long) eta / 60, (long) eta % 60, loss);
    }
}
