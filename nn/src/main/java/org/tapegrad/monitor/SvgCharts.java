package org.tapegrad.monitor;

import java.util.List;
import java.util.Locale;

/**
 * Inline SVG line and bar charts, as well-formed XML (for XHTML pages) with no script, font or other external
 * resource. Series are coloured from blue (first, the input side) to red (last, the output side), so depth reads as
 * colour. On a log scale, values that are not positive or not finite leave a gap.
 */
final class SvgCharts {
    private static final int WIDTH = 860;
    private static final int HEIGHT = 330;
    private static final int LEFT = 70;
    private static final int RIGHT = 170;
    private static final int TOP = 20;
    private static final int BOTTOM = 60;

    private SvgCharts() {
    }

    /** A horizontal reference line at {@code y} with a label. */
    record Rule(double y, String label) {
    }

    /**
     * Lines of {@code ys[s][i]} against {@code xs[i]}, one per series.
     *
     * @param id     the svg element's id
     * @param names  series names, for the legend
     * @param rules  horizontal reference lines (may be empty)
     */
    static String lineChart(String id, String yLabel, double[] xs, List<String> names, double[][] ys, boolean logY,
            List<Rule> rules) {
        return lineChart(id, yLabel, "step", xs, names, ys, logY, rules);
    }

    /** {@link #lineChart(String, String, double[], List, double[][], boolean, List)} with its own x-axis label. */
    static String lineChart(String id, String yLabel, String xLabel, double[] xs, List<String> names, double[][] ys,
            boolean logY, List<Rule> rules) {
        Scale y = Scale.of(ys, logY, rules);
        double x0 = xs.length == 0 ? 0 : xs[0];
        double x1 = xs.length == 0 ? 1 : Math.max(xs[xs.length - 1], x0 + 1);
        StringBuilder sb = open(id, yLabel, xLabel);
        yAxis(sb, y);
        for (int k = 0; k <= 4; k++) {
            double step = x0 + (x1 - x0) * k / 4;
            double px = LEFT + plotWidth() * (step - x0) / (x1 - x0);
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>",
                    px, HEIGHT - BOTTOM + 16, step));
        }
        for (Rule r : rules) {
            double py = y.pixel(r.y());
            if (!Double.isNaN(py)) {
                sb.append(String.format(Locale.ROOT, "<line class=\"rule\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                        + "stroke=\"#666\" stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%.1f\" font-size=\"10\">%s"
                        + "</text>", LEFT, WIDTH - RIGHT, py, py, LEFT + 4, py - 3, HtmlReport.escape(r.label())));
            }
        }
        for (int s = 0; s < ys.length; s++) {
            StringBuilder d = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < xs.length; i++) {
                double py = y.pixel(ys[s][i]);
                if (Double.isNaN(py)) {
                    pen = false;
                    continue;
                }
                double px = LEFT + plotWidth() * (xs[i] - x0) / (x1 - x0);
                d.append(pen ? " L" : " M").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                pen = true;
            }
            if (d.length() > 0) {
                sb.append("<path class=\"series\" fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(colour(s, ys.length))
                        .append("\" d=\"").append(d.toString().trim()).append("\"><title>")
                        .append(HtmlReport.escape(names.get(s))).append("</title></path>");
            }
        }
        legend(sb, names, null);
        return sb.append("</svg>").toString();
    }

    /**
     * Grouped bars: for each category (a layer, in network order), one bar per series.
     *
     * @param values {@code values[s][c]}: series s, category c
     */
    static String barChart(String id, String yLabel, List<String> categories, List<String> series, double[][] values,
            boolean logY) {
        Scale y = Scale.of(values, logY, List.of());
        StringBuilder sb = open(id, yLabel, "layer (network order)");
        yAxis(sb, y);
        int n = Math.max(1, categories.size());
        double slot = plotWidth() / (double) n;
        double bar = slot * 0.8 / series.size();
        double base = HEIGHT - BOTTOM;
        for (int c = 0; c < categories.size(); c++) {
            double cx = LEFT + slot * (c + 0.5);
            String label = HtmlReport.escape(categories.get(c));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" font-size=\"10\" "
                    + "transform=\"rotate(-45 %.1f %d)\">%s</text>", cx, HEIGHT - BOTTOM + 12, cx, HEIGHT - BOTTOM + 12,
                    label));
            for (int s = 0; s < series.size(); s++) {
                double py = y.pixel(values[s][c]);
                if (Double.isNaN(py)) {
                    continue;
                }
                double x = cx - slot * 0.4 + s * bar;
                sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        + "height=\"%.1f\" fill=\"%s\"><title>%s, %s: %s</title></rect>", x, py, bar, Math.max(0, base - py),
                        barColour(s), label, HtmlReport.escape(series.get(s)), String.format(Locale.ROOT, "%.3g",
                        values[s][c])));
            }
        }
        legend(sb, series, SvgCharts::barColour);
        return sb.append("</svg>").toString();
    }

    private static StringBuilder open(String id, String yLabel, String xLabel) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" width=\"%d\" "
                + "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">", id, WIDTH, HEIGHT,
                WIDTH, HEIGHT));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
                + "stroke=\"#999\"/>", LEFT, TOP, plotWidth(), HEIGHT - TOP - BOTTOM));
        sb.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                + "text-anchor=\"middle\">%s</text>", (HEIGHT - BOTTOM + TOP) / 2, (HEIGHT - BOTTOM + TOP) / 2,
                HtmlReport.escape(yLabel)));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                LEFT + plotWidth() / 2, HEIGHT - 6, HtmlReport.escape(xLabel)));
        return sb;
    }

    private static void yAxis(StringBuilder sb, Scale y) {
        for (double tick : y.ticks()) {
            double py = y.pixel(tick);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", LEFT, WIDTH - RIGHT, py, py, LEFT - 4,
                    py + 4, y.label(tick)));
        }
    }

    private static void legend(StringBuilder sb, List<String> names, java.util.function.IntFunction<String> colours) {
        int rows = Math.min(names.size(), (HEIGHT - TOP - 10) / 13);
        for (int s = 0; s < rows; s++) {
            int y = TOP + 8 + 13 * s;
            String colour = colours != null ? colours.apply(s) : colour(s, names.size());
            String name = s == rows - 1 && rows < names.size() ? "… " + (names.size() - s) + " more" : names.get(s);
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>", WIDTH - RIGHT + 10, y - 9, colour, WIDTH - RIGHT + 24, y,
                    HtmlReport.escape(name)));
        }
    }

    /** Blue for the first of n series through to red for the last. */
    static String colour(int s, int n) {
        double t = n <= 1 ? 0 : (double) s / (n - 1);
        return String.format(Locale.ROOT, "hsl(%.0f,70%%,45%%)", 230 * (1 - t));
    }

    private static String barColour(int s) {
        return s == 0 ? "#4477aa" : s == 1 ? "#ee6677" : "#228833";
    }

    private static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    /** A linear or log10 y scale over the finite (and, for log, positive) values. */
    private record Scale(double lo, double hi, boolean log) {
        static Scale of(double[][] values, boolean log, List<Rule> rules) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] row : values) {
                for (double v : row) {
                    if (Double.isFinite(v) && (!log || v > 0)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
            for (Rule r : rules) {
                lo = Math.min(lo, r.y());
                hi = Math.max(hi, r.y());
            }
            if (lo > hi) { // nothing to show
                return log ? new Scale(-1, 1, true) : new Scale(0, 1, false);
            }
            if (log) {
                return new Scale(Math.floor(Math.log10(lo)), Math.max(Math.ceil(Math.log10(hi)),
                        Math.floor(Math.log10(lo)) + 1), true);
            }
            lo = Math.min(0, lo);
            return new Scale(lo, hi > lo ? hi : lo + 1, false);
        }

        /** The pixel row of {@code v}, NaN when it cannot be drawn. */
        double pixel(double v) {
            if (!Double.isFinite(v) || (log && v <= 0)) {
                return Double.NaN;
            }
            double u = log ? Math.log10(v) : v;
            double t = (u - lo) / (hi - lo);
            return HEIGHT - BOTTOM - t * (HEIGHT - TOP - BOTTOM);
        }

        double[] ticks() {
            if (log) {
                int decades = (int) (hi - lo);
                int every = Math.max(1, decades / 8);
                double[] t = new double[decades / every + 1];
                for (int i = 0; i < t.length; i++) {
                    t[i] = Math.pow(10, lo + i * every);
                }
                return t;
            }
            double[] t = new double[5];
            for (int i = 0; i < 5; i++) {
                t[i] = lo + (hi - lo) * i / 4;
            }
            return t;
        }

        String label(double tick) {
            return log ? "1e" + Math.round(Math.log10(tick)) : String.format(Locale.ROOT, "%.3g", tick);
        }
    }
}
