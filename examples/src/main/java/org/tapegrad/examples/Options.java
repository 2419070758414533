package org.tapegrad.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options, validated against the names a command accepts. */
final class Options {
    private final Map<String, String> values = new HashMap<>();
    final boolean help;

    Options(String[] args, Set<String> accepted) {
        boolean h = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                h = true;
            } else if (a.startsWith("--") && accepted.contains(a.substring(2)) && i + 1 < args.length) {
                values.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("unknown or incomplete option '" + a + "' (accepted: --"
                        + String.join(", --", accepted) + ")");
            }
        }
        help = h;
    }

    int integer(String name, int fallback, int min) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                throw new IllegalArgumentException("--" + name + " must be at least " + min + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    double real(String name, double fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("--" + name + " must be a positive number, got " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects a number, got '" + v + "'");
        }
    }

    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    java.nio.file.Path path(String name) {
        String v = values.get(name);
        return v == null ? null : java.nio.file.Path.of(v);
    }
}
