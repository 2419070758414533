package org.tapegrad.examples;

import java.util.Locale;

/** Numbers for people: fixed-point while that stays short, scientific notation where it would not. */
final class Fmt {
    private Fmt() {
    }

    /**
     * {@code x} with {@code decimals} decimals when it is 0 or {@code 10^-decimals <= |x| < 10^6}, otherwise in
     * scientific notation with {@code decimals - 1} decimals ({@code 1.23e+09}, {@code 4.56e-07}), so a diverging
     * loss stays one column wide; NaN and infinities as {@code NaN}, {@code Infinity}, {@code -Infinity}.
     */
    static String num(double x, int decimals) {
        if (!Double.isFinite(x)) {
            return Double.toString(x);
        }
        double a = Math.abs(x);
        if (x == 0 || (a >= Math.pow(10, -decimals) && a < 1e6)) {
            return String.format(Locale.ROOT, "%." + decimals + "f", x);
        }
        return String.format(Locale.ROOT, "%." + Math.max(1, decimals - 1) + "e", x);
    }
}
