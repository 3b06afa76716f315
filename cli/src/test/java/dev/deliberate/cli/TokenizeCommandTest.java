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
        String root = System.getProperty("deliberate.shared");
        assertNotNull(root, "system property deliberate.shared is not set (Surefire sets it to <repo>/../shared)");
        Path dir = Path.of(root, "tokenizers", "qwen3");
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), "missing " + dir.resolve("tokenizer.json"));
        return dir;
    }

    @Test
    void plainLinesReproduceTheGoldenIds(@TempDir Path tmp) throws Exception {
        List<String> golden = Files.readAllLines(qwen3().resolve("golden-encode.jsonl"));
        StringBuilder in = new StringBuilder();
        for (String g : golden) in.append(JSON.writeValueAsString(JSON.readTree(g).get("text").asText())).append('\n');
        Path input = Files.writeString(tmp.resolve("in.jsonl"), in);
        MainTest.Run r = MainTest.run("tokenize", "--tokenizer", qwen3().toString(), "--no-special", "--input", input.toString());
        assertEquals(0, r.code(), r.err());
        List<String> out = r.out().lines().toList();
        assertEquals(golden.size(), out.size());
        for (int i = 0; i < golden.size(); i++) {
            JsonNode want = JSON.readTree(golden.get(i)), got = JSON.readTree(out.get(i));
            assertEquals(want, got, "line " + (i + 1));
        }
    }

    @Test
    void chatLinesReproduceTheGoldenRendering(@TempDir Path tmp) throws Exception {
        List<String> golden = Files.readAllLines(qwen3().resolve("golden-chat.jsonl"));
        StringBuilder in = new StringBuilder();
        for (String g : golden) {
            var o = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(g);
            o.remove("rendered");
            in.append(JSON.writeValueAsString(o)).append('\n');
        }
        Path input = Files.writeString(tmp.resolve("chat.jsonl"), in);
        MainTest.Run r = MainTest.run("tokenize", "--tokenizer", qwen3().toString(), "--chat", "--input", input.toString());
        assertEquals(0, r.code(), r.err());
        List<String> out = r.out().lines().toList();
        assertEquals(golden.size(), out.size());
        for (int i = 0; i < golden.size(); i++) {
            JsonNode want = JSON.readTree(golden.get(i)), got = JSON.readTree(out.get(i));
            assertEquals(want.get("rendered"), got.get("rendered"), "line " + (i + 1));
            assertEquals(want.get("messages"), got.get("messages"));
            assertTrue(got.get("ids").size() > 3);
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
