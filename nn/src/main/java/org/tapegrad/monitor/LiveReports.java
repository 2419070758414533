package org.tapegrad.monitor;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.io.AtomicFile;

/**
 * A monitor's reports written while training runs, into one directory (the names of {@link MonitorReports}):
 * <ul>
 * <li>{@value MonitorReports#JSONL} and {@value MonitorReports#CSV}: each sample's line (rows) appended and flushed
 * as the sample is taken, so {@code tail -f} and a pandas reload see every sample so far;</li>
 * <li>{@value MonitorReports#TIME_STEPS_JSONL} (a model with recurrent layers): the same, one line per recurrent
 * layer and sample;</li>
 * <li>{@value MonitorReports#HTML} and {@value MonitorReports#SUMMARY}: rewritten atomically every
 * {@code pageEvery} samples and on {@link #close()}, so the page can be reloaded during a long run and is never
 * seen half-written.</li>
 * </ul>
 * At the end the files hold what {@link MonitorReports#writeAll} would write for the same monitor.
 *
 * <pre>{@code
 * GradientMonitor monitor = GradientMonitor.attach(model, 10);
 * try (LiveReports live = LiveReports.start(monitor, "my run", Path.of("monitor"), 5)) {
 *     ... training loop with monitor.beforeStep() / monitor.afterStep(loss) ...
 * }
 * }</pre>
 *
 * <p>Writing happens on the training thread, inside the sampled step's {@code afterStep}; an I/O failure there is
 * thrown from {@code afterStep} as an {@link UncheckedIOException}. Not thread-safe, like the monitor.
 */
public final class LiveReports implements AutoCloseable {
    private final GradientMonitor monitor;
    private final String title;
    private final Path dir;
    private final int pageEvery;
    private final BufferedWriter jsonl;
    private final BufferedWriter csv;
    private BufferedWriter timeSteps;
    /** Per recurrent layer, the index of its next time-step sample to write. */
    private final int[] nextTimeStep;
    private final HookHandle listener;
    private int samples;
    private boolean closed;

    private LiveReports(GradientMonitor monitor, String title, Path dir, int pageEvery) throws IOException {
        this.monitor = monitor;
        this.title = title;
        this.dir = dir;
        this.pageEvery = pageEvery;
        Files.createDirectories(dir);
        jsonl = Files.newBufferedWriter(dir.resolve(MonitorReports.JSONL), StandardCharsets.UTF_8);
        csv = Files.newBufferedWriter(dir.resolve(MonitorReports.CSV), StandardCharsets.UTF_8);
        csv.write(CsvReport.HEADER);
        csv.write('\n');
        nextTimeStep = new int[monitor.timeSteps().layerNames().size()];
        if (nextTimeStep.length > 0) {
            timeSteps = Files.newBufferedWriter(dir.resolve(MonitorReports.TIME_STEPS_JSONL), StandardCharsets.UTF_8);
        }
        for (StepRecord r : monitor.records()) { // samples taken before the start
            append(r);
        }
        flush();
        writePage();
        listener = monitor.onSample(this::onSample);
    }

    /**
     * Starts writing {@code monitor}'s reports into {@code dir} (created if needed; files of the same names are
     * replaced); samples the monitor already took are written at once.
     *
     * @param monitor   the monitor (attached or not)
     * @param title     the HTML page's title
     * @param dir       the directory of the reports
     * @param pageEvery N &gt;= 1: rewrite the HTML page and the summary every N-th sample
     */
    public static LiveReports start(GradientMonitor monitor, String title, Path dir, int pageEvery)
            throws IOException {
        Objects.requireNonNull(monitor, "monitor");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(dir, "dir");
        if (pageEvery < 1) {
            throw new IllegalArgumentException("LiveReports.start: pageEvery must be at least 1 (rewrite the page "
                    + "every N-th sample), got " + pageEvery);
        }
        return new LiveReports(monitor, title, dir, pageEvery);
    }

    private void onSample(StepRecord r) {
        try {
            append(r);
            flush();
            if (++samples % pageEvery == 0) {
                writePage();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("LiveReports: writing the monitor's reports into " + dir + " failed", e);
        }
    }

    private void append(StepRecord r) throws IOException {
        jsonl.write(JsonLinesReport.line(r));
        jsonl.write('\n');
        csv.write(CsvReport.rows(r));
        if (timeSteps != null) { // every layer's samples up to this step, as JsonLinesReport.writeTimeSteps orders them
            List<String> layers = monitor.timeSteps().layerNames();
            for (int k = 0; k < layers.size(); k++) {
                List<TimeStepGradients.Sample> s = monitor.timeSteps().samples(layers.get(k));
                while (nextTimeStep[k] < s.size() && s.get(nextTimeStep[k]).step() <= r.step()) {
                    timeSteps.write(JsonLinesReport.timeStepLine(layers.get(k), s.get(nextTimeStep[k]++)));
                    timeSteps.write('\n');
                }
            }
        }
    }

    private void flush() throws IOException {
        jsonl.flush();
        csv.flush();
        if (timeSteps != null) {
            timeSteps.flush();
        }
    }

    private void writePage() throws IOException {
        HtmlReport.write(monitor, title, dir.resolve(MonitorReports.HTML)); // atomically, as AtomicFile writes
        AtomicFile.writeString(dir.resolve(MonitorReports.SUMMARY), TextSummary.of(monitor));
    }

    /** The directory of the reports. */
    public Path dir() {
        return dir;
    }

    /**
     * Stops listening, writes the final page and summary, and closes the files. Idempotent; the monitor itself
     * stays attached.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        listener.remove();
        List<IOException> failures = new ArrayList<>();
        try {
            writePage();
        } catch (IOException e) {
            failures.add(e);
        }
        for (BufferedWriter w : timeSteps == null ? List.of(jsonl, csv) : List.of(jsonl, csv, timeSteps)) {
            try {
                w.close();
            } catch (IOException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            IOException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
