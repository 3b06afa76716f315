package dev.deliberate.align.llm;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ModelRefTest {

    static String error(String ref) {
        return assertThrows(IllegalArgumentException.class, () -> ModelRef.parse(ref)).getMessage();
    }

    @Test
    void parsesEveryForm() {
        assertEquals(new ModelRef.Endpoint(URI.create("http://127.0.0.1:8000/v1"), "qwen"), ModelRef.parse("http://127.0.0.1:8000/v1#qwen"));
        assertEquals(new ModelRef.Endpoint(URI.create("https://api.example.com/v1"), "org/model-7b:q4"), ModelRef.parse("HTTPS://api.example.com/v1/#org/model-7b:q4"));
        assertEquals(new ModelRef.OpenAi("gpt-4o"), ModelRef.parse("openai:gpt-4o"));
        assertEquals(new ModelRef.Named("world", "teacher"), ModelRef.parse("world:teacher"));
        assertEquals(new ModelRef.Local(Path.of("runs/x/checkpoint")), ModelRef.parse("runs/x/checkpoint"));
        assertEquals(new ModelRef.Local(Path.of("./world:teacher")), ModelRef.parse("./world:teacher"));
        assertEquals("http://h:1/v1#m", ModelRef.parse("http://h:1/v1#m").text());
    }

    @Test
    void explainsWhatIsWrong() {
        assertTrue(error("").contains("empty model reference"));
        assertTrue(error("http://127.0.0.1:8000/v1").contains("names no model; add it after '#'"));
        assertTrue(error("http:///v1#m").contains("has no host"));
        assertTrue(error("http://user:pw@host/v1#m").contains("credentials in the URL"));
        assertFalse(error("http://user:pw@host/v1#m").contains("pw"), "never echo credentials");
        assertTrue(error("http://h/v1?x=1#m").contains("query string"));
        assertTrue(error("openai:").contains("openai:gpt-4o"));
        assertTrue(error("world:").contains("names no model after 'world:'"));
    }
}
