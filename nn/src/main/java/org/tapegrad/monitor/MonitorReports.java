package org.tapegrad.monitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tapegrad.core.io.AtomicFile;

/** Writes every report of a monitor into one directory. */
public final class MonitorReports {
    /** File names inside the directory. */
    public static final String JSONL = "gradients.jsonl";
    public static final String CSV = "gradients.csv";
    public static final String HTML = "gradients.html";
    public static final String SUMMARY = "summary.txt";
    /** Written only for a model with recurrent layers: see {@link JsonLinesReport#timeStepLine}. */
    public static final String TIME_STEPS_JSONL = "timesteps.jsonl";

    private MonitorReports() {
    }

    /**
     * Writes {@value #JSONL}, {@value #CSV}, {@value #HTML} and {@value #SUMMARY} into {@code dir} (created if
     * needed; files of the same names are replaced, each all at once by {@link AtomicFile}, so an interrupted or
     * failed write leaves the previous file whole), and {@value #TIME_STEPS_JSONL} when the model has recurrent
     * layers.
     *
     * @return {@code dir}
     */
    public static Path writeAll(GradientMonitor monitor, String title, Path dir) throws IOException {
        Files.createDirectories(dir);
        JsonLinesReport.write(monitor.records(), dir.resolve(JSONL));
        CsvReport.write(monitor.records(), dir.resolve(CSV));
        HtmlReport.write(monitor, title, dir.resolve(HTML));
        AtomicFile.writeString(dir.resolve(SUMMARY), TextSummary.of(monitor));
        if (!monitor.timeSteps().layerNames().isEmpty()) {
            JsonLinesReport.writeTimeSteps(monitor.timeSteps(), dir.resolve(TIME_STEPS_JSONL));
        }
        return dir;
    }
}
