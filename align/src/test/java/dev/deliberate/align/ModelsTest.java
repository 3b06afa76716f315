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
}
