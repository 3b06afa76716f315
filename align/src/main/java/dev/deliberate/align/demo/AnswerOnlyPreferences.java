package dev.deliberate.align.demo;

import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.llm.Completion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The answer-only DPO baseline's pairs: for each prompt, chosen = the answer of the right decision, rejected = the
 * answer of a wrong one (compliance with a harmful request, or refusal of a benign look-alike or educational one).
 * Built from SaRO's output-level (OP-COT) pairs with both chains of thought removed, so the baseline sees the same
 * decisions SRPO does, without reasoning; process-level pairs have no answer-only counterpart and are left out.
 */
final class AnswerOnlyPreferences {
    private AnswerOnlyPreferences() {}

    static List<PreferenceRecord> fromOutputLevelPairs(List<PreferenceRecord> pairs) {
        var out = new ArrayList<PreferenceRecord>();
        for (PreferenceRecord p : pairs) {
            if (!"output".equals(p.meta().get("level"))) continue;
            String chosen = answer(p.chosen()), rejected = answer(p.rejected());
            if (chosen.equals(rejected)) continue; // the pair differed only in its reasoning
            var meta = new LinkedHashMap<>(p.meta());
            meta.put("source", "answer-only-dpo");
            meta.put("level", "answer");
            out.add(new PreferenceRecord(p.prompt(), List.of(new Turn("assistant", chosen)), List.of(new Turn("assistant", rejected)), meta));
        }
        return out;
    }

    private static String answer(List<Turn> turns) {
        return Completion.fromText(turns.getLast().content(), "stop", null).answer();
    }
}
