package dev.deliberate.align.demo;

import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.llm.Completion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The direct-refusal SFT baseline's data (both papers' "SFT without reasoning" arm): the same judged teacher
 * responses Deliberative Alignment keeps, with the chain of thought removed — prompt → answer only. Refusals keep the
 * spec's refusal style, allowed and general prompts keep their answers, so the two arms differ only in the CoT.
 */
final class DirectRefusalData {
    private DirectRefusalData() {}

    static List<SftRecord> fromReasoningData(List<SftRecord> withCot) {
        var out = new ArrayList<SftRecord>(withCot.size());
        for (SftRecord r : withCot) {
            var turns = new ArrayList<Turn>(r.messages().size());
            for (Turn t : r.messages())
                turns.add(t.role().equals("assistant") ? new Turn("assistant", Completion.fromText(t.content(), "stop", null).answer()) : t);
            var meta = new LinkedHashMap<>(r.meta());
            meta.put("source", "direct-refusal");
            meta.put("derived_from", r.meta().getOrDefault("source", "?"));
            out.add(new SftRecord(turns, meta));
        }
        return out;
    }
}
