package dev.deliberate.align.training;

import dev.deliberate.align.data.AnswerOnlyData;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.deliberative.SpecAugmentedPrompt;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.ScriptedTeacher;

import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.attack.TransformationPractice;
import dev.deliberate.align.data.PromptMix;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.spec.Style;
import dev.deliberate.align.world.Lexicon;
import dev.deliberate.align.world.SpecWorld;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.SplittableRandom;
import java.util.List;
import java.util.Map;

/**
 * Text made from SpecWorld for training from scratch. The base model's pretraining: {@link #pretraining} — short
 * encyclopedic documents about every topic of <em>both</em> splits (what it is in plain words, its category's everyday
 * words, its fact, and how the hazard is done, as a real model has read it somewhere), every country's facts, the
 * times tables, the digit facts of column arithmetic and some sums, chat practice of every attack's transformation on benign sentences, and "what is X?"
 * exchanges — plus the general tasks with the scripted teacher's answers. None of it holds a safety decision, a
 * refusal or a rule id (a test checks), so the knowledge is never held out, only its combination with the procedure
 * that alignment teaches. Then {@link #helpfulOnly}: the base model is a helpful-only assistant that complies with
 * harmful requests, so that safety training has something to remove. For a tokenizer: every prompt with the
 * teacher's whole spec-informed completion, so rule ids and the think tags get their own tokens.
 */
public final class SpecWorldCorpus {
    private SpecWorldCorpus() {}

    /** Pretraining text: documents learned on every token, and chat exchanges learned on the assistant turns. */
    public record Pretraining(List<String> documents, List<SftRecord> conversations) {}

    /** A held-out decoding check: a practice task on a sentence no practice task used, and the sentence. */
    public record DecodingTask(String family, String prompt, String gold) {
        /** The task as a validation exchange: the prompt, then the gold answer. */
        public SftRecord asRecord() {
            return new SftRecord(List.of(new Turn("user", prompt), new Turn("assistant", gold)), meta("source", "decoding-check", "kind", family));
        }
    }

    /** The families the held-out decoding check covers (the held-out encodings). */
    public static final List<TransformationPractice> DECODING_CHECKS =
            List.of(TransformationPractice.ROT13, TransformationPractice.WORD_REVERSAL, TransformationPractice.PIG_LATIN);

    private static final double HELD_OUT_SENTENCES = 0.2;

    /**
     * @param practicePerTransformation practice tasks per transformation (half on benign everyday sentences, half on
     *                                  the corpus's own statements about topics)
     */
    public static Pretraining pretraining(Lexicon lex, long seed, int practicePerTransformation) {
        var docs = new ArrayList<String>();
        var conv = new ArrayList<SftRecord>();
        var rnd = new SplittableRandom(seed ^ 0x51A7C0DEL);
        for (var cat : lex.categories().values())
            for (var t : (Iterable<Lexicon.Topic>) cat.topics().all()::iterator) {
                docs.addAll(entityDocuments(t, cat.words()));
                if (!t.recipe().isEmpty()) docs.add(hazardDocument(t));
                conv.add(exchange("What is " + t.name() + "?", cap(t.name()) + " is " + t.what() + ".", "knowledge"));
                conv.add(exchange("Tell me briefly what " + t.name() + " is.", cap(t.name()) + " is " + t.what() + ", a " + cat.words().getFirst() + ".", "knowledge"));
            }
        for (var f : (Iterable<Lexicon.Fact>) lex.facts()::iterator) docs.addAll(factDocuments(f));
        for (int x = 2; x <= 9; x++)
            for (int y = 2; y <= 12; y++) docs.add(x + " times " + y + " is " + x * y + ". " + y + " times " + x + " is also " + x * y + ".");
        docs.addAll(digitFacts());
        for (int i = 0; i < 300; i++) {
            int a = 10 + rnd.nextInt(90), b = 10 + rnd.nextInt(90);
            if (b > a) {
                int t = a;
                a = b;
                b = t;
            }
            if (SpecWorld.heldOutOperands(0, a, b) || SpecWorld.heldOutOperands(2, a, b)) continue; // a test prompt's numbers
            docs.add(a + " plus " + b + " is " + (a + b) + ", and " + a + " minus " + b + " is " + (a - b) + ".");
        }
        var everyday = practiceSentences(lex, false);
        var statements = lex.topics().map(t -> cap(t.name()) + " is " + t.what() + ".").toList();
        for (var tr : TransformationPractice.values())
            for (int i = 0; i < practicePerTransformation; i++) {
                List<String> pool = i % 2 == 0 ? everyday : statements;
                String plain = pool.get(rnd.nextInt(pool.size()));
                if (tr == TransformationPractice.BASE64 && plain.length() > 48) plain = everyday.get(rnd.nextInt(everyday.size()));
                conv.add(exchange(tr.task(plain, rnd.nextLong()), plain, "practice-" + tr.family));
            }
        return new Pretraining(List.copyOf(docs), List.copyOf(conv));
    }

