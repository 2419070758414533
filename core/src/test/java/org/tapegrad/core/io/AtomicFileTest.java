package org.tapegrad.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void theTargetIsReplacedNotOverwrittenInPlace() throws IOException {
        Path file = dir.resolve("report.json");
        AtomicFile.writeString(file, "first");
        Path other = dir.resolve("hard-link");
        Files.createLink(other, file); // a second name for the same file: an in-place write would change both
        AtomicFile.writeString(file, "second");
        assertEquals("second", Files.readString(file));
        assertEquals("first", Files.readString(other), "the old file was never opened for writing");
    }

    @Test
    void aSymbolicLinkIsKeptAndItsTargetReplaced() throws IOException {
        Path real = Files.createDirectories(dir.resolve("runs")).resolve("run-7.safetensors");
        AtomicFile.writeString(real, "old");
        Path link = Files.createSymbolicLink(dir.resolve("latest"), Path.of("runs", "run-7.safetensors"));
        Path linkToLink = Files.createSymbolicLink(dir.resolve("current"), Path.of("latest"));
        AtomicFile.writeString(linkToLink, "new");
        assertTrue(Files.isSymbolicLink(link) && Files.isSymbolicLink(linkToLink), "both links are still links");
        assertEquals("new", Files.readString(real));
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary file left next to the links");
        }
    }

    @Test
    void staleTemporariesOfTheSameTargetAreRemovedOnTheNextWrite() throws IOException {
        Path file = dir.resolve("c.safetensors");
        long dead = Long.MAX_VALUE; // no process has this id
        Path killed = Files.writeString(dir.resolve(".c.safetensors." + dead + ".123.tmp"), "half");
        Path oldForm = Files.writeString(dir.resolve(".c.safetensors.4567890123.tmp"), "half");
        Path live = Files.writeString(dir.resolve(".c.safetensors." + ProcessHandle.current().pid() + ".9.tmp"), "busy");
        Path otherTarget = Files.writeString(dir.resolve(".d.safetensors." + dead + ".1.tmp"), "half");
        AtomicFile.writeString(file, "x");
        assertFalse(Files.exists(killed), "of a process that is gone");
        assertFalse(Files.exists(oldForm), "written before temporaries named their process");
        assertTrue(Files.exists(live), "a live process may be writing it now");
        assertTrue(Files.exists(otherTarget), "another target's");
    }

    @Test
    void aMissingFolderIsReportedWithThePathAndTheReason() throws IOException {
        Path file = dir.resolve("gone").resolve("c.safetensors");
        IOException e = assertThrows(IOException.class, () -> AtomicFile.writeString(file, "x"));
        assertEquals(file + ": cannot write: its folder " + file.getParent() + " does not exist", e.getMessage());
        Path folder = Files.createDirectories(dir.resolve("a-folder"));
        IOException f = assertThrows(IOException.class, () -> AtomicFile.writeString(folder, "x"));
        assertEquals(folder + ": cannot write: it is a folder", f.getMessage());
    }
}
