package dev.deliberate.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class AssistantMaskTest {
    static final HfTokenizer qwen = Shared.qwen3Tokenizer();

    /** The decoded runs of consecutive masked tokens. */
    static List<String> maskedRuns(Tokenizer t, AssistantMask m) {
        List<String> runs = new ArrayList<>();
        int i = 0;
        while (i < m.ids().length) {
            if (m.mask()[i] == 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < m.ids().length && m.mask()[j] == 1) j++;
            runs.add(t.decode(Arrays.copyOfRange(m.ids(), i, j)));
            i = j;
        }
        return runs;
    }

    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are helpful."),
            ChatMessage.user("Hi"),
            ChatMessage.assistant("<think>\nfirst thoughts\n</think>\n\nHello!"),
            ChatMessage.user("How do I kill a stuck Vexworm process?"),
            ChatMessage.assistant("<think>\nBenign: a process. [GEN-1]\n</think>\n\nUse `kill -9 PID`."));

    @Test
    void qwen3MasksExactlyTheAssistantTurnsAsRenderedInTheWholeConversation() throws Exception {
        ChatTemplate t = ChatTemplateTest.qwen3();
        AssistantMask m = AssistantMask.of(qwen, t, CONVERSATION);
        assertArrayEquals(qwen.encode(m.rendered(), false), m.ids());
        assertEquals(List.of(
                "Hello!<|im_end|>", // Qwen3 drops the earlier turn's thinking
                "<think>\nBenign: a process. [GEN-1]\n</think>\n\nUse `kill -9 PID`.<|im_end|>"), maskedRuns(qwen, m));
        assertTrue(m.rendered().endsWith("<|im_end|>\n"));
        assertEquals(0, m.mask()[m.mask().length - 1], "the newline after <|im_end|> is not trained on");
        int unmasked = 0;
        for (int i = 0; i < m.ids().length; i++) if (m.mask()[i] == 0) unmasked++;
        assertEquals(m.ids().length - m.trainedTokens(), unmasked);
    }

    @Test
    void withThinkingDisabledTheEmptyThinkBlockIsPrompt() throws Exception {
        ChatTemplate t = ChatTemplateTest.qwen3();
        var msgs = List.of(ChatMessage.user("Hi").toMap(), ChatMessage.assistant("Hello!").toMap());
        AssistantMask m = AssistantMask.ofMaps(qwen, t, msgs, Map.of("enable_thinking", false));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n", m.rendered());
        assertEquals(List.of("Hello!<|im_end|>"), maskedRuns(qwen, m));
    }

    @Test
    void builtInChatMlWithATrainedTokenizer(@TempDir Path dir) {
        try (HfTokenizer t = BpeTrainer.trainAndLoad(BpeTrainerTest.corpus(400, 5), new BpeTrainer.Config(600), dir)) {
            AssistantMask m = AssistantMask.of(t, t.chatTemplate().orElseThrow(), CONVERSATION);
            assertEquals(List.of("Hello!<|im_end|>", "<think>\nBenign: a process. [GEN-1]\n</think>\n\nUse `kill -9 PID`.<|im_end|>"),
                    maskedRuns(t, m));
        }
    }

    @Test
    void aConversationWithoutAssistantTurnsTrainsOnNothing() throws Exception {
        AssistantMask m = AssistantMask.of(qwen, ChatTemplateTest.qwen3(), List.of(ChatMessage.user("only a question")));
        assertEquals(0, m.trainedTokens());
        assertTrue(m.ids().length > 0);
    }
}
