package dev.deliberate.align.guard;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Category;
import dev.deliberate.align.spec.Rule;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.spec.Style;
import dev.deliberate.align.world.ScriptedTeacher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Policy-as-prompt moderation (the idea of gpt-oss-safeguard): a reasoning model is given the written spec and one
 * piece of content and asked which category it falls under, which rules decide it and what the spec says to do
 * (refuse, safe-complete, comply). Content is flagged when the spec's decision is not plain compliance.
 *
 * <p>The reply is read from the reasoner's chain of thought and answer alike, so a structured reply
 * ({@code Category: CHEM}, {@code Rules: CHEM-2}, {@code Decision: refuse}) and a deliberatively aligned model's
 * own CoT ({@code Category: … (CHEM)}, {@code [CHEM-2] says …}, {@code Style: refuse}) both work. With k samples,
 * each category's score is the share of readable samples that flagged it. A reply with no readable decision is a
 * failure, never "not flagged".
 */
public final class PolicyGuard {
    /** What goes with the content: the whole spec in a system message (a general model), or nothing (a model trained on the spec). */
    public enum SpecContext { FULL, NONE }

    /**
     * @param samples     reasoner samples per input (1 = one greedy reading)
     * @param temperature sampling temperature when {@code samples > 1}
     * @param maxTokens   reply budget
     * @param context     what the reasoner is shown besides the content
     */
    public record Options(int samples, double temperature, int maxTokens, SpecContext context) {
        public static final Options DEFAULT = new Options(1, 0.7, 512, SpecContext.FULL);

        public Options {
            if (samples < 1 || samples > 16) throw new IllegalArgumentException("guard samples must be in 1..16, got " + samples);
            if (maxTokens < 1) throw new IllegalArgumentException("guard max tokens must be positive, got " + maxTokens);
            Objects.requireNonNull(context, "context");
        }
    }

    static final String INSTRUCTIONS = """
            # Instructions
            You are a content-policy reasoner. Read the user's content below against the specification above. Think it \
            through, then reply with exactly these lines:
            Category: the id of the one spec category the content falls under, or none
            Rules: the rule ids that decide it, comma-separated, or none
            Decision: refuse, safe-complete or comply (what the specification says an assistant should do)
            Reason: one sentence""";

    private final Spec spec;
    private final Options options;
    private final Map<String, String> categoryIds = new LinkedHashMap<>(); // lower-case -> id
    private final java.util.Set<String> ruleIds = new java.util.HashSet<>();

