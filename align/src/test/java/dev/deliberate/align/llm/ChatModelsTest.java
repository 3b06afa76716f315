package dev.deliberate.align.llm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChatModelsTest {
    @TempDir
    Path tmp;

    /** Answers with its own name, so a test can see which provider opened it. */
    record Named(String id) implements ChatModel {
        public List<Completion> chat(List<Message> messages, SamplingParams params) {
            return java.util.Collections.nCopies(params.n(), new Completion("", id, "stop", null));
        }
    }

    ChatModels.OpenOptions options(Map<String, String> env) {
        return ChatModels.OpenOptions.defaults().withEnv(env).withCache(tmp.resolve("cache.sqlite"));
    }

    @Test
    void registeredSchemesAndLoadersOpenTheirModels() throws Exception {
        Path ckpt = Files.createDirectories(tmp.resolve("ckpt"));
        Files.writeString(ckpt.resolve("config.json"), "{}");
        var reg = new ChatModels.Registry()
                .register("world", (name, o) -> {
                    if (!name.equals("teacher")) throw new IllegalArgumentException("no world model '" + name + "'");
                    return new Named("world:" + name);
                })
                .registerLocal(new ChatModels.LocalLoader() {
                    public boolean accepts(Path dir) {
                        return Files.exists(dir.resolve("config.json"));
                    }

                    public ChatModel open(Path dir, ChatModels.OpenOptions o) {
                        return new Named("local:" + dir.getFileName());
                    }

                    public String describe() {
                        return "test engine: config.json";
                    }
                });
        var opts = options(Map.of());
        assertEquals("world:teacher", reg.open("world:teacher", opts).id());
        assertEquals("local:ckpt", reg.open(ckpt.toString(), opts).id());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> reg.open("world:nobody", opts)).getMessage().contains("no world model 'nobody'"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        String e = assertThrows(IllegalArgumentException.class, () -> reg.open(empty.toString(), opts)).getMessage();
        assertTrue(e.contains("no registered loader reads this directory") && e.contains("test engine: config.json"), e);
        assertThrows(IllegalArgumentException.class, () -> reg.register("openai", (n, o) -> null));
    }

    @Test
    void unregisteredSchemesAndMissingDirectoriesGetClearErrors() {
        var reg = new ChatModels.Registry();
        var opts = options(Map.of());
        String e = assertThrows(IllegalArgumentException.class, () -> reg.open("world:teacher", opts)).getMessage();
        assertTrue(e.contains("no provider for 'world:' is registered") && e.contains("http, https, openai"), e);
        e = assertThrows(IllegalArgumentException.class, () -> reg.open(tmp.resolve("nope").toString(), opts)).getMessage();
        assertTrue(e.contains("no such checkpoint directory"), e);
        e = assertThrows(IllegalArgumentException.class, () -> reg.open(tmp.toString(), opts)).getMessage();
        assertTrue(e.contains("no loader for local checkpoints is registered"), e);
    }

    @Test
    void remoteModelsAreCachedUnlessNoCacheAndKeysComeFromTheEnvironment() {
        var reg = new ChatModels.Registry();
        try (var m = reg.open("http://127.0.0.1:9/v1#tiny", options(Map.of()))) {
            assertInstanceOf(CachedChatModel.class, m);
            assertEquals("http://127.0.0.1:9/v1#tiny", m.id());
        }
        try (var m = reg.open("http://127.0.0.1:9/v1#tiny", options(Map.of()).withNoCache())) {
            assertInstanceOf(OpenAiChatModel.class, m);
            assertNull(((OpenAiChatModel) m).options().apiKey(), "an http endpoint gets no key unless one is named");
        }
        var env = Map.of("OPENAI_API_KEY", "sk-abc-secret", "OPENAI_BASE_URL", "http://127.0.0.1:9/v1/", "MY_KEY", "k2");
        try (var m = reg.open("openai:gpt-4o", options(env).withNoCache())) {
            var o = ((OpenAiChatModel) m).options();
            assertEquals("http://127.0.0.1:9/v1#gpt-4o", m.id());
            assertEquals(ApiKey.of("sk-abc-secret", "x"), o.apiKey());
            assertFalse(m.toString().contains("secret") || o.toString().contains("secret"), m + " " + o);
        }
        try (var m = reg.open("http://127.0.0.1:9/v1#tiny", options(env).withNoCache().withApiKeyEnv("MY_KEY"))) {
            assertEquals(ApiKey.of("k2", "x"), ((OpenAiChatModel) m).options().apiKey());
        }
        String e = assertThrows(IllegalArgumentException.class, () -> reg.open("openai:gpt-4o", options(Map.of()))).getMessage();
        assertTrue(e.contains("needs an API key: set OPENAI_API_KEY"), e);
        e = assertThrows(IllegalArgumentException.class, () -> reg.open("http://h/v1#m", options(Map.of()).withApiKeyEnv("ABSENT"))).getMessage();
        assertTrue(e.contains("ABSENT is unset"), e);
    }
}
