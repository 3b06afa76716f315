package dev.deliberate.align.report.chart;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ChartsTest {

    static Document parse(String xml) {
        try {
            var f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage() + "\n" + xml, e);
        }
    }

    static List<Element> all(Document d, String tag) {
        NodeList nl = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        var out = new ArrayList<Element>();
        for (int i = 0; i < nl.getLength(); i++) out.add((Element) nl.item(i));
        return out;
    }

    static List<String> texts(Document d) {
        return all(d, "text").stream().map(Element::getTextContent).toList();
    }

    @Test
    void ticksAreNice() {
        var t = Ticks.nice(3, 97, 5);
        assertEquals(List.of(0.0, 20.0, 40.0, 60.0, 80.0, 100.0), t.values());
        assertEquals("40", t.label(40));
        var u = Ticks.nice(0, 1, 6);
        assertEquals(List.of(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), u.values(), "no 0.6000000000000001");
        assertEquals("0.6", u.label(0.6));
        var v = Ticks.nice(-0.37, 0.12, 6);
        assertEquals(-0.4, v.min(), 1e-12);
        assertEquals(0.2, v.max(), 1e-12);
        assertEquals("0.0", v.label(-0.0));
        var flat = Ticks.nice(5, 5, 6);
        assertTrue(flat.min() < 5 && flat.max() > 5);
        assertEquals(2.0, Ticks.niceNumber(2.3, true));
        assertEquals(5.0, Ticks.niceNumber(2.3, false));
        assertEquals(0.05, Ticks.niceNumber(0.047, true));
    }

    @Test
    void numbersAndEscaping() {
        assertEquals("1.01", Svg.num(1.005));
        assertEquals("0", Svg.num(-0.001));
        assertEquals("3", Svg.num(3.0));
        assertEquals("-12.5", Svg.num(-12.5));
        assertEquals("&lt;b&gt; &amp; &quot;q&quot; &#39;s&#39;", Svg.escape("<b> & \"q\" 's'"));
        assertEquals("a\uFFFDb\uFFFD", Svg.escape("a\u0001b\uD800"));
        assertEquals("😀", Svg.escape("😀"));
    }

    @Test
    void scatterHasOnePointPerDatumLabelsAndErrorBars() {
        var d = parse(SampleCharts.pareto().svg());
        assertEquals(5, all(d, "circle").size());
        var t = texts(d);
        assertTrue(t.contains("ASR vs over-refusal"));
        assertTrue(t.contains("Deliberative <DA>"), "labels come back unescaped from the parser");
        assertTrue(t.contains("SaRO & co"));
        assertTrue(t.contains("over-refusal rate") && t.contains("attack success rate"));
        // per point: 3 lines per interval direction × 2; plus gridlines
        long gridlines = all(d, "line").stream().filter(l -> "#e3e3e3".equals(l.getAttribute("stroke"))).count();
        assertEquals(5 * 6, all(d, "line").size() - gridlines - 2, "error bars: 6 lines per point, plus 2 axis lines");
        assertEquals("SaRO & co", all(d, "circle").get(4).getElementsByTagNameNS("http://www.w3.org/2000/svg", "title").item(0).getTextContent());
        assertEquals("640", d.getDocumentElement().getAttribute("width"));
    }

    @Test
    void embeddingMapColoursByClassWithALegend() {
        var d = parse(SampleCharts.embeddingMap().svg());
        var circles = all(d, "circle");
        assertEquals(160, circles.size());
        assertEquals(4, circles.stream().map(c -> c.getAttribute("fill")).distinct().count());
        assertEquals(Palette.color(2), circles.get(80).getAttribute("fill"));
        var t = texts(d);
        for (String s : List.of("harmful", "jailbreak", "benign look-alike", "general")) assertTrue(t.contains(s), s);
        assertFalse(t.stream().anyMatch(s -> s.startsWith("harmful #")), "dense maps keep labels as tooltips only");
    }

    @Test
    void groupedBarsOnePerSeriesAndCategory() {
        var d = parse(SampleCharts.families().svg());
        // 1 background + 2 legend swatches + 5 categories × 2 series
        assertEquals(1 + 2 + 10, all(d, "rect").size());
        assertTrue(texts(d).contains("base64 (held out)"));
        assertThrows(IllegalArgumentException.class, () -> new BarChart("t", "x", "y", List.of("a", "b"))
                .add(new BarChart.Series("s", List.of(BarChart.Bar.of(1)))));
    }

    @Test
    void barsStartAtZeroAndNegativeValuesGoDown() {
        var c = new BarChart("margins", "family", "Δ", List.of("a", "b"))
                .add(new BarChart.Series("x", List.of(BarChart.Bar.of(2), BarChart.Bar.of(-1))));
        var d = parse(c.svg());
        var bars = all(d, "rect").subList(2, 4);
        double yTop0 = Double.parseDouble(bars.get(0).getAttribute("y")) + Double.parseDouble(bars.get(0).getAttribute("height"));
        double yTop1 = Double.parseDouble(bars.get(1).getAttribute("y"));
        assertEquals(yTop0, yTop1, 0.02, "both bars meet at the zero line");
    }

    @Test
    void linesBreakAtMissingValues() {
        var d = parse(SampleCharts.loss().svg());
        assertEquals(3, all(d, "polyline").size(), "one line, and one split in two by a NaN");
        var dpo = parse(SampleCharts.dpo().svg());
        assertEquals(2, all(dpo, "polyline").size());
        assertEquals(12, all(dpo, "circle").size(), "short series get point markers");
        assertTrue(texts(dpo).contains("rewards/margins"));
    }

    @Test
    void histogramCountsByHand() {
        assertArrayEquals(new int[] {4, 3}, Histogram.count(new double[] {0, 1, 1, 2, 5, 9.99, 10, 11, Double.NaN}, new double[] {0, 5, 10}));
        var h = new Histogram("len", "tokens", "count").bins(5).add(new Histogram.Series("a", new double[] {0, 10, 20, 30, 40, 50}));
        assertArrayEquals(new double[] {0, 10, 20, 30, 40, 50}, h.edges());
        var d = parse(h.svg());
        assertEquals(1 + 1 + 5, all(d, "rect").size(), "background + legend swatch + one bar per non-empty bin");
        parse(SampleCharts.reasoningLength().svg());
    }

    @Test
    void emptyChartsSayNoData() {
        for (Chart<?> c : List.<Chart<?>>of(new ScatterChart("e", "x", "y"), new LineChart("e", "x", "y"),
                new Histogram("e", "x", "y"), new BarChart("e", "x", "y", List.of()))) {
            assertTrue(texts(parse(c.svg())).contains("no data"), c.getClass().getSimpleName());
        }
    }

    @Test
    void outputIsDeterministic() {
        for (int i = 0; i < SampleCharts.all().size(); i++) {
            assertEquals(SampleCharts.all().get(i).svg(), SampleCharts.all().get(i).svg());
        }
        assertEquals(SampleCharts.embeddingMap().size(800, 500).svg(), SampleCharts.embeddingMap().size(800, 500).svg());
        assertTrue(SampleCharts.embeddingMap().size(800, 500).svg().contains("width=\"800\""));
    }
}
