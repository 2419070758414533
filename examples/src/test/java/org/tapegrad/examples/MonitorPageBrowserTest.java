package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor's HTML page in a real browser ({@link MonitorPageCheck}): runs only where headless Chromium is
 * installed (Debian: {@code apt-get install chromium}), and is skipped elsewhere.
 */
class MonitorPageBrowserTest {
    @Test
    void thePageRendersWithItsChartsVerdictsAndThresholds(@TempDir Path dir) throws Exception {
        Path browser = MonitorPageCheck.chromium();
        assumeTrue(browser != null, "no chromium on PATH");
        Path page = MonitorPageCheck.writePage(dir.resolve("monitor"));
        String html = Files.readString(page);
        assertEquals(3, html.split("<td class=\"state\">cleared at step 40</td>", -1).length - 1,
                "the three UPDATE_RATIO verdicts clear when the rate is raised at step 40");
        List<String> problems = MonitorPageCheck.check(browser, page, dir.resolve("page.png"), dir.resolve("p"));
        assertEquals(List.of(), problems);
    }

    @Test
    void aPageWithoutItsChartsIsReported(@TempDir Path dir) throws Exception {
        Path browser = MonitorPageCheck.chromium();
        assumeTrue(browser != null, "no chromium on PATH");
        Path page = dir.resolve("empty.html");
        Files.writeString(page, "<!DOCTYPE html><html><body><p>nothing</p></body></html>");
        List<String> problems = MonitorPageCheck.check(browser, page, dir.resolve("page.png"), dir.resolve("p"));
        assertEquals("the browser built 0 charts, expected 5", problems.get(0));
        assertEquals(true, problems.stream().anyMatch(p -> p.contains("blank or cut")), problems.toString());
    }
}