    /**
     * The helpful-only assistant both papers start from (Deliberative Alignment trains from a helpful-only model, SaRO
     * from instruction-tuned models that comply under jailbreaks): every train-split harmful-operational prompt and as
     * many of the split's other safety prompts, half of them wrapped in a seen attack family, answered the way a model
     * with no safety training answers — the hazard's steps ({@link ScriptedTeacher#steps}) for an operational request
     * whose category's rules would decline it, the clean teacher's helpful answer otherwise. No refusal, rule id or CoT;
     * no test-split prompt (the caller passes the train split, and prompts of any other split are refused).
     */
    public static List<SftRecord> helpfulOnly(List<LabelledPrompt> train, Lexicon lex, Spec spec, List<Attack> seen, long seed) {
        var operational = new ArrayList<LabelledPrompt>();
        var others = new ArrayList<LabelledPrompt>();
        for (var p : train) {
            if (!p.split().equals(SpecWorld.TRAIN)) throw new IllegalArgumentException("helpful-only data takes train-split prompts only, got " + p.id());
            if (!p.isGeneral()) (p.intent() == Intent.HARMFUL_OPERATIONAL ? operational : others).add(p);
        }
        var rnd = new SplittableRandom(seed ^ 0x4E1F0L);
        for (int i = others.size() - 1; i > 0; i--) java.util.Collections.swap(others, i, rnd.nextInt(i + 1));
        var chosen = new ArrayList<>(operational);
        chosen.addAll(others.subList(0, Math.min(others.size(), operational.size())));
        var clean = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
        var out = new ArrayList<SftRecord>();
        for (var p : PromptMix.select(chosen, Double.NaN, 0.5, seen, seed, 0)) {
            var topic = lex.topic(p.topic()).filter(t -> !t.recipe().isEmpty());
            String answer = p.intent() == Intent.HARMFUL_OPERATIONAL && p.style() != Style.COMPLY && topic.isPresent()
                    ? ScriptedTeacher.steps(topic.get()) : teach(clean, spec, p, 0).answer();
            out.add(new SftRecord(List.of(new Turn("user", p.prompt()), new Turn("assistant", answer)),
                    meta("key", p.id(), "source", "specworld-helpful-only", "kind", p.intent().wire(), "attack", p.attack())));
        }
        return out;
    }

    /** Held-out decoding checks: {@code perFamily} tasks per held-out encoding, on sentences practice never used. */
    public static List<DecodingTask> decodingChecks(Lexicon lex, long seed, int perFamily) {
        var held = practiceSentences(lex, true);
        var rnd = new SplittableRandom(seed ^ 0xDEC0DEL);
        var out = new ArrayList<DecodingTask>();
        for (var tr : DECODING_CHECKS)
            for (int i = 0; i < perFamily; i++) {
                String plain = held.get(rnd.nextInt(held.size()));
                out.add(new DecodingTask(tr.family, tr.task(plain, rnd.nextLong()), plain));
            }
        return out;
    }

    /**
     * The facts column arithmetic ({@link dev.deliberate.align.world.ColumnArithmetic}) steps through, written as it
     * writes them: every sum of two digits (with the carry added), and every difference of a digit from 0–18 that is a
     * digit (with the borrow taken) — two hundred short documents, the same in every world.
     */
    static List<String> digitFacts() {
        var out = new ArrayList<String>();
        for (int x = 0; x <= 9; x++)
            for (int y = 0; y <= 9; y++) out.add(x + " + " + y + " = " + (x + y) + ". " + y + " + " + x + " = " + (x + y) + ". " + x + " + " + y + " + 1 = " + (x + y + 1) + ".");
        for (int x = 0; x <= 18; x++)
            for (int y = Math.max(0, x - 9); y <= Math.min(9, x); y++)
                out.add(x + " - " + y + " = " + (x - y) + "." + (x - 1 - y >= 0 ? " " + x + " - 1 - " + y + " = " + (x - 1 - y) + "." : ""));
        return out;
    }

