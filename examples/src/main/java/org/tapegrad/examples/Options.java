package org.tapegrad.examples;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code --name value} options and {@code --name} flags, validated against the names a command accepts. A missing
 * value ({@code --epochs} last, or followed by another option) is refused with "--epochs needs a value"; an unknown
 * name with the nearest accepted one; an option given twice or a bare word, with what was wrong.
 */
final class Options {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flagsSet = new HashSet<>();
    final boolean help;

    /** Options that each take a value. */
    Options(String[] args, Set<String> accepted) {
        this(args, accepted, Set.of());
    }

    /** Options that take a value ({@code accepted}) and flags that take none ({@code flags}). */
    Options(String[] args, Set<String> accepted, Set<String> flags) {
        Set<String> all = new TreeSet<>(accepted);
        all.addAll(flags);
        boolean h = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                h = true;
                continue;
            }
            if (!a.startsWith("--") || a.length() == 2) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'" + (all.isEmpty()
                        ? ": this command takes no options" : "; options start with -- (accepted: " + list(all) + ")"));
            }
            String name = a.substring(2);
            if (!all.contains(name)) {
                throw new IllegalArgumentException(unknown(a, all));
            }
            if (values.containsKey(name) || flagsSet.contains(name)) {
                throw new IllegalArgumentException("--" + name + " is given twice");
            }
            if (flags.contains(name)) {
                flagsSet.add(name);
            } else if (i + 1 >= args.length || (args[i + 1].startsWith("--") && args[i + 1].length() > 2)) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            } else {
                values.put(name, args[++i]);
            }
        }
        help = h;
    }

    /**
     * For a command that takes no options: true when {@code args} is {@code --help} (print the usage and stop),
     * false when empty; anything else is refused with the command's {@code usage}.
     */
    static boolean noOptions(String[] args, String usage) {
        try {
            return new Options(args, Set.of()).help;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "\n" + usage, e);
        }
    }

    /** "unknown option '--x'", with the accepted name nearest to it when one is close, and the full list. */
    static String unknown(String given, Set<String> accepted) {
        if (accepted.isEmpty()) {
            return "unknown option '" + given + "': this command takes no options";
        }
        String nearest = nearest(given.substring(2), accepted);
        return "unknown option '" + given + "'" + (nearest != null ? "; did you mean --" + nearest + "?" : "")
                + " (accepted: " + list(accepted) + ")";
    }

    /**
     * The shortest candidate that starts with {@code name} (for a name of 2 or more characters), else the candidate
     * nearest to it in edit distance (ties: the first in alphabetical order) when that is at most max(2, length/3)
     * edits away or a prefix of the name; else null.
     */
    static String nearest(String name, Set<String> candidates) {
        String prefixed = null;
        for (String c : new TreeSet<>(candidates)) {
            if (name.length() >= 2 && c.startsWith(name) && (prefixed == null || c.length() < prefixed.length())) {
                prefixed = c;
            }
        }
        if (prefixed != null) {
            return prefixed;
        }
        String nearest = null;
        int best = Integer.MAX_VALUE;
        for (String c : new TreeSet<>(candidates)) {
            int d = distance(name, c);
            if (d < best) {
                best = d;
                nearest = c;
            }
        }
        boolean close = nearest != null && (best <= Math.max(2, name.length() / 3) || name.startsWith(nearest));
        return close ? nearest : null;
    }

    private static String list(Set<String> names) {
        return "--" + String.join(", --", new TreeSet<>(names));
    }

    /** Levenshtein distance: the fewest insertions, deletions and substitutions that turn a into b. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Whether flag {@code name} was given. */
    boolean flag(String name) {
        return flagsSet.contains(name);
    }

    int integer(String name, int fallback, int min) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects an integer, got '" + v + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException("--" + name + " must be at least " + min + ", got " + n);
        }
        return n;
    }

    double real(String name, double fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects a number, got '" + v + "'");
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("--" + name + " must be a positive number, got " + v);
        }
        return d;
    }

    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    Path path(String name) {
        String v = values.get(name);
        return v == null ? null : Path.of(v);
    }
}
