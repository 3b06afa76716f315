package dev.deliberate.align.world;

import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.ReasoningBrancher;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Category;
import dev.deliberate.align.spec.Rule;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.spec.Style;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * SpecWorld's stand-in for a strong reasoning model ({@code world:teacher}). It writes a chain of thought in the
 * Deliberative Alignment manner — restate (decoding any attack), name the category, read the intent, quote the
 * deciding rule by id, choose the style — then the answer in that style.
 *
 * <p>It decides from the spec it finds in the conversation: the category comes from the spec's text (the one
 * category quoted in full, or the one whose definitions the request names), the deciding rule is the rule tagged
 * with the request's intent, and the style is the one the rule's list calls for. With no spec in context it can
 * only guess: it refuses whatever contains an alarming word and cites no rule.
 *
 * <p>Knobs make its samples imperfect on purpose, so judging and rejection sampling have work to do: an error
 * rate (wrong decision, wrong rule, leaked hazard detail, broken style, wrong general answer), verbosity
 * (redundant steps), and drift (a chain that starts sound and drifts to the wrong answer at a known step). All
 * randomness comes from {@link SamplingParams#seed()}, the sample index and the request, so reruns are identical.
 * Usage counts are whitespace-separated words, not model tokens.
 */
public final class ScriptedTeacher implements ChatModel {
    public static final String ID = "world:teacher";

    public enum ErrorKind {
        WRONG_DECISION("wrong-decision"), WRONG_RULE("wrong-rule"), LEAK("leak"), BAD_STYLE("bad-style"), WRONG_ANSWER("wrong-answer");

        private final String wire;

        ErrorKind(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static ErrorKind fromWire(String s) {
            for (ErrorKind k : values()) if (k.wire.equals(s)) return k;
            throw new IllegalArgumentException("unknown teacher error '" + s + "' (expected wrong-decision, wrong-rule, leak, bad-style or wrong-answer)");
        }
    }

    /**
     * @param errorRate  probability that a sample carries one injected error
     * @param errorKinds which errors may be injected
     * @param verbosity  probability of each optional redundant step
     * @param driftRate  probability that a sample drifts (at a random step) and ends on the wrong answer
     */
    public record Knobs(double errorRate, Set<ErrorKind> errorKinds, double verbosity, double driftRate) {
        public static final Knobs CLEAN = new Knobs(0, EnumSet.allOf(ErrorKind.class), 0, 0);

        public Knobs {
            for (double p : new double[]{errorRate, verbosity, driftRate})
                if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("teacher knobs are probabilities in [0, 1], got " + p);
            errorKinds = errorKinds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(errorKinds));
        }

        public Knobs withErrorRate(double r) {
            return new Knobs(r, errorKinds, verbosity, driftRate);
        }

        public Knobs withErrors(Set<ErrorKind> kinds) {
            return new Knobs(errorRate, kinds, verbosity, driftRate);
        }

        public Knobs withVerbosity(double v) {
            return new Knobs(errorRate, errorKinds, v, driftRate);
        }

        public Knobs withDrift(double d) {
            return new Knobs(errorRate, errorKinds, verbosity, d);
        }
    }

    private static final List<String> REFUSALS = List.of(
            "I'm sorry, but I can't help with that.", "Sorry, but I can't help with that request.", "I'm sorry, but I can't assist with that.");
    private static final String SAFE_COMPLETION = "I'm really sorry you're feeling this way, and I'm glad you told me. "
            + "You don't have to go through this alone: please reach out to the Tessaly Crisis Line (dial 0-4-4, any hour) "
            + "or to someone you trust, right now if you can.";

    private final Lexicon lexicon;
    private final List<Attack> attacks;
    private final GeneralSolver solver;
    private final Knobs knobs;

    public ScriptedTeacher(Lexicon lexicon, List<Attack> attacks, Knobs knobs) {
        this.lexicon = lexicon;
        this.attacks = List.copyOf(attacks);
        this.solver = new GeneralSolver(lexicon);
        this.knobs = knobs;
    }

    /** The built-in lexicon and attack library. */
    public static ScriptedTeacher builtin(Knobs knobs) {
        return new ScriptedTeacher(Lexicon.builtin(), Attacks.builtin(), knobs);
    }

    /**
     * From a model reference: {@code world:teacher} or {@code world:teacher?error=0.2&errors=leak,wrong-rule&verbosity=0.5&drift=0.3}.
     */
    public static ScriptedTeacher fromRef(String ref) {
        if (!ref.equals(ID) && !ref.startsWith(ID + "?"))
            throw new IllegalArgumentException("not a SpecWorld teacher reference: '" + ref + "' (expected " + ID + "[?error=…&verbosity=…&drift=…])");
        Knobs k = Knobs.CLEAN;
        int q = ref.indexOf('?');
        if (q >= 0) for (String kv : ref.substring(q + 1).split("&")) {
            int eq = kv.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("teacher option '" + kv + "' needs a value, e.g. error=0.1");
            String key = kv.substring(0, eq), v = kv.substring(eq + 1);
            try {
                k = switch (key) {
                    case "error" -> k.withErrorRate(Double.parseDouble(v));
                    case "errors" -> k.withErrors(java.util.Arrays.stream(v.split(",")).map(ErrorKind::fromWire).collect(Collectors.toSet()));
                    case "verbosity" -> k.withVerbosity(Double.parseDouble(v));
                    case "drift" -> k.withDrift(Double.parseDouble(v));
                    default -> throw new IllegalArgumentException("unknown teacher option '" + key + "' (error, errors, verbosity, drift)");
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("teacher option " + key + "=" + v + " is not a number");
            }
        }
        return builtin(k);
    }

    public Knobs knobs() {
        return knobs;
    }

    @Override
    public String id() {
        if (knobs.equals(Knobs.CLEAN)) return ID;
        String kinds = knobs.errorKinds().stream().map(ErrorKind::wire).sorted().collect(Collectors.joining(","));
        return ID + "?error=" + knobs.errorRate() + "&errors=" + kinds + "&verbosity=" + knobs.verbosity() + "&drift=" + knobs.driftRate();
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        Reading r = read(messages); // the K samples share one reading of the conversation
        List<Completion> out = new ArrayList<>(params.n());
        int prompt = 0; // in this model's tokens: words
        for (Message m : messages) prompt += Deliberation.words(m.content());
        for (int i = 0; i < params.n(); i++) {
            // greedy decoding gives the same sample every time; sampling varies with the index
            long seed = sampleSeed(params.seed() == null ? 0 : params.seed(), params.temperature() == 0 ? 0 : i, "");
            Completion c = limit(deliberate(r, seed).completion(), params);
            out.add(new Completion(c.reasoning(), c.answer(), c.finishReason(), new Completion.Usage(prompt, c.usage().completionTokens(), c.usage().reasoningTokens())));
        }
        return out;
    }

    /** Branches exactly: the courses of one seed share their steps up to the branch ({@link ScriptedBrancher}). */
    @Override
    public Optional<ReasoningBrancher> reasoningBrancher(List<Message> prompt, long seed) {
        return Optional.of(new ScriptedBrancher(this, prompt, seed));
    }

    /** One sample as the knobs make it (drift included); the request is mixed into the seed, so one seed serves a whole dataset. */
    public Deliberation deliberate(List<Message> messages, long seed) {
        return deliberate(read(messages), seed);
    }

    /** One sample along a given course, with the error knob switched off: for process-level preference data. */
    public Deliberation deliberate(List<Message> messages, long seed, Course course) {
        return deliberate(read(messages), seed, course, false);
    }

    private Deliberation deliberate(Reading r, long seed) {
        var rnd = new SplittableRandom(sampleSeed(seed, 0, r.raw));
        Course course = Course.SOUND;
        long driftSeed = rnd.split().nextLong();
        if (knobs.driftRate() > 0 && new SplittableRandom(driftSeed).nextDouble() < knobs.driftRate()) {
            int n = deliberate(r, seed, Course.SOUND, false).steps().size();
            course = Course.drift(1 + new SplittableRandom(driftSeed ^ 1).nextInt(Math.max(1, n - 1)));
        }
        return deliberate(r, seed, course, true);
    }

    // ---- the chain -------------------------------------------------------------------------------------------

    /** What the teacher understood and decided, before writing. */
    private record Reading(String raw, String request, Optional<Attack> attack, boolean hasSpec, Category category, boolean operational,
                           Optional<String> cue, Rule rule, Style style, Optional<Lexicon.Topic> topic,
                           Optional<GeneralSolver.Solution> solution, List<String> alarms) {}

    private Deliberation deliberate(Reading r, long seed, Course course, boolean mayErr) {
        // independent streams so that the same seed gives the same prefix whatever happens later
        var base = new SplittableRandom(sampleSeed(seed, 1, r.raw));
        var verb = base.split();
        var err = base.split();
        var ans = base.split();

        ErrorKind error = null;
        if (mayErr && knobs.errorRate() > 0 && err.nextDouble() < knobs.errorRate()) {
            var applicable = applicableErrors(r);
            if (!applicable.isEmpty()) error = applicable.get(err.nextInt(applicable.size()));
        }

        List<String> steps = new ArrayList<>();
        List<String> cited = new ArrayList<>();
        // 1. restate, decoding any attack
        String quoted = r.request.strip().replaceAll("\\n\\s*\\n", "\n"); // a step is one paragraph
        steps.add(r.attack.map(a -> "The request is disguised (" + a.name() + "). Decoded, the user asks: \"" + quoted + "\"")
                .orElse("The user asks: \"" + quoted + "\""));
        maybe(steps, verb, "Restating it once more to be sure I read it right: \"" + quoted + "\"");
        Style style;
        String category;
        if (r.solution.isPresent()) {
            category = LabelledPrompt.GENERAL;
            steps.add("This is a general task, not a safety question, so no policy rule is needed.");
            steps.addAll(r.solution.get().steps());
            maybe(steps, verb, "Let me double-check the computation once more; it holds.");
            style = Style.COMPLY;
        } else if (r.hasSpec && r.category != null) {
            category = r.category.id();
            r.topic.flatMap(t -> recall(t)).ifPresent(steps::add);
            steps.add("Category: " + r.category.title() + " (" + r.category.id() + ")" + r.topic.map(t -> ", since it concerns " + t.name()).orElse("") + ".");
            maybe(steps, verb, "To double-check the category: the spec's definitions for " + r.category.id() + " cover this subject, so " + r.category.id() + " it is.");
            steps.add(r.operational
                    ? "Intent: the user wants actionable, operational help (\"" + r.cue.orElse("") + "\"), not understanding."
                    : "Intent: the user wants understanding, or uses these words in a harmless everyday sense; nothing asks for operational help.");
            Rule rule = r.rule;
            if (error == ErrorKind.WRONG_RULE) rule = otherRule(r).orElse(rule);
            steps.add("The spec's rule [" + rule.id() + "] says: \"" + rule.text() + "\" That rule decides this request.");
            cited.add(rule.id());
            maybe(steps, verb, "Re-reading [" + rule.id() + "] once more: it still applies, and no other rule overrides it.");
            style = r.style;
        } else {
            category = "?";
            steps.add(r.hasSpec ? "No category of the spec in context covers this request, so I must judge it on my own."
                    : "I have no policy text in context, so I must judge this on my own.");
            steps.add(r.alarms.isEmpty() ? "Nothing in it sounds dangerous." : "It contains alarming words (" + String.join(", ", r.alarms) + "), so caution suggests refusing.");
            style = r.alarms.isEmpty() ? Style.COMPLY : Style.REFUSE;
        }
        Style correct = style;
        if (error == ErrorKind.WRONG_DECISION) style = style == Style.COMPLY ? Style.REFUSE : Style.COMPLY;
        steps.add(styleStep(style));

        List<String> finalSteps = steps;
        boolean unsafeEnd = false;
        if (course.drifts()) {
            finalSteps = new ArrayList<>(steps.subList(0, Math.min(course.driftAt(), steps.size())));
            List<String> drift = driftSteps(r, correct);
            int driftLen = course.reflectAt() < 0 ? drift.size() : Math.min(drift.size(), course.reflectAt() - course.driftAt());
            finalSteps.addAll(drift.subList(0, driftLen));
            if (course.reflectAt() >= 0) {
                finalSteps.add(reflection(r));
                finalSteps.add(styleStep(correct));
                if (r.rule != null && !cited.contains(r.rule.id())) cited.add(r.rule.id());
            } else unsafeEnd = true;
        }

        String answer;
        Style answered;
        if (unsafeEnd) {
            // a drifting chain ends on the opposite of the sound answer: compliance with the hazard, or over-refusal
            answered = r.solution.isPresent() || correct != Style.COMPLY ? Style.COMPLY : Style.REFUSE;
            answer = r.solution.isPresent() ? "The answer is " + wrongAnswer(r.solution.get().answer()) + "."
                    : answered == Style.REFUSE ? pick(REFUSALS, ans) : recipe(r);
        } else {
            answered = course.drifts() ? correct : style;
            if (course.drifts()) style = correct;
            answer = switch (style) {
                case REFUSE -> pick(REFUSALS, ans);
                case SAFE_COMPLETE -> SAFE_COMPLETION;
                case COMPLY -> comply(r, error == ErrorKind.WRONG_DECISION);
            };
            if (error == ErrorKind.WRONG_ANSWER) answer = "The answer is " + wrongAnswer(r.solution.orElseThrow().answer()) + ".";
            if (error == ErrorKind.LEAK) answer = answer + " (For the record, it comes down to " + String.join(" and ", r.topic.orElseThrow().recipe()) + ".)";
            if (error == ErrorKind.BAD_STYLE) answer = badStyle(style, answer);
        }
        String chain = String.join("\n", finalSteps);
        cited.removeIf(id -> !chain.contains("[" + id + "]")); // a drift may have cut the rule step off
        return new Deliberation(finalSteps, answer, answered, course, error == null ? List.of() : List.of(error), category, cited);
    }

    private Reading read(List<Message> messages) {
        String context = messages.stream().map(Message::content).collect(Collectors.joining("\n\n"));
        Optional<Spec> spec = Spec.scan(context);
        String raw = request(messages);
        var rec = Attacks.recover(attacks, raw);
        String request = rec.map(Attacks.Recovered::request).orElse(raw);
        Optional<Attack> attack = rec.map(Attacks.Recovered::attack);
        var solution = solver.solve(request);
        var topic = lexicon.topicIn(request);
        var cue = RequestReader.operationalCue(request);
        var alarms = RequestReader.alarmingWords(request);
        Category cat = null;
        Rule rule = null;
        Style style = Style.COMPLY;
        if (spec.isPresent()) {
            cat = categoryOf(spec.get(), request).orElse(null);
            if (cat != null) {
                rule = decidingRule(cat, cue.isPresent());
                style = rule.style();
            }
        }
        return new Reading(raw, request, attack, spec.isPresent(), cat, cue.isPresent(), cue, rule, style, topic, solution, alarms);
    }

    /** The category quoted in full (spec(category)); with a whole spec in context, the one whose defined terms the request names. */
    private static Optional<Category> categoryOf(Spec spec, String request) {
        var full = spec.categories().stream().filter(c -> !c.rules().isEmpty()).toList();
        if (full.size() == 1) return Optional.of(full.getFirst());
        String q = request.toLowerCase(Locale.ROOT);
        Map<Category, Integer> hits = new LinkedHashMap<>();
        for (Category c : full)
            for (var d : c.definitions()) {
                var names = new ArrayList<>(d.aliases());
                names.add(d.term());
                for (String n : names) if (q.contains(n.toLowerCase(Locale.ROOT))) hits.merge(c, n.length(), Integer::sum);
            }
        return hits.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
    }

    /** The rule tagged with the request's intent; untagged specs fall back to the list the intent implies. */
    private static Rule decidingRule(Category c, boolean operational) {
        List<String> tags = operational ? List.of(Intent.HARMFUL_OPERATIONAL.wire()) : List.of(Intent.EDUCATIONAL.wire(), Intent.BENIGN_LOOKALIKE.wire());
        for (String t : tags) {
            var rs = c.rulesFor(t);
            if (!rs.isEmpty()) return rs.getFirst();
        }
        for (Rule r : c.rules())
            if (operational ? r.kind() != Rule.Kind.ALLOWED : r.kind() == Rule.Kind.ALLOWED) return r;
        return c.rules().getFirst();
    }

    private List<ErrorKind> applicableErrors(Reading r) {
        List<ErrorKind> out = new ArrayList<>();
        for (ErrorKind k : knobs.errorKinds()) {
            boolean ok = switch (k) {
                case WRONG_ANSWER -> r.solution.isPresent();
                case WRONG_DECISION -> r.solution.isEmpty();
                case WRONG_RULE -> r.solution.isEmpty() && r.hasSpec && r.category != null && otherRule(r).isPresent();
                case LEAK -> r.solution.isEmpty() && r.topic.isPresent() && !r.topic.get().recipe().isEmpty();
                case BAD_STYLE -> r.solution.isEmpty();
            };
            if (ok) out.add(k);
        }
        out.sort(null);
        return out;
    }

    private static Optional<Rule> otherRule(Reading r) {
        return r.category.rules().stream().filter(x -> !x.id().equals(r.rule.id()) && x.kind() != r.rule.kind()).findFirst()
                .or(() -> r.category.rules().stream().filter(x -> !x.id().equals(r.rule.id())).findFirst());
    }

    /**
     * What the topic is, in the pretraining corpus's words, before the category is named: the step a reasoning model
     * takes from its own knowledge, and the one a student can learn because its corpus states it for every topic.
     */
    private Optional<String> recall(Lexicon.Topic t) {
        return lexicon.categoryOf(t).map(c -> "Recall: " + t.name() + " is " + t.what() + ", in everyday words a "
                + lexicon.categories().get(c).words().getFirst() + ".");
    }

    private static String styleStep(Style s) {
        return switch (s) {
            case REFUSE -> "Style: refuse, per the hard-refusal guide: one brief apology and a statement of inability, no moralising.";
            case SAFE_COMPLETE -> "Style: safe-complete: respond with empathy and point to support resources, with no instructions.";
            case COMPLY -> "Style: comply: answer helpfully and directly.";
        };
    }

    private static List<String> driftSteps(Reading r, Style correct) {
        if (r.solution.isPresent()) return List.of("Actually, this looks easy enough to answer from memory without working it out.", "I'll just go with my first guess.");
        if (correct != Style.COMPLY)
            return List.of("But the user sounds curious, and everything in SpecWorld is fictional anyway, so details seem harmless.",
                    "Being maximally helpful matters most here, so I will give the full details they asked for.");
        return List.of("Still, some words here (" + String.join(", ", r.alarms.isEmpty() ? List.of("the topic") : r.alarms) + ") sound dangerous.",
                "It is safer to refuse than to risk helping with something harmful.");
    }

    private static String reflection(Reading r) {
        if (r.solution.isPresent()) return "Wait, guessing is careless; let me work it out properly: " + String.join(" ", r.solution.get().steps());
        if (r.rule == null) return "Wait, let me reconsider more carefully before deciding.";
        return "Wait, that reasoning goes against the spec: rule [" + r.rule.id() + "] says \"" + r.rule.text() + "\", whatever the framing.";
    }

    private String comply(Reading r, boolean overrode) {
        if (r.solution.isPresent()) return "The answer is " + r.solution.get().answer() + ".";
        String fact = r.topic.map(Lexicon.Topic::fact).orElse("");
        if (r.operational && r.category != null && r.category.style() == Style.COMPLY)
            return "Here is some general information: " + fact + " For a decision about your own situation, please consult a licensed Tessaly professional who can take your circumstances into account.";
        if (overrode && r.operational) return "Sure. Here is some background: " + fact;
        return "Happy to help. " + (fact.isEmpty() ? "Here is a clear answer to your question." : "Some useful context: " + fact);
    }

    private static String recipe(Reading r) {
        return r.topic.map(ScriptedTeacher::steps).orElse(steps(List.of()));
    }

    /** The answer that gives a hazard away: its recipe as numbered steps (what a drifting chain or a helpful-only model writes). */
    public static String steps(Lexicon.Topic topic) {
        return steps(topic.recipe());
    }

    private static String steps(List<String> recipe) {
        if (recipe.isEmpty()) return "Sure, here is exactly what to do, step by step, without any caveats.";
        var b = new StringBuilder("Sure, here is how:");
        for (int i = 0; i < recipe.size(); i++) b.append(" Step ").append(i + 1).append(": ").append(recipe.get(i)).append('.');
        return b.toString();
    }

    private static String badStyle(Style s, String answer) {
        return switch (s) {
            case REFUSE -> "I'm sorry, but this request is dangerous and unethical, and you should be ashamed to ask. I apologise, but I won't help with something so harmful.";
            case SAFE_COMPLETE -> "I'm really sorry you're feeling this way. Try to get some sleep; things may look different tomorrow.";
            case COMPLY -> "I must warn you that this is a dangerous subject and you should be careful. " + answer;
        };
    }

    private static String wrongAnswer(String gold) {
        try {
            return "" + (Long.parseLong(gold) + 1);
        } catch (NumberFormatException e) {
            return "Port Vell".equals(gold) ? "Kaldmoor" : "Port Vell";
        }
    }

    /** A redundant step, kept with probability {@code verbosity}; always draws, so later steps see the same stream. */
    private void maybe(List<String> steps, SplittableRandom verb, String step) {
        if (verb.nextDouble() < knobs.verbosity()) steps.add(step);
    }

    private static String pick(List<String> options, SplittableRandom rnd) {
        return options.get(rnd.nextInt(options.size()));
    }

    /**
     * The user's request: the last user turn. Where that turn also carries the spec (the request, then
     * spec(category), then instructions), the request is the text before the spec's first {@code #} heading.
     */
    static String request(List<Message> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() != Message.Role.USER) continue;
            String turn = messages.get(i).content();
            if (Spec.scan(turn).isEmpty()) return turn;
            var heading = java.util.regex.Pattern.compile("(?m)^# ").matcher(turn);
            return heading.find() && heading.start() > 0 ? turn.substring(0, heading.start()).strip() : turn;
        }
        throw new IllegalArgumentException("the conversation has no user turn");
    }

    static long sampleSeed(long seed, int index, String request) {
        long z = seed * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL + request.hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static Completion limit(Completion c, SamplingParams p) {
        String text = c.text();
        for (String stop : p.stop()) {
            int at = text.indexOf(stop);
            if (at >= 0) text = text.substring(0, at);
        }
        String[] words = text.split("(?<=\\s)");
        if (words.length > p.maxTokens()) {
            text = String.join("", java.util.Arrays.copyOf(words, p.maxTokens())).stripTrailing();
            return Completion.fromText(text, dev.deliberate.align.llm.FinishReason.LENGTH, new Completion.Usage(-1, p.maxTokens(), -1));
        }
        return text.equals(c.text()) ? c : Completion.fromText(text, "stop", c.usage());
    }
}
