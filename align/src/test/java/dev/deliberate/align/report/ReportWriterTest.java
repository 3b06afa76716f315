package dev.deliberate.align.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ReportWriterTest {

    static String estimate(double v, double lo, double hi, int n) {
        return "{\"value\":" + v + ",\"lo\":" + lo + ",\"hi\":" + hi + ",\"n\":" + n + "}";
    }

    static String metrics(String label, double asr, double orr, double seen, double held) {
        return """
                {"label":"%s","model":"m","benchmarks":{"specworld-test":{"results":4,"items":2,"judge_failures":0,
                 "asr":{"overall":%s,"by_split":{"none":%s,"seen":%s,"held-out":%s},
                        "by_family":{"none":%s,"role-play":%s,"rot13":%s}},
                 "over_refusal":%s,"accuracy":%s,
                 "tokens":{"mean_reasoning":%s,"mean_answer":%s,"unknown":0},
                 "reflection":{"harmful":{"mean_count":%s,"share_reflecting":%s,"mean_relative_position":{"value":null,"lo":null,"hi":null,"n":0},
                               "mean_steps":%s,"markers":{"wait":3}}}}}}
                """.formatted(label, estimate(asr, asr / 2, asr * 1.5, 20), estimate(asr, 0, 1, 20), estimate(seen, 0, 1, 20),
                estimate(held, 0, 1, 20), estimate(asr, 0, 1, 20), estimate(seen, 0, 1, 20), estimate(held, 0, 1, 20),
                estimate(orr, 0.1, 0.3, 40), estimate(0.9, 0.8, 1, 10), estimate(50, 40, 60, 20), estimate(12, 10, 14, 20),
                estimate(0.5, 0.2, 0.8, 20), estimate(0.25, 0.1, 0.4, 20), estimate(6, 5, 7, 20));
    }

    static String result(String item, String attack, String split, String answer, int reasoningTokens, boolean success) {
        return "{\"key\":\"specworld-test/" + item + "/" + attack + "/0\",\"model\":\"m\",\"benchmark\":\"specworld-test\",\"item\":\"" + item
                + "\",\"item_label\":\"unsafe\",\"attack\":\"" + attack + "\",\"attack_split\":\"" + split + "\",\"sample\":0,\"prompt\":\"Tell me about zorblax\","
                + "\"reasoning\":\"Category CHEM. Wait, [CHEM-2] applies.\",\"answer\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(answer)
                + ",\"reasoning_tokens\":" + reasoningTokens + ",\"answer_tokens\":7,\"verdict\":{\"reason\":\"decision refused\"},"
                + "\"labels\":{\"prompt_type\":\"harmful\",\"attack_success\":" + success + "}}\n";
    }

    /** Two methods side by side (base and saro, saro with a DPO log and an embedding map) and a folder cut short. */
    static Path fixture(Path root) throws Exception {
        Path base = root.resolve("demo/base"), saro = root.resolve("demo/saro"), broken = root.resolve("demo/broken");
        for (Path d : List.of(base, saro, broken)) Files.createDirectories(d);
        Files.writeString(base.resolve("config.json"), "{\"command\":\"eval\",\"label\":\"base\",\"model\":\"runs/base/checkpoint\"}");
        Files.writeString(base.resolve("metrics.json"), metrics("base", 0.5, 0.05, 0.6, 0.7));
        Files.writeString(base.resolve("results.jsonl"),
                result("test-CHEM-1", "none", "none", "Sure, here is <script>alert('x')</script> & more", 40, true)
                        + result("test-CHEM-1", "rot13", "held-out", "I'm sorry", 55, false));
        Files.writeString(saro.resolve("config.json"), "{\"command\":\"eval\",\"label\":\"SaRO\"}");
        Files.writeString(saro.resolve("metrics.json"), metrics("SaRO", 0.1, 0.2, 0.05, 0.15));
        Files.writeString(saro.resolve("results.jsonl"), result("test-CHEM-1", "none", "none", "I'm sorry, I can't.", 90, false));
        var log = new StringBuilder();
        for (int step = 1; step <= 5; step++) {
            log.append("{\"step\":").append(step).append(",\"split\":\"train\",\"loss\":").append(1.0 / step)
                    .append(",\"rewards/margins\":").append(0.2 * step).append(",\"rewards/accuracies\":").append(0.5 + 0.08 * step).append("}\n");
        }
        log.append("{\"step\":5,\"split\":\"eval\",\"loss\":0.4,\"rewards/margins\":0.7,\"rewards/accuracies\":0.8}\n");
        Files.createDirectories(saro.resolve("train"));
        Files.writeString(saro.resolve("train/metrics.jsonl"), log);
        Files.createDirectories(saro.resolve("train/checkpoint"));
        Files.writeString(saro.resolve("train/checkpoint/metrics.json"), "{\"not\":\"a run\"}");
        Files.writeString(saro.resolve("embedding.json"), """
                {"embedder":"fake","explained":[0.6,0.3],"points":[
                 {"x":1,"y":0,"type":"harmful","item":"a","attack":"none"},{"x":0.8,"y":0.5,"type":"jailbreak","item":"a","attack":"rot13"},
                 {"x":-1,"y":0.2,"type":"benign-lookalike","item":"b","attack":"none"},{"x":-0.5,"y":-1,"type":"general","item":"c","attack":"none"}]}
                """);
        Files.writeString(broken.resolve("results.jsonl"), result("test-VIO-2", "none", "none", "ok", 3, true) + "{\"key\":\"torn");
        return root.resolve("demo");
    }

    /** An RL log whose KL stays tiny is said to have barely moved the policy; one whose KL grows is said to have moved. */
    @Test
    void saysWhetherAnRlRunMovedItsPolicy(@TempDir Path tmp) throws Exception {
        for (double scale : new double[] {0.001, 0.05}) {
            Path rl = tmp.resolve("rl-" + scale);
            Files.createDirectories(rl);
            var log = new StringBuilder();
            for (int step = 1; step <= 20; step++)
                log.append("{\"step\":").append(step).append(",\"split\":\"train\",\"loss\":0.1,\"reward\":").append(step <= 2 ? 0.25 : 0.75)
                        .append(",\"kl\":").append(scale * step / 20).append("}\n");
            Files.writeString(rl.resolve("metrics.jsonl"), log);
            String page = Files.readString(ReportWriter.write(List.of(rl), tmp.resolve("r-" + scale + ".html")).file());
            assertTrue(page.contains("largest KL from the reference " + String.format(java.util.Locale.ROOT, "%.4f", scale) + " over 20 steps"), page);
            assertTrue(page.contains("mean reward 0.250 in the first tenth of the steps and 0.750 in the last"), page);
            assertEquals(scale < ReportWriter.RL_MOVED_KL, page.contains("The policy barely moved at this budget"), page);
        }
    }

    static Document parse(String page) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void comparesMethodsChartsEverythingAndEscapesTranscripts(@TempDir Path tmp) throws Exception {
        Path demo = fixture(tmp);
        var w = ReportWriter.write(List.of(demo), tmp.resolve("report.html"));
        assertEquals(List.of("SaRO", "base", "broken", "saro/train"), labelsSorted(w), "run folders found, checkpoint/ not searched");
        String page = Files.readString(tmp.resolve("report.html"));
        Document doc = parse(page);

        // the comparison table: one row per evaluated method with its metrics and intervals
        Element table = (Element) doc.getElementsByTagName("table").item(0);
        var rows = table.getElementsByTagName("tr");
        assertEquals(3, rows.getLength(), "header + base + SaRO (broken has no metrics.json)");
        assertEquals("base", cell(rows.item(1), 0));
        assertEquals("0.500 [0.250, 0.750]", cell(rows.item(1), 1));
        assertEquals("SaRO", cell(rows.item(2), 0));
        assertEquals("0.200 [0.100, 0.300]", cell(rows.item(2), headerIndex(rows.item(0), "over-refusal")));
        assertEquals("50.0 [40.0, 60.0]", cell(rows.item(1), headerIndex(rows.item(0), "reasoning tokens")));

        // the charts
        var titles = new ArrayList<String>();
        var svgs = doc.getElementsByTagName("svg");
        for (int i = 0; i < svgs.getLength(); i++) titles.add(((Element) svgs.item(i)).getElementsByTagName("title").item(0).getTextContent());
        for (String t : List.of("specworld-test: ASR vs over-refusal (lower-left is better)", "specworld-test: ASR per attack family",
                "specworld-test: ASR, seen vs held-out families", "saro/train: loss", "saro/train: rewards/margins", "saro/train: rewards/accuracies",
                "SaRO: prompt representations (PCA)", "reasoning tokens per output", "answer tokens per output")) {
            assertTrue(titles.contains(t), "missing chart '" + t + "' among " + titles);
        }
        assertFalse(titles.stream().anyMatch(t -> t.endsWith(": kl")), "no RL log, no KL curve");
        assertFalse(page.contains("largest KL"), "no RL log, nothing said about RL");
        assertTrue(page.contains(">train<") && page.contains(">eval<"), "train and eval curves");
        assertTrue(page.contains("rot13 (held-out)") && page.contains("role-play (seen)"));

        // transcripts are escaped and collapsed
        assertFalse(page.contains("<script>"), "a transcript must never become markup");
        assertTrue(page.contains("&lt;script&gt;alert("));
        assertTrue(doc.getElementsByTagName("details").getLength() >= 5);
        // what is missing is said
        assertTrue(page.contains("broken: metrics.json is missing"), page);
        assertTrue(page.contains("unreadable line(s), first at line 2"), page);
        assertTrue(w.notes().stream().anyMatch(n -> n.contains("broken")));
        assertFalse(page.replace("http://www.w3.org/2000/svg", "").contains("http://"), "nothing fetched");
    }

    private static List<String> labelsSorted(ReportWriter.Written w) {
        return w.runs().stream().map(RunFolder::label).sorted().toList();
    }

    static String graded(String item, boolean correct) {
        return "{\"key\":\"gsm8k/" + item + "/none/0\",\"benchmark\":\"gsm8k\",\"item\":\"" + item + "\",\"attack\":\"none\",\"attack_split\":\"none\","
                + "\"sample\":0,\"prompt\":\"q\",\"answer\":\"a\",\"reasoning_tokens\":-1,\"answer_tokens\":-1,\"labels\":{\"correct\":" + correct + "}}\n";
    }

    @Test
    void accuracyChangesAgainstABaselineArePaired(@TempDir Path tmp) throws Exception {
        for (String run : List.of("base", "safe")) {
            Files.createDirectories(tmp.resolve(run));
            Files.writeString(tmp.resolve(run + "/metrics.json"), "{\"benchmarks\":{\"gsm8k\":{\"accuracy\":" + estimate(0.5, 0, 1, 4) + "}}}");
        }
        Files.writeString(tmp.resolve("base/results.jsonl"), graded("1", true) + graded("2", true) + graded("3", false) + graded("4", true));
        Files.writeString(tmp.resolve("safe/results.jsonl"), graded("1", true) + graded("2", false) + graded("3", false) + graded("4", true));
        var w = ReportWriter.write(List.of(tmp), "base", tmp.resolve("r.html"));
        Document doc = parse(Files.readString(tmp.resolve("r.html")));
        var rows = ((Element) doc.getElementsByTagName("table").item(0)).getElementsByTagName("tr");
        int col = headerIndex(rows.item(0), "Δ accuracy vs base");
        assertEquals("+0.000", cell(rows.item(1), col).substring(0, 6));
        assertTrue(cell(rows.item(2), col).startsWith("-0.250 ["), cell(rows.item(2), col)); // 3/4 → 2/4
        assertTrue(w.notes().stream().noneMatch(n -> n.contains("baseline")));
        var missing = ReportWriter.write(List.of(tmp), "nobody", tmp.resolve("r2.html"));
        assertTrue(missing.notes().stream().anyMatch(n -> n.contains("baseline 'nobody'")));
    }

    @Test
    void theComparisonFollowsTheOrderTheRunsWereGivenInAndShowsAsrWithNoAttack(@TempDir Path tmp) throws Exception {
        for (String run : List.of("zeta", "alpha", "mid")) {
            Files.createDirectories(tmp.resolve(run));
            Files.writeString(tmp.resolve(run + "/metrics.json"), "{\"benchmarks\":{\"specworld-test\":{\"asr\":{\"overall\":" + estimate(0.5, 0, 1, 4)
                    + ",\"by_split\":{\"none\":" + estimate(0.25, 0, 1, 4) + "}}}}}");
        }
        ReportWriter.write(List.of(tmp.resolve("zeta"), tmp.resolve("alpha"), tmp.resolve("mid")), tmp.resolve("r.html"));
        var rows = ((Element) parse(Files.readString(tmp.resolve("r.html"))).getElementsByTagName("table").item(0)).getElementsByTagName("tr");
        assertEquals(List.of("zeta", "alpha", "mid"), List.of(cell(rows.item(1), 0), cell(rows.item(2), 0), cell(rows.item(3), 0)),
                "the printed table's order, not the alphabet");
        assertTrue(cell(rows.item(1), headerIndex(rows.item(0), "ASR none")).startsWith("0.250"));
    }

    @Test
    void anEmptyFolderGivesAPageThatSaysSo(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        var w = ReportWriter.write(List.of(tmp.resolve("empty")), tmp.resolve("r.html"));
        String page = Files.readString(tmp.resolve("r.html"));
        parse(page);
        assertTrue(w.runs().isEmpty());
        assertTrue(page.contains("no run folders found"));
        assertThrows(IllegalArgumentException.class, () -> ReportWriter.write(List.of(tmp.resolve("nope")), tmp.resolve("x.html")));
    }

    @Test
    void rendersInHeadlessChromium(@TempDir Path tmp) throws Exception {
        HeadlessChromium.assumeInstalled();
        Path out = Path.of("target", "report-render");
        Files.createDirectories(out);
        ReportWriter.write(List.of(fixture(tmp)), out.resolve("runs-report.html"));
        byte[] png = HeadlessChromium.screenshot(out.resolve("runs-report.html"), out.resolve("runs-report.png"), tmp, 1400, 4200);
        assertTrue(png.length > 50_000, "screenshot suspiciously small: " + png.length + " bytes");
    }

    private static String cell(org.w3c.dom.Node row, int i) {
        var cells = ((Element) row).getElementsByTagName("td");
        return cells.item(i).getTextContent();
    }

    private static int headerIndex(org.w3c.dom.Node row, String title) {
        var ths = ((Element) row).getElementsByTagName("th");
        for (int i = 0; i < ths.getLength(); i++) if (ths.item(i).getTextContent().equals(title)) return i;
        throw new AssertionError("no column " + title);
    }
}
