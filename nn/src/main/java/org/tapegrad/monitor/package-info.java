/**
 * Gradient-flow monitoring: {@link org.tapegrad.monitor.GradientMonitor} attaches to any module through its hooks
 * and records, every N steps, per-parameter and per-layer gradient statistics, update-to-parameter ratios, output
 * statistics (dead units) and the gradient reaching each layer ({@link org.tapegrad.monitor.StepRecord}), and for
 * recurrent layers the gradient with respect to the hidden state at each time step
 * ({@link org.tapegrad.monitor.TimeStepGradients});
 * {@link org.tapegrad.monitor.Rules} turn them into {@link org.tapegrad.monitor.Diagnostic}s (VANISHING,
 * EXPLODING, DEAD_UNITS, NON_FINITE, UPDATE_RATIO) with {@link org.tapegrad.monitor.Thresholds}, and the monitor
 * keeps them as data: per sample as {@link org.tapegrad.monitor.Finding}s (new, holds, cleared), over the run as
 * {@link org.tapegrad.monitor.Verdict}s; logging is one more place they go. Reports are JSON Lines
 * ({@link org.tapegrad.monitor.JsonLinesReport}), CSV ({@link org.tapegrad.monitor.CsvReport}), a
 * self-contained HTML page with SVG charts ({@link org.tapegrad.monitor.HtmlReport}) and a text table
 * ({@link org.tapegrad.monitor.TextSummary}); {@link org.tapegrad.monitor.MonitorReports} writes all four at
 * the end, {@link org.tapegrad.monitor.LiveReports} while training runs.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm},
 * {@code org.tapegrad.core.io}, {@code org.tapegrad.nn}. A tree of its own (built in the nn module, which it
 * needs): a tool that watches training, on which nothing in nn depends.
 */
package org.tapegrad.monitor;