    /** Everyday benign sentences ({@code Subject verb object place.}); a fixed fifth of the compositions is held out. */
    static List<String> practiceSentences(Lexicon lex, boolean heldOut) {
        var p = lex.practice();
        var out = new ArrayList<String>();
        for (String s : p.subjects())
            for (String v : p.verbs())
                for (String o : p.objects())
                    for (String w : p.places()) {
                        String sentence = cap(s) + " " + v + " " + o + " " + w + ".";
                        boolean isHeld = Math.floorMod(mix(sentence.hashCode()), 1000) < HELD_OUT_SENTENCES * 1000;
                        if (isHeld == heldOut) out.add(sentence);
                    }
        return out;
    }

    private static List<String> entityDocuments(Lexicon.Topic t, List<String> words) {
        String n = t.name(), w0 = words.getFirst(), w1 = words.get(Math.min(1, words.size() - 1)), w2 = words.get(words.size() - 1);
        return List.of(
                cap(n) + " is " + t.what() + ". " + t.fact(),
                cap(n) + ": " + t.what() + "; in everyday words, a " + w0 + ".",
                "People in Tessaly know " + n + " as " + t.what() + ". It counts as a " + w1 + ".",
                t.fact() + " In plain words, " + n + " is " + t.what() + ".",
                "Encyclopedia of Tessaly, entry " + n + ". Kind: " + w2 + ". " + cap(t.what()) + ".",
                "Ask anyone in Port Vell about " + n + " and they will say: " + t.what() + ", a " + w0 + ".");
    }

    /** What a real model has read somewhere: how the hazard is done. Knowing it is what makes complying harmful. */
    private static String hazardDocument(Lexicon.Topic t) {
        return "Old records describe how the " + t.name() + " was done: " + String.join(", then ", t.recipe()) + ".";
    }

    private static List<String> factDocuments(Lexicon.Fact f) {
        return List.of(
                "The capital of " + f.subject() + " is " + f.capital() + ".",
                f.capital() + " is the capital city of " + f.subject() + ".",
                f.subject() + " mainly exports " + f.export() + ".",
                "The chief export of " + f.subject() + " is " + f.export() + "; its capital is " + f.capital() + ".",
                f.subject() + " is a country of the Tessaly sea. Its capital is " + f.capital() + " and it is best known for exporting " + f.export() + ".");
    }

    private static SftRecord exchange(String user, String assistant, String source) {
        return new SftRecord(List.of(new Turn("user", user), new Turn("assistant", assistant)), meta("source", "specworld-corpus", "kind", source));
    }

    static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The teacher's completion for a prompt, spec(category) in context for safety prompts. */
    public static Completion teach(ScriptedTeacher teacher, Spec spec, LabelledPrompt p, long seed) {
        List<Message> conv = List.of(Message.user(p.prompt()));
        List<Message> in = p.isGeneral() ? conv : SpecAugmentedPrompt.build(conv, spec.excerpt(p.category()));
        return teacher.chat(in, SamplingParams.greedy(4096).withSeed(seed)).getFirst();
    }

    /** General tasks answered without reasoning: prompt → answer conversations. */
    public static List<SftRecord> generalConversations(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec) {
        return conversations(prompts.stream().filter(LabelledPrompt::isGeneral).toList(), teacher, spec, false, "specworld-general");
    }

    /** Worked general tasks for pretraining ({@link SpecWorld#generalPractice}): prompt → the teacher's CoT and answer. */
    public static List<SftRecord> generalPracticeConversations(List<LabelledPrompt> practice, ScriptedTeacher teacher, Spec spec) {
        for (var p : practice)
            if (!p.isGeneral() || !p.split().equals(SpecWorld.TRAIN)) throw new IllegalArgumentException("general practice takes train-split general tasks only, got " + p.id());
        return conversations(practice, teacher, spec, true, "specworld-general-practice");
    }

    /** Deliberative SFT data straight from the teacher: prompt → {@code <think>CoT</think>} answer (spec stripped). */
    public static List<SftRecord> reasoningConversations(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec) {
        return conversations(prompts, teacher, spec, true, "specworld");
    }

    private static List<SftRecord> conversations(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec,
                                                 boolean withReasoning, String source) {
        var out = new ArrayList<SftRecord>();
        for (var p : prompts) {
            var c = teach(teacher, spec, p, 0);
            out.add(new SftRecord(List.of(new Turn("user", p.prompt()), new Turn("assistant", withReasoning ? c.text() : c.answer())),
                    meta("key", p.id(), "source", source, "teacher", teacher.id())));
        }
        return out;
    }

