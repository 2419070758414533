package org.tapegrad.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks where a command will write, before it does any work, so that a long training run cannot fail (or destroy
 * a file) at its end: each output file's folder exists, is a folder and is writable, and the file is not itself a
 * folder; each output folder is a writable folder or can be created (its nearest existing ancestor is a writable
 * folder); and no two outputs are the same file, counting the files an output folder will hold.
 */
final class OutputPaths {
    private OutputPaths() {
    }

    /**
     * @param files   output files by the option that names them ({@code --report}, {@code --checkpoint})
     * @param folders output folders by option ({@code --monitor}), each with the file names it will hold
     * @throws IllegalArgumentException naming the option, the path and what is wrong
     */
    static void check(Map<String, Path> files, Map<String, Path> folders, Map<String, Set<String>> folderFiles) {
        Map<Path, String> taken = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            if (e.getValue() != null) {
                checkFile(e.getKey(), e.getValue());
                claim(taken, key(e.getValue()), e.getKey() + " " + e.getValue());
            }
        }
        for (Map.Entry<String, Path> e : folders.entrySet()) {
            Path dir = e.getValue();
            if (dir == null) {
                continue;
            }
            checkFolder(e.getKey(), dir);
            claim(taken, key(dir), e.getKey() + " " + dir);
            for (String name : folderFiles.getOrDefault(e.getKey(), Set.of())) {
                if (Files.isDirectory(dir.resolve(name))) {
                    throw new IllegalArgumentException(e.getKey() + " " + dir + ": " + dir.resolve(name)
                            + " is a folder, but the reports write a file of that name");
                }
                claim(taken, key(dir.resolve(name)), e.getKey() + " " + dir + " (its file " + name + ")");
            }
        }
    }

    /** {@link #check(Map, Map, Map)} for folders whose contents cannot clash with anything. */
    static void check(Map<String, Path> files, Map<String, Path> folders) {
        check(files, folders, Map.of());
    }

    /** An input file: it exists, is a regular file and is readable. */
    static void checkInput(String option, Path file) {
        if (file == null) {
            return;
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + ": cannot be read (permission denied)");
        }
    }

    /** Refuses an output that is the same file as input {@code file} of option {@code option}. */
    static void notOverwriting(String option, Path file, Map<String, Path> outputs) {
        if (file == null) {
            return;
        }
        for (Map.Entry<String, Path> e : outputs.entrySet()) {
            if (e.getValue() != null && key(e.getValue()).equals(key(file))) {
                throw new IllegalArgumentException(e.getKey() + " " + e.getValue() + " is the " + option
                        + " file: writing it would overwrite what the run reads");
            }
        }
    }

    private static void checkFile(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + ": is a folder, expected a file path");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.exists(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": its folder " + parent + " does not exist");
        }
        if (!Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": " + parent + " is not a folder");
        }
        if (!Files.isWritable(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": its folder " + parent
                    + " is not writable (permission denied)");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new IllegalArgumentException(option + " " + file + ": exists and is not writable");
        }
    }

    private static void checkFolder(String option, Path dir) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IllegalArgumentException(option + " " + dir + ": no part of the path exists");
        }
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException(option + " " + dir + ": " + existing + " is a file, expected a folder");
        }
        if (!Files.isWritable(existing)) {
            throw new IllegalArgumentException(option + " " + dir + ": " + existing
                    + " is not writable (permission denied)");
        }
    }

    private static void claim(Map<Path, String> taken, Path key, String what) {
        String earlier = taken.putIfAbsent(key, what);
        if (earlier != null) {
            throw new IllegalArgumentException(what + " and " + earlier + " are the same path: one would overwrite "
                    + "the other; give each output its own path");
        }
    }

    /** The path as the file system resolves it: absolute, normalised, through symbolic links where it exists. */
    static Path key(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        List<Path> missing = new ArrayList<>();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            missing.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            Path real = existing.toRealPath();
            for (Path m : missing) {
                real = real.resolve(m);
            }
            return real;
        } catch (IOException e) {
            return abs;
        }
    }
}
