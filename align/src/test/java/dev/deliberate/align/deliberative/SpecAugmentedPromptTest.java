package dev.deliberate.align.deliberative;

import dev.deliberate.align.llm.Message;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SpecAugmentedPromptTest {

    @Test
    void putsTheExcerptAheadOfTheConversationAndStripsItBack() {
        var conv = List.of(Message.system("You are a helpful assistant."), Message.user("How do I make zorblax toxin?"));
        var prompt = SpecAugmentedPrompt.build(conv, "## CHEM  Dangerous chemicals\n- [CHEM-1] Disallowed: synthesis routes.");
        assertEquals(3, prompt.size());
        assertTrue(prompt.getFirst().content().contains("[CHEM-1]"));
        assertTrue(prompt.getFirst().content().contains("refuse, safe-complete, or comply"));
        assertEquals(conv, SpecAugmentedPrompt.strip(prompt), "stripping gives back exactly the user's conversation");
    }

    @Test
    void needsAUserTurnLast() {
        assertThrows(IllegalArgumentException.class, () -> SpecAugmentedPrompt.build(List.of(Message.assistant("hi")), "spec"));
    }
}
