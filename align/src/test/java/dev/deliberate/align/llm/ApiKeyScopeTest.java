package dev.deliberate.align.llm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every reference kind × every key flag: a key goes only to the endpoint it was named for; openai: takes OPENAI_API_KEY only. */
class ApiKeyScopeTest {
    static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-openai", "LOCAL_KEY", "k-local", "OTHER_KEY", "k-other");
    static final List<String> REFS = List.of("runs/x/checkpoint", "world:teacher", "http://127.0.0.1:8000/v1#m", "https://api.example.com/v1#m", "openai:gpt-4o");
    /** The key flag values: none, a plain VAR, a pairing that names the local server, one that names the remote host. */
    static final List<String> FLAGS = java.util.Arrays.asList(null, "LOCAL_KEY", "127.0.0.1:8000=LOCAL_KEY", "api.example.com=OTHER_KEY,127.0.0.1:8000=LOCAL_KEY");

    static String sent(String ref, String flag) {
        var o = ChatModels.OpenOptions.defaults().withEnv(ENV).withApiKeyEnv(flag).withNoCache();
        ApiKey k = ChatModels.keyFor(ModelRef.parse(ref), o);
        if (k == null) return null;
        for (var e : ENV.entrySet()) if (k.matches(e.getValue())) return e.getKey();
        return "?";
    }

    @Test
    void everyReferenceKindTimesEveryKeyFlag() {
        // rows: REFS; columns: FLAGS; the variable whose key is sent (null = none)
        String[][] want = {
                {null, null, null, null},                            // local checkpoint: never a key
                {null, null, null, null},                            // world:teacher: never a key
                {null, "LOCAL_KEY", "LOCAL_KEY", "LOCAL_KEY"},       // the local server: the key named for it
                {null, "LOCAL_KEY", null, "OTHER_KEY"},              // another host: only a key paired with it (or the command's one VAR)
                {"OPENAI_API_KEY", "OPENAI_API_KEY", "OPENAI_API_KEY", "OPENAI_API_KEY"}, // openai: OPENAI_API_KEY only, whatever the flag
        };
        for (int r = 0; r < REFS.size(); r++)
            for (int f = 0; f < FLAGS.size(); f++)
                assertEquals(want[r][f], sent(REFS.get(r), FLAGS.get(f)), REFS.get(r) + " with --api-key-env " + FLAGS.get(f));
    }

    @Test
    void aPlainKeyForTwoEndpointHostsIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> ChatModels.checkKeyScope("LOCAL_KEY",
                List.of("http://127.0.0.1:8000/v1#m", "https://api.example.com/v1#judge")));
        assertTrue(e.getMessage().contains("127.0.0.1:8000=LOCAL_KEY"), e.getMessage());
        ChatModels.checkKeyScope("LOCAL_KEY", List.of("http://127.0.0.1:8000/v1#m", "http://127.0.0.1:8000/v1#judge", "openai:gpt-4o", "world:judge"));
        ChatModels.checkKeyScope("127.0.0.1:8000=LOCAL_KEY", List.of("http://127.0.0.1:8000/v1#m", "https://api.example.com/v1#judge"));
    }

    @Test
    void badFlagsAndUnsetVariablesAreNamed() {
        var o = ChatModels.OpenOptions.defaults().withEnv(ENV).withNoCache();
        var local = ModelRef.parse("http://127.0.0.1:8000/v1#m");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChatModels.keyFor(local, o.withApiKeyEnv("NOPE"))).getMessage().contains("NOPE is unset"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChatModels.keyFor(local, o.withApiKeyEnv("sk-123-secret"))).getMessage().contains("not an environment variable name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChatModels.keyFor(local, o.withApiKeyEnv("=X"))).getMessage().contains("host[:port]=VAR"));
        var noOpenAiKey = ChatModels.OpenOptions.defaults().withEnv(Map.of("LOCAL_KEY", "k")).withApiKeyEnv("LOCAL_KEY").withNoCache();
        assertNull(ChatModels.keyFor(ModelRef.parse("openai:gpt-4o"), noOpenAiKey), "a key named for a local server is never sent to openai:");
        var e = assertThrows(IllegalArgumentException.class, () -> ChatModels.global().open("openai:gpt-4o", noOpenAiKey));
        assertTrue(e.getMessage().contains("OPENAI_API_KEY"), e.getMessage());
    }
}
