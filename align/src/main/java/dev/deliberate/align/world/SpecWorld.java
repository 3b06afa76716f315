package dev.deliberate.align.world;

import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.prompt.LookalikeType;
import dev.deliberate.align.spec.Category;
import dev.deliberate.align.spec.Rule;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.spec.Style;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * SpecWorld's seeded prompt generator. For each spec category × intent it fills compositions of the
 * {@link PromptGrammar} with topics, and adds general tasks with gold answers. A test prompt always uses a test
 * composition, a test topic and test openers/closers, so no (template, topic) pair and no full text of the test split
 * occurs in train. What the topics are is not held out: {@code SpecWorldCorpus} states it for both splits.
 * Same seed, same prompts, in the same order.
 */
public final class SpecWorld {
    public static final String TRAIN = "train", TEST = "test";
    static final List<Intent> SAFETY_INTENTS = List.of(Intent.HARMFUL_OPERATIONAL, Intent.EDUCATIONAL, Intent.BENIGN_LOOKALIKE);
    static final List<String> GENERAL_KINDS = List.of("fact-capital", "fact-export", "arithmetic", "reasoning");

    /**
     * @param perCell      prompts per category × intent cell, both splits together
     * @param generalPerKind prompts per general-task kind (capital, export, arithmetic, reasoning), both splits together
     * @param testFraction share of each cell that goes to the test split
     */
    public record Config(long seed, int perCell, int generalPerKind, double testFraction) {
        public static final int DEFAULT_PER_CELL = 100;

        public Config {
            if (perCell < 2) throw new IllegalArgumentException("per-cell must be >= 2 (one train and one test prompt), got " + perCell);
            if (generalPerKind < 0) throw new IllegalArgumentException("general-per-kind must be >= 0, got " + generalPerKind);
            if (!(testFraction > 0 && testFraction < 1)) throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
        }

        public static Config defaults(long seed) {
            return new Config(seed, DEFAULT_PER_CELL, DEFAULT_PER_CELL, 0.25);
        }

        int testCount(int n) {
            return Math.max(1, (int) Math.round(n * testFraction));
        }
    }

    /** The generated splits. */
    public record World(Config config, String specHash, List<LabelledPrompt> train, List<LabelledPrompt> test) {
        public List<LabelledPrompt> split(String name) {
            return name.equals(TRAIN) ? train : name.equals(TEST) ? test : List.of();
        }

        /** Counts per category × intent over both splits, rows in spec order. */
        public Map<String, Map<Intent, int[]>> counts() {
            Map<String, Map<Intent, int[]>> m = new LinkedHashMap<>();
            for (var p : train) m.computeIfAbsent(p.category(), k -> new LinkedHashMap<>()).computeIfAbsent(p.intent(), k -> new int[2])[0]++;
            for (var p : test) m.computeIfAbsent(p.category(), k -> new LinkedHashMap<>()).computeIfAbsent(p.intent(), k -> new int[2])[1]++;
            return m;
        }

        /** A plain-text table: one row per category, one column per intent, cells "train/test". */
        public String summary() {
            var cols = List.of(Intent.values());
            var b = new StringBuilder(String.format("%-10s", "category"));
            for (Intent i : cols) b.append(String.format(" %20s", i.wire()));
            b.append(String.format(" %12s%n", "total"));
            int[] tot = new int[2];
            for (var row : counts().entrySet()) {
                b.append(String.format("%-10s", row.getKey()));
                int tr = 0, te = 0;
                for (Intent i : cols) {
                    int[] c = row.getValue().get(i);
                    b.append(String.format(" %20s", c == null ? "-" : c[0] + "/" + c[1]));
                    if (c != null) {
                        tr += c[0];
                        te += c[1];
                    }
                }
                b.append(String.format(" %12s%n", tr + "/" + te));
                tot[0] += tr;
                tot[1] += te;
            }
            b.append(String.format("%-10s %s train / %s test (cells are train/test)%n", "total", tot[0], tot[1]));
            return b.toString();
        }
    }

    private final Spec spec;
    private final Lexicon lexicon;

    public SpecWorld(Spec spec, Lexicon lexicon) {
        this.spec = spec;
        this.lexicon = lexicon;
        for (String cat : lexicon.categories().keySet())
            if (spec.category(cat).isEmpty())
                throw new IllegalArgumentException("SpecWorld's lexicon has category " + cat + " but the spec has no category with id " + cat);
        for (String kind : GENERAL_KINDS)
            if (!lexicon.general().templates().containsKey(kind))
                throw new IllegalArgumentException("SpecWorld's lexicon has no general templates of kind '" + kind + "'");
    }

    /** The built-in spec and lexicon. */
    public static SpecWorld builtin() {
        return new SpecWorld(Spec.defaultSpec(), Lexicon.builtin());
    }

    public Spec spec() {
        return spec;
    }

    public Lexicon lexicon() {
        return lexicon;
    }

    /** How many prompts {@link #generate} will make. */
    public int total(Config c) {
        return lexicon.categories().size() * SAFETY_INTENTS.size() * c.perCell() + GENERAL_KINDS.size() * c.generalPerKind();
    }

