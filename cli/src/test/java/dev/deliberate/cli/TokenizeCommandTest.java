package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TokenizeCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path qwen3() {
        String root = System.getProperty("deliberate.testdata");
        assertNotNull(root, "system property deliberate.testdata is not set (Surefire sets it to <repo>/testdata)");
        Path dir = Path.of(root, "tokenizers", "qwen3");
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), "missing " + dir.resolve("tokenizer.json"));
        return dir;
    }

    /** Feeds each golden line, turned into input by {@code toInput}, through the command; returns (golden, output) pairs. */
    static List<JsonNode[]> throughTheCommand(Path tmp, String golden, java.util.function.UnaryOperator<JsonNode> toInput, String... flags)
            throws Exception {
        List<String> lines = Files.readAllLines(qwen3().resolve(golden));
        StringBuilder in = new StringBuilder();
        for (String g : lines) in.append(JSON.writeValueAsString(toInput.apply(JSON.readTree(g)))).append('\n');
        Path input = Files.writeString(tmp.resolve("in.jsonl"), in);
        List<String> args = new java.util.ArrayList<>(List.of("tokenize", "--tokenizer", qwen3().toString(), "--input", input.toString()));
        args.addAll(List.of(flags));
        MainTest.Run r = MainTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        List<String> out = r.out().lines().toList();
        assertEquals(lines.size(), out.size());
        List<JsonNode[]> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) pairs.add(new JsonNode[]{JSON.readTree(lines.get(i)), JSON.readTree(out.get(i))});
        return pairs;
    }

    @Test
    void plainLinesReproduceTheGoldenIds(@TempDir Path tmp) throws Exception {
        for (JsonNode[] p : throughTheCommand(tmp, "golden-encode.jsonl", g -> g.get("text"), "--no-special")) assertEquals(p[0], p[1]);
    }

    @Test
    void chatLinesReproduceTheGoldenRendering(@TempDir Path tmp) throws Exception {
        var pairs = throughTheCommand(tmp, "golden-chat.jsonl", g -> {
            var o = ((com.fasterxml.jackson.databind.node.ObjectNode) g).deepCopy();
            o.remove("rendered");
            return o;
        }, "--chat");
        for (JsonNode[] p : pairs) {
            assertEquals(p[0].get("rendered"), p[1].get("rendered"));
            assertEquals(p[0].get("messages"), p[1].get("messages"));
            assertTrue(p[1].get("ids").size() > 3);
        }
    }

    @Test
    void aBadLineIsNamedAndEarlierOutputStays(@TempDir Path tmp) throws Exception {
        Path input = Files.writeString(tmp.resolve("bad.jsonl"), "\"ok\"\n\n{\"not\": \"a string\"}\n\"never reached\"\n");
        MainTest.Run r = MainTest.run("tokenize", "--tokenizer", qwen3().toString(), "--input", input.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.out().lines().count(), r.out());
        assertEquals("ok", JSON.readTree(r.out().lines().findFirst().orElseThrow()).get("decoded").asText());
        assertTrue(r.err().contains("line 3") && r.err().contains("--chat"), r.err());

        Path broken = Files.writeString(tmp.resolve("broken.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n{\"messages\": 5}\n");
        MainTest.Run c = MainTest.run("tokenize", "--tokenizer", qwen3().toString(), "--chat", "--input", broken.toString());
        assertEquals(2, c.code());
        assertEquals(1, c.out().lines().count());
        assertTrue(c.err().contains("line 2") && c.err().contains("'messages'"), c.err());
    }

    @Test
    void aMissingTokenizerIsAClearError(@TempDir Path tmp) {
        MainTest.Run r = MainTest.run("tokenize", "--tokenizer", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no tokenizer.json"), r.err());
    }
}