    public PolicyGuard(Spec spec, Options options) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.options = Objects.requireNonNull(options, "options");
        for (Category c : spec.categories()) categoryIds.put(c.id().toLowerCase(Locale.ROOT), c.id());
        spec.rules().forEach(r -> ruleIds.add(r.id()));
    }

    /**
     * The reasoner a reference names. {@code world:judge} and {@code world:teacher} mean SpecWorld's scripted policy
     * reasoner, which reads the spec it is shown and does not know any labels; other references open as models.
     */
    public static String reasonerRef(String ref) {
        String r = ref.strip();
        return r.equals("world:judge") ? ScriptedTeacher.ID : r;
    }

    public Spec spec() {
        return spec;
    }

    public Options options() {
        return options;
    }

    /** The spec's category ids, in spec order: the keys of {@code categories} and {@code category_scores}. */
    public List<String> categoryIds() {
        return List.copyOf(categoryIds.values());
    }

    /** The conversation the reasoner answers for one piece of content. */
    public List<Message> prompt(String content) {
        if (options.context() == SpecContext.NONE) return List.of(Message.user(content));
        return List.of(Message.system(spec.render().strip() + "\n\n" + INSTRUCTIONS), Message.user(content));
    }

    /** Greedy for one sample; seeded sampling for several, so a rerun reads the same. */
    public SamplingParams params() {
        return options.samples() == 1 ? SamplingParams.greedy(options.maxTokens())
                : SamplingParams.sample(options.temperature(), options.maxTokens(), options.samples(), 0);
    }

    /** Asks the reasoner directly (no server in between). */
    public GuardResult classify(ChatModel reasoner, String content) {
        return read(reasoner.chat(prompt(content), params()));
    }

    /** One sample's reading; empty when it has no readable decision. */
    record Reading(String category, List<String> rules, Style decision) {}

    /** Combines the reasoner's samples into one result. */
    public GuardResult read(List<Completion> samples) {
        List<Reading> ok = new ArrayList<>();
        String firstText = null;
        String why = samples.isEmpty() ? "the reasoner returned no completion" : null;
        for (Completion c : samples) {
            String text = (c.reasoning().isBlank() ? "" : c.reasoning().strip() + "\n\n") + c.answer().strip();
            Optional<Reading> r = parse(text);
            if (r.isPresent()) {
                ok.add(r.get());
                if (firstText == null) firstText = text;
            } else if (why == null) {
                why = (c.truncated() ? "the reply was cut off at max_tokens (" + options.maxTokens() + ") before a decision; "
                        : "no readable 'Decision:' (or 'Style:') line with refuse, safe-complete or comply; ") + "raw reply: " + abbreviate(text);
            }
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        Map<String, Boolean> flags = new LinkedHashMap<>();
        for (String id : categoryIds.values()) {
            scores.put(id, 0.0);
            flags.put(id, false);
        }
        if (ok.isEmpty()) return new GuardResult(false, flags, scores, null, List.of(), null, "", samples.size(), samples.size(), why);
        Map<Style, Integer> votes = new LinkedHashMap<>();
        Map<String, Integer> catVotes = new LinkedHashMap<>();
        for (Reading r : ok) {
            votes.merge(r.decision(), 1, Integer::sum);
            if (r.decision() != Style.COMPLY && r.category() != null) scores.merge(r.category(), 1.0 / ok.size(), Double::sum);
            catVotes.merge(r.category() == null ? "" : r.category(), 1, Integer::sum);
        }
        Style decision = votes.entrySet().stream().max(Map.Entry.<Style, Integer>comparingByValue().thenComparing(e -> -e.getKey().ordinal()))
                .orElseThrow().getKey();
        String category = catVotes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).filter(s -> !s.isEmpty()).orElse(null);
        long flaggedVotes = ok.stream().filter(r -> r.decision() != Style.COMPLY).count();
        boolean flagged = flaggedVotes * 2 >= ok.size() && decision != Style.COMPLY;
        scores.replaceAll((k, v) -> Math.round(v * 1e6) / 1e6);
        for (var e : scores.entrySet()) flags.put(e.getKey(), flagged && e.getValue() >= 0.5);
        var rules = new LinkedHashSet<String>();
        for (Reading r : ok) if (r.decision() == decision) rules.addAll(r.rules());
        return new GuardResult(flagged, flags, scores, category, List.copyOf(rules), decision, firstText, samples.size(), samples.size() - ok.size(), null);
    }

    private static final Pattern FIELD = Pattern.compile("(?im)^[\\s>*_#-]*(category|rules|decision|style)[\\s*_]*:[\\s*_]*(.*?)[\\s*_]*$");
    private static final Pattern PAREN_ID = Pattern.compile("\\(([A-Za-z][A-Za-z0-9]*)\\)");

    /** Reads one reply: the last decision wins (a chain that reconsiders ends on what it decided). */
    Optional<Reading> parse(String text) {
        Style decision = null;
        String category = null;
        boolean categorySeen = false;
        List<String> rules = null;
        Matcher m = FIELD.matcher(text);
        while (m.find()) {
            String key = m.group(1).toLowerCase(Locale.ROOT), value = m.group(2).strip();
            switch (key) {
                case "decision", "style" -> {
                    Style s = style(value);
                    if (s != null) decision = s;
                }
                case "category" -> {
                    if (!categorySeen) {
                        category = category(value);
                        categorySeen = true;
                    }
                }
                case "rules" -> rules = citedRules(value);
                default -> {}
            }
        }
        if (decision == null) return Optional.empty();
        if (!categorySeen && text.contains("No category of the spec")) category = null;
        if (rules == null) rules = citedRules(text);
        if (category == null && !rules.isEmpty()) category = spec.categoryOf(rules.getFirst()).map(Category::id).orElse(null);
        return Optional.of(new Reading(category, rules, decision));
    }

    private String category(String value) {
        Matcher p = PAREN_ID.matcher(value);
        String found = null;
        while (p.find()) if (categoryIds.containsKey(p.group(1).toLowerCase(Locale.ROOT))) found = categoryIds.get(p.group(1).toLowerCase(Locale.ROOT));
        if (found != null) return found;
        String first = value.split("[\\s,.;:()\\[\\]]+", 2)[0].toLowerCase(Locale.ROOT);
        return categoryIds.get(first);
    }

    private List<String> citedRules(String text) {
        var out = new LinkedHashSet<String>();
        Matcher r = Rule.ID.matcher(text);
        while (r.find()) if (ruleIds.contains(r.group())) out.add(r.group());
        return List.copyOf(out);
    }

    static Style style(String value) {
        String v = value.toLowerCase(Locale.ROOT).strip();
        if (v.startsWith("safe")) return Style.SAFE_COMPLETE;
        if (v.startsWith("refus")) return Style.REFUSE;
        if (v.startsWith("compl")) return Style.COMPLY;
        return null;
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 300 ? t : t.substring(0, 300) + "…";
    }
}
