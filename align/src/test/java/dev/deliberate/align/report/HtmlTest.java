package dev.deliberate.align.report;

import dev.deliberate.align.report.chart.SampleCharts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        HeadlessChromium.assumeInstalled();
        Path out = Path.of("target", "report-render");
        Files.createDirectories(out);
        Path page = out.resolve("sample-report.html").toAbsolutePath();
        Files.writeString(page, samplePage());
        byte[] png = HeadlessChromium.screenshot(page, out.resolve("sample-report.png"), tmp, 1400, 2600);
        assertTrue(png.length > 20_000, "screenshot suspiciously small: " + png.length + " bytes");
    }
}
