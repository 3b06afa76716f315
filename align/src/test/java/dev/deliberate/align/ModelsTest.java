package dev.deliberate.align;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ModelsTest {

    @Test
    void worldTeacherIsReachableByReference() {
        Models.installDefaults();
        Models.installDefaults(); // idempotent
        try (ChatModel m = ChatModels.open("world:teacher?error=0", ChatModels.OpenOptions.defaults().withNoCache())) {
            var out = m.chat(List.of(Message.user("What is 2 + 3?")), SamplingParams.greedy(200));
            assertEquals(1, out.size());
            assertFalse(out.getFirst().answer().isBlank());
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> ChatModels.open("world:judge", ChatModels.OpenOptions.defaults().withNoCache()));
        assertTrue(e.getMessage().contains("--judge"), e.getMessage());
    }

    @Test
    void checkpointDirectoriesOpenAsTheLocalEngine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        Models.installDefaults();
        dev.deliberate.engine.io.TinyCheckpoint.write(tmp, 4);
        try (ChatModel m = ChatModels.open(tmp.toString(), ChatModels.OpenOptions.defaults().withNoCache())) {
            assertInstanceOf(dev.deliberate.align.llm.LocalChatModel.class, m);
            var out = m.chat(List.of(Message.user("What is 2 + 3?")), SamplingParams.greedy(5));
            assertTrue(out.getFirst().usage().completionTokens() >= 1 && out.getFirst().usage().completionTokens() <= 5);
        }
    }
}