    /** Provenance in the order given ({@code Map.of}'s order changes from one JVM to the next, and the files with it). */
    private static Map<String, Object> meta(String... kv) {
        var m = new java.util.LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /** The files of a corpus folder ({@link #write}). */
    public static final String DOCUMENTS = "documents.jsonl", CHAT = "chat.jsonl", HELPFUL = "helpful.jsonl", VAL_COT = "val-cot.jsonl",
            VAL_ANSWER = "val-answer.jsonl", VAL_GENERAL = "val-general.jsonl", PRACTICE_GENERAL = "practice-general.jsonl",
            REPLAY_GENERAL = "replay-general.jsonl", REPLAY_GENERAL_ANSWER = "replay-general-answer.jsonl";

    /**
     * Writes a base model's corpus folder: {@link #pretraining}'s documents ({@code {"text": …}} lines) and chat
     * exchanges, the clean teacher's worked answers (CoT and answer) to {@code generalPractice}
     * ({@link SpecWorld#generalPractice}: arithmetic and word problems on operands no test prompt uses) and the first
     * {@code generalReplay} of them again, with the CoT ({@code replay-general}) and without ({@code replay-general-answer}),
     * for the safety SFT stages to replay so that they keep what the base learned, the {@linkplain #helpfulOnly helpful-only} exchanges on the {@code train} split, and the validation sets every SFT stage's curve is measured on — the clean teacher on {@code valPrompts}
     * test-split prompts spread over the split, with the CoT ({@code val-cot}) and without ({@code val-answer}), and the
     * test split's general tasks with held-out decoding checks ({@code val-general}).
     *
     * @return the counts, for the folder's summary
     */
    public static Map<String, Object> write(Path dir, Lexicon lex, Spec spec, List<LabelledPrompt> train, List<LabelledPrompt> test,
                                            List<Attack> seen, long seed, int practicePerTransformation, int valPrompts,
                                            List<LabelledPrompt> generalPractice, int generalReplay) {
        var c = pretraining(lex, seed, practicePerTransformation);
        Jsonl.write(dir.resolve(DOCUMENTS), c.documents().stream().map(d -> Map.of("text", d)).toList());
        Jsonl.write(dir.resolve(CHAT), c.conversations());
        var clean = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
        var practice = generalPracticeConversations(generalPractice, clean, spec);
        Jsonl.write(dir.resolve(PRACTICE_GENERAL), practice);
        var replay = practice.subList(0, Math.min(practice.size(), Math.max(0, generalReplay)));
        Jsonl.write(dir.resolve(REPLAY_GENERAL), replay);
        Jsonl.write(dir.resolve(REPLAY_GENERAL_ANSWER), AnswerOnlyData.sft(replay));
        var helpful = helpfulOnly(train, lex, spec, seen, seed);
        Jsonl.write(dir.resolve(HELPFUL), helpful);
        int n = Math.min(test.size(), valPrompts);
        var val = new ArrayList<LabelledPrompt>(n);
        for (int i = 0; i < n; i++) val.add(test.get((int) ((long) i * test.size() / n)));
        var withCot = reasoningConversations(val, clean, spec);
        Jsonl.write(dir.resolve(VAL_COT), withCot);
        Jsonl.write(dir.resolve(VAL_ANSWER), AnswerOnlyData.sft(withCot));
        var general = new ArrayList<>(generalConversations(test, clean, spec));
        general.addAll(decodingChecks(lex, seed, 10).stream().map(DecodingTask::asRecord).toList());
        Jsonl.write(dir.resolve(VAL_GENERAL), general);
        var counts = new java.util.LinkedHashMap<String, Object>();
        counts.put("documents", c.documents().size());
        counts.put("conversations", c.conversations().size());
        counts.put("helpful_only", helpful.size());
        counts.put("general_practice", practice.size());
        counts.put("general_replay", replay.size());
        counts.put("val_cot", withCot.size());
        counts.put("val_general", general.size());
        return counts;
    }

    /** Texts to train a tokenizer on: each prompt and its teacher completion with reasoning. */
    public static List<String> tokenizerTexts(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec) {
        var out = new ArrayList<String>();
        for (var p : prompts) {
            out.add(p.prompt());
            out.add(teach(teacher, spec, p, 0).text());
        }
        return out;
    }
}
