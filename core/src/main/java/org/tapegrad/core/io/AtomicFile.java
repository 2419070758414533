package org.tapegrad.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file all at once: the content goes to a temporary file in the same folder, is flushed to the disk,
 * and only then renamed over the target. A failure (or a crash, or a full disk) at any point before the rename
 * leaves the previous file untouched, and the temporary file is removed when the failure is an exception.
 *
 * <p>The temporary file is named {@code .<target name>.<process id>.<random>.tmp}. A process killed mid-write
 * leaves one behind; the next write of the same target removes those of processes that are no longer running
 * (those of a live process, which may be writing right now, are kept). A target that is a symbolic link keeps
 * its link: the file it points to is replaced, as an in-place write would do.
 */
public final class AtomicFile {
    private static final String SUFFIX = ".tmp";

    private AtomicFile() {
    }

    /** Writes the content of a file; may throw midway. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Replaces {@code target} with {@code text} in UTF-8, atomically. */
    public static void writeString(Path target, CharSequence text) throws IOException {
        write(target, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.append(text);
            w.flush();
        });
    }

    /**
     * Replaces {@code target} with what {@code content} writes, atomically (see the class comment).
     *
     * @throws IOException naming the target and the reason, e.g. that its folder does not exist; the previous
     *                     file, if any, is unchanged
     */
    public static void write(Path target, Content content) throws IOException {
        Path file = followLinks(target);
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(target.toString(), null, "cannot write: its folder " + dir
                    + (Files.exists(dir) ? " is not a folder" : " does not exist"));
        }
        if (Files.isDirectory(file)) {
            throw new IOException(target + ": cannot write: it is a folder");
        }
        String prefix = tempPrefix(file);
        removeStale(dir, prefix);
        Path tmp = Files.createTempFile(dir, prefix + ProcessHandle.current().pid() + ".", SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // make the rename itself durable where the platform allows it
        } catch (IOException ignored) {
            // Some platforms cannot open a directory; the rename has happened either way.
        }
    }

    /** {@code .<name>.}: what every temporary file of {@code file} starts with. */
    static String tempPrefix(Path file) {
        return "." + file.getFileName() + ".";
    }

    /** The file a chain of symbolic links ends at (which may not exist yet); {@code target} if it is no link. */
    private static Path followLinks(Path target) throws IOException {
        Path p = target;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == 40) {
                throw new IOException(target + ": cannot write: too many levels of symbolic links");
            }
            Path to = Files.readSymbolicLink(p);
            Path parent = p.toAbsolutePath().getParent();
            p = parent == null ? to : parent.resolve(to);
        }
        return p;
    }

    /**
     * Deletes the temporary files of earlier writes of the same target whose process is gone: named
     * {@code prefix<pid>.<random>.tmp} with no live process {@code pid}, or of the form before the process id was
     * part of the name ({@code prefix<digits>.tmp}).
     */
    private static void removeStale(Path dir, String prefix) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(SUFFIX);
        })) {
            for (Path p : files) {
                String middle = p.getFileName().toString();
                middle = middle.substring(prefix.length(), middle.length() - SUFFIX.length());
                if (isStale(middle)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException ignored) {
            // Cleaning up is best effort: the write itself decides success.
        }
    }

    /** Whether the middle part of a temporary name ({@code <pid>.<random>} or {@code <random>}) is of no live write. */
    static boolean isStale(String middle) {
        int dot = middle.indexOf('.');
        if (dot < 0) {
            return middle.chars().allMatch(Character::isDigit); // the old form: no process id
        }
        long pid;
        try {
            pid = Long.parseLong(middle.substring(0, dot));
        } catch (NumberFormatException e) {
            return false; // not ours
        }
        return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }
}
