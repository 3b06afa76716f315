package dev.deliberate.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChatTemplateTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ChatTemplate qwen3() throws Exception {
        JsonNode cfg = JSON.readTree(Shared.qwen3().resolve("tokenizer_config.json").toFile());
        return new ChatTemplate(cfg.get("chat_template").asText(), Map.of("eos_token", "<|im_end|>"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyGoldenChatLineRendersExactly() throws Exception {
        ChatTemplate t = qwen3();
        List<String> lines = Files.readAllLines(Shared.qwen3().resolve("golden-chat.jsonl"));
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            Map<String, Object> g = JSON.readValue(line, Map.class);
            String got = t.renderMaps((List<Map<String, Object>>) g.get("messages"), (Boolean) g.get("add_generation_prompt"),
                    (Map<String, Object>) g.get("kwargs"));
            assertEquals(g.get("rendered"), got, line);
        }
    }
}