    public World generate(Config c) {
        return generate(c, n -> {});
    }

    /** @param progress called with the number of prompts made so far */
    public World generate(Config c, IntConsumer progress) {
        List<LabelledPrompt> train = new ArrayList<>(), test = new ArrayList<>();
        int[] made = {0};
        for (var e : lexicon.categories().entrySet()) {
            Category cat = spec.category(e.getKey()).orElseThrow();
            for (Intent intent : SAFETY_INTENTS) {
                List<Rule> rules = cat.rulesFor(intent.wire());
                if (rules.isEmpty())
                    throw new IllegalArgumentException("spec category " + cat.id() + " has no rule tagged (" + intent.wire() + "); SpecWorld cannot label its prompts");
                int nTest = c.testCount(c.perCell());
                for (String split : List.of(TRAIN, TEST)) {
                    int n = split.equals(TEST) ? nTest : c.perCell() - nTest;
                    var rnd = new SplittableRandom(c.seed() ^ (cat.id() + "/" + intent.wire() + "/" + split).hashCode() * 0x9E3779B97F4A7C15L);
                    var out = split.equals(TRAIN) ? train : test;
                    var compositions = PromptGrammar.of(lexicon, cat.id(), intent, split, c.testFraction());
                    Set<String> seen = new HashSet<>();
                    for (int k = 0; k < n; k++) {
                        out.add(safetyPrompt(cat, intent, rules, split, k, e.getValue(), compositions, rnd, seen));
                        progress.accept(++made[0]);
                    }
                }
            }
        }
        for (String kind : GENERAL_KINDS) {
            int nTest = c.generalPerKind() == 0 ? 0 : c.testCount(c.generalPerKind());
            for (String split : List.of(TRAIN, TEST)) {
                int n = split.equals(TEST) ? nTest : c.generalPerKind() - nTest;
                var rnd = new SplittableRandom(c.seed() ^ ("general/" + kind + "/" + split).hashCode() * 0x9E3779B97F4A7C15L);
                var out = split.equals(TRAIN) ? train : test;
                Set<String> seen = new HashSet<>();
                for (int k = 0; k < n; k++) {
                    out.add(generalPrompt(kind, split, k, rnd, seen));
                    progress.accept(++made[0]);
                }
            }
        }
        return new World(c, spec.hash(), List.copyOf(train), List.copyOf(test));
    }

    private LabelledPrompt safetyPrompt(Category cat, Intent intent, List<Rule> rules, String split, int k, Lexicon.CategoryWords words,
                                        List<PromptGrammar.Composition> compositions, SplittableRandom rnd, Set<String> seen) {
        List<Lexicon.Topic> topics = words.topics().of(split);
        String text = null;
        PromptGrammar.Composition comp = null;
        Lexicon.Topic topic = null;
        for (int attempt = 0; attempt < 64; attempt++) {
            comp = compositions.get(rnd.nextInt(compositions.size()));
            topic = topics.get(rnd.nextInt(topics.size()));
            text = dress(comp.text().replace("{topic}", topic.name()), split, rnd);
            if (seen.add(text)) break; // else retry; after 64 tries a cell larger than its vocabulary repeats prompts
        }
        Style style = rules.getFirst().style();
        String id = split + "-" + cat.id() + "-" + intent.wire() + "-" + String.format("%04d", k);
        return new LabelledPrompt(id, split, cat.id(), intent, style, rules.stream().map(Rule::id).toList(), comp.type(), null,
                topic.name(), comp.id(), text, LabelledPrompt.NO_ATTACK, text);
    }

    private LabelledPrompt generalPrompt(String kind, String split, int k, SplittableRandom rnd, Set<String> seen) {
        var g = lexicon.general();
        return generalPrompt(kind, split, g.templates().get(kind).of(split), LabelledPrompt.GENERAL + "/" + kind + "/" + split + "/",
                g.names().of(split), dressing(split), split.equals(TEST), split + "-general-" + kind + "-" + String.format("%04d", k), rnd, seen);
    }

    private record Dressing(List<String> openers, List<String> closers) {}

    /** A split's own openers and closers. */
    private Dressing dressing(String split) {
        return new Dressing(lexicon.openers().of(split), lexicon.closers().of(split));
    }

