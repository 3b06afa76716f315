package dev.deliberate.align.llm;

import dev.deliberate.align.io.Jsonl;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FinishReasonTest {

    @Test
    void readsOpenAisNamesAndKeepsUnknownOnesApartFromTruncation() {
        assertEquals(FinishReason.STOP, FinishReason.of("stop"));
        assertEquals(FinishReason.LENGTH, FinishReason.of(" Length "));
        assertEquals(FinishReason.TOOL_CALLS, FinishReason.of("function_call"));
        assertEquals(FinishReason.STOP, FinishReason.of(null));
        assertEquals(FinishReason.OTHER, FinishReason.of("abort"));
        assertTrue(new Completion("", "x", "length", null).truncated());
        assertFalse(new Completion("", "x", "abort", null).truncated());
        assertEquals(FinishReason.LENGTH, FinishReason.from(dev.deliberate.engine.generate.FinishReason.LENGTH));
        assertEquals(FinishReason.STOP, FinishReason.from(dev.deliberate.engine.generate.FinishReason.STOP_STRING));
    }

    @Test
    void jsonCarriesTheWireName() throws Exception {
        var c = Completion.fromText("<think>\nr\n</think>\n\na", FinishReason.LENGTH, null);
        String json = Jsonl.MAPPER.writeValueAsString(c);
        assertTrue(json.contains("\"finishReason\":\"length\""), json);
        assertEquals(c, Jsonl.MAPPER.readValue(json, Completion.class));
    }
}
