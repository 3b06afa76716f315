package dev.deliberate.align.data;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.llm.Completion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The no-reasoning baselines' data (both papers' "SFT without reasoning" arm), made from the reasoning data by removing
 * the chain of thought, so a baseline differs from its reasoning method in the CoT only:
 * <ul>
 *   <li>direct-refusal SFT: the judged teacher responses Deliberative Alignment keeps, prompt → answer only (refusals
 *   keep the spec's refusal style, allowed and general prompts their answers);</li>
 *   <li>answer-only DPO: SaRO's output-level (OP-COT) pairs with both chains removed — chosen = the answer of the right
 *   decision, rejected = a wrong one's; process-level pairs have no answer-only counterpart and are left out, as are
 *   pairs whose answers are the same.</li>
 * </ul>
 */
public final class AnswerOnlyData {
    /** The files {@link #convert} reads from a generation run folder and writes, under the same names, to the output. */
    public static final String SFT = "sft.jsonl", PREFS = "prefs.jsonl", PREFS_VAL = "prefs.val.jsonl";

    private AnswerOnlyData() {}

    public static List<SftRecord> sft(List<SftRecord> withCot) {
        var out = new ArrayList<SftRecord>(withCot.size());
        for (SftRecord r : withCot) {
            var turns = new ArrayList<Turn>(r.messages().size());
            for (Turn t : r.messages()) turns.add(t.role().equals("assistant") ? new Turn("assistant", answer(t.content())) : t);
            var meta = new LinkedHashMap<>(r.meta());
            meta.put("source", "direct-refusal");
            meta.put("derived_from", r.meta().getOrDefault("source", "?"));
            out.add(new SftRecord(turns, meta));
        }
        return out;
    }

    public static List<PreferenceRecord> preferences(List<PreferenceRecord> pairs) {
        var out = new ArrayList<PreferenceRecord>();
        for (PreferenceRecord p : pairs) {
            if (!"output".equals(p.meta().get("level"))) continue;
            String chosen = answer(p.chosen().getLast().content()), rejected = answer(p.rejected().getLast().content());
            if (chosen.equals(rejected)) continue; // the pair differed only in its reasoning
            var meta = new LinkedHashMap<>(p.meta());
            meta.put("source", "answer-only-dpo");
            meta.put("level", "answer");
            out.add(new PreferenceRecord(p.prompt(), List.of(new Turn("assistant", chosen)), List.of(new Turn("assistant", rejected)), meta));
        }
        return out;
    }

    /**
     * Converts every dataset of a generation run folder that has a no-reasoning counterpart ({@code sft.jsonl};
     * {@code prefs.jsonl} and {@code prefs.val.jsonl}, an absent one read as empty) into {@code out}, and returns the
     * records written per file.
     *
     * @throws IllegalArgumentException when {@code from} holds none of them
     */
    public static Map<String, Integer> convert(Path from, Path out) {
        var written = new LinkedHashMap<String, Integer>();
        if (Files.isRegularFile(from.resolve(SFT))) {
            var recs = sft(Jsonl.read(from.resolve(SFT), SftRecord.class));
            Jsonl.write(out.resolve(SFT), recs);
            written.put(SFT, recs.size());
        }
        if (Files.isRegularFile(from.resolve(PREFS)) || Files.isRegularFile(from.resolve(PREFS_VAL)))
            for (String f : List.of(PREFS, PREFS_VAL)) {
                var recs = preferences(Files.isRegularFile(from.resolve(f)) ? Jsonl.read(from.resolve(f), PreferenceRecord.class) : List.of());
                Jsonl.write(out.resolve(f), recs);
                written.put(f, recs.size());
            }
        if (written.isEmpty())
            throw new IllegalArgumentException(from + " holds no " + SFT + ", " + PREFS + " or " + PREFS_VAL + " (a 'generate deliberative', 'saro-rw' or 'saro-prefs' run folder)");
        return written;
    }

    private static String answer(String content) {
        return Completion.fromText(content, "stop", null).answer();
    }
}