    /**
     * One general task: a template of the list (arithmetic templates in the order addition, multiplication, subtraction),
     * its operands drawn from the held-out share when {@code heldOut} and from the rest otherwise.
     */
    private LabelledPrompt generalPrompt(String kind, String split, List<String> templates, String templatePrefix, List<String> names, Dressing dressing,
                                         boolean heldOut, String id, SplittableRandom rnd, Set<String> seen) {
        var g = lexicon.general();
        String text = null, gold = null, topic = null, templateId = null;
        for (int attempt = 0; attempt < 64; attempt++) {
            int ti = rnd.nextInt(templates.size());
            String t = templates.get(ti);
            templateId = templatePrefix + ti;
            String name = names.get(rnd.nextInt(names.size()));
            switch (kind) {
                case "fact-capital", "fact-export" -> {
                    var f = g.facts().of(split).get(rnd.nextInt(g.facts().of(split).size()));
                    topic = f.subject();
                    t = t.replace("{subject}", f.subject());
                    gold = kind.equals("fact-capital") ? f.capital() : f.export();
                }
                case "arithmetic" -> {
                    int op = ti % 3, a, b; // templates are listed as: plus/add, times/multiply, minus/subtract (lexicon.yaml)
                    do {
                        a = 10 + rnd.nextInt(90);
                        b = 10 + rnd.nextInt(90);
                        if (b > a) {
                            int x = a;
                            a = b;
                            b = x;
                        }
                        if (op == 1) { // multiplication: one digit by one or two (the times tables)
                            a = 2 + rnd.nextInt(8);
                            b = 2 + rnd.nextInt(11);
                        }
                    } while (heldOutOperands(op, a, b) != heldOut);
                    t = t.replace("{a}", "" + a).replace("{b}", "" + b).replace("{x}", "" + a).replace("{y}", "" + b);
                    gold = "" + switch (op) {
                        case 0 -> a + b;
                        case 1 -> a * b;
                        default -> a - b;
                    };
                    topic = "arithmetic";
                }
                case "reasoning" -> {
                    int a, b, c;
                    do {
                        a = 3 + rnd.nextInt(7);
                        b = 4 + rnd.nextInt(9);
                        c = 1 + rnd.nextInt(a * b - 1);
                    } while (heldOutOperands(3, a, b, c) != heldOut);
                    t = t.replace("{a}", "" + a).replace("{b}", "" + b).replace("{c}", "" + c).replace("{name}", name);
                    gold = "" + (a * b - c);
                    topic = "reasoning";
                }
                default -> throw new IllegalArgumentException("unknown general kind " + kind);
            }
            text = dress(t, dressing, rnd);
            if (seen.add(text)) break;
        }
        return new LabelledPrompt(id, split, LabelledPrompt.GENERAL, Intent.GENERAL, Style.COMPLY, List.of(), null, gold, topic,
                templateId, text, LabelledPrompt.NO_ATTACK, text);
    }

    /**
     * Whether a general task's operands are held out: a fixed share of the (operation, operands) tuples, the same in
     * every world, go to test prompts only — so no test prompt's numbers are trained on, in the train split or in
     * {@link #generalPractice practice} — as the test split holds out compositions, topics and dressing.
     *
     * @param op 0 addition, 1 multiplication, 2 subtraction, 3 the two-step word problem
     */
    public static boolean heldOutOperands(int op, int... operands) {
        int h = op;
        for (int x : operands) h = 31 * h + x;
        return Math.floorMod(PromptGrammar.mix(h * 0x9E3779B9L + 0x0DE5L), 1000) < HELD_OUT_OPERANDS * 1000;
    }

    static final double HELD_OUT_OPERANDS = 0.25;

    /**
     * Practice of the general skills for the base model: {@code n} arithmetic tasks and word problems (alternating), in
     * every phrasing and frame the lexicon has — the test split's too, as the corpus practises the held-out attacks'
     * transformations, since knowing what "subtract 18 from 58" asks is knowledge, not the test — on operands no test
     * prompt uses ({@link #heldOutOperands}), with train-split names and openers or the lexicon's practice openers. Train
     * split; the same seed gives the same tasks.
     */
    public List<LabelledPrompt> generalPractice(int n, long seed) {
        if (n < 0) throw new IllegalArgumentException("general practice must be >= 0, got " + n);
        var g = lexicon.general();
        var p = lexicon.practice();
        var dressing = new Dressing(concat(lexicon.openers().train(), p.openers()), concat(lexicon.closers().train(), p.closers()));
        var rnd = new SplittableRandom(seed ^ 0x9A4C71CEL);
        var out = new ArrayList<LabelledPrompt>(n);
        Set<String> seen = new HashSet<>();
        if (g.templates().get("arithmetic").train().size() % 3 != 0) // the operation is the template's index mod 3 in the joined list too
            throw new IllegalStateException("the lexicon's train arithmetic templates are not in threes (addition, multiplication, subtraction)");
        for (int k = 0; k < n; k++) {
            String kind = k % 2 == 0 ? "arithmetic" : "reasoning";
            var t = g.templates().get(kind);
            out.add(generalPrompt(kind, TRAIN, t.all().toList(), LabelledPrompt.GENERAL + "/" + kind + "/practice/", g.names().train(),
                    dressing, false, "practice-general-" + kind + "-" + String.format("%04d", k), rnd, seen));
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        var out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    private String dress(String core, String split, SplittableRandom rnd) {
        return dress(core, dressing(split), rnd);
    }

    private static String dress(String core, Dressing d, SplittableRandom rnd) {
        return d.openers().get(rnd.nextInt(d.openers().size())) + core + d.closers().get(rnd.nextInt(d.closers().size()));
    }
}
