package dev.deliberate.align.report;

import dev.deliberate.align.report.chart.SampleCharts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class HtmlTest {

    static String samplePage() {
        return Html.page("Deliberate report <sample>", List.of(
                Html.heading("Comparison"),
                Html.table(List.of("method", "ASR", "over-refusal"), List.of(
                        List.of("base", "0.820 [0.770, 0.860] (n=200)", "0.050"),
                        List.of("Deliberative <DA> & co", "0.090", "0.120"))),
                Html.heading("Charts"),
                Html.charts(SampleCharts.all()),
                Html.details("transcript: base on roleplay #3", Html.pre("<think>\nwait, rule [CYB-2]\n</think>\n\nSure & \"done\""))));
    }

    @Test
    void pageIsWellFormedAndEscaped() throws Exception {
        String page = samplePage();
        var f = DocumentBuilderFactory.newInstance();
        var doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
        assertEquals(6, doc.getElementsByTagName("svg").getLength());
        assertEquals(3, doc.getElementsByTagName("tr").getLength());
        assertEquals("Deliberative <DA> & co", doc.getElementsByTagName("td").item(3).getTextContent());
        assertTrue(page.contains("<td class=\"num\">0.820 [0.770, 0.860] (n=200)</td>"));
        assertTrue(page.contains("<td>base</td>"));
        assertTrue(page.contains("&lt;think&gt;"));
        assertFalse(page.contains("http://") && page.replace("http://www.w3.org/2000/svg", "").contains("http://"), "nothing fetched");
        assertThrows(IllegalArgumentException.class, () -> Html.table(List.of("a"), List.of(List.of("1", "2"))));
    }

    /** Renders the sample page in headless Chromium when the machine has it (Debian package {@code chromium}). */
    @Test
    void rendersInHeadlessChromium(@TempDir Path tmp) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(chromium), "chromium not installed; apt-get install -y chromium");
        Path out = Path.of("target", "report-render");
        Files.createDirectories(out);
        Path page = out.resolve("sample-report.html").toAbsolutePath();
        Files.writeString(page, samplePage());
        Path png = out.resolve("sample-report.png").toAbsolutePath();
        Files.deleteIfExists(png);
        var cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--user-data-dir=" + tmp.resolve("profile"), "--window-size=1400,2600",
                "--screenshot=" + png, page.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 90 s; log: " + Files.readString(tmp.resolve("chromium.log")));
        }
        assertTrue(Files.isRegularFile(png), "no screenshot; chromium said: " + Files.readString(tmp.resolve("chromium.log")));
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 20_000, "screenshot suspiciously small: " + head.length + " bytes");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(head, 4));
    }
}
