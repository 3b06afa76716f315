package dev.deliberate.align.data;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.io.JsonlAppender;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LlamaFactoryExportTest {

    @Test
    void writesShareGptFilesAndRegistersThem(@TempDir Path dir) throws Exception {
        var sft = new SftRecord(List.of(new Turn("system", "be safe"), new Turn("user", "hi"),
                new Turn("assistant", "<think>\ngreeting\n</think>\n\nhello")), Map.of("key", "a"));
        var pair = new PreferenceRecord(List.of(new Turn("user", "q")), List.of(new Turn("assistant", "good")),
                List.of(new Turn("assistant", "bad")), Map.of("key", "b", "level", "output"));
        LlamaFactoryExport.write(dir, List.of(new LlamaFactoryExport.Sft("rw", List.of(sft)),
                new LlamaFactoryExport.Preferences("srpo", List.of(pair))));

        JsonNode info = Jsonl.MAPPER.readTree(dir.resolve("dataset_info.json").toFile());
        assertEquals("rw.jsonl", info.at("/rw/file_name").asText());
        assertEquals("sharegpt", info.at("/rw/formatting").asText());
        assertTrue(info.at("/rw/ranking").isMissingNode());
        assertTrue(info.at("/srpo/ranking").asBoolean());
        assertEquals("chosen", info.at("/srpo/columns/chosen").asText());

        JsonNode rw = Jsonl.readTrees(dir.resolve("rw.jsonl")).getFirst();
        assertEquals("be safe", rw.get("system").asText());
        assertEquals(2, rw.get("conversations").size());
        assertEquals("human", rw.at("/conversations/0/from").asText());
        assertEquals("gpt", rw.at("/conversations/1/from").asText());
        assertTrue(rw.at("/conversations/1/value").asText().startsWith("<think>"));

        JsonNode p = Jsonl.readTrees(dir.resolve("srpo.jsonl")).getFirst();
        assertEquals("good", p.at("/chosen/value").asText());
        assertEquals("bad", p.at("/rejected/value").asText());
        assertEquals("q", p.at("/conversations/0/value").asText());
    }

    @Test
    void trlRecordsRoundTripThroughJsonl(@TempDir Path dir) {
        var pair = new PreferenceRecord(List.of(new Turn("user", "q")), List.of(new Turn("assistant", "good")),
                List.of(new Turn("assistant", "bad")), Map.of("key", "b", "level", "process", "branch_step", 3));
        try (var a = JsonlAppender.open(dir.resolve("p.jsonl"), "/meta/key")) {
            a.append(pair);
        }
        var back = Jsonl.read(dir.resolve("p.jsonl"), PreferenceRecord.class).getFirst();
        assertEquals(pair.prompt(), back.prompt());
        assertEquals(3, back.meta().get("branch_step"));
        assertThrows(IllegalArgumentException.class, () -> new Turn("robot", "x"));
    }
}
