package dev.deliberate.align.world;

import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LookalikeType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * SpecWorld's prompt grammar: every composition of slot fillers for one category × intent (harmful: request verb ×
 * object phrase × purpose × framing; educational: verb × subject × purpose; look-alike: question × framing), each
 * assigned to exactly one split. Train and test therefore draw new combinations of the same fillers: a test prompt is
 * unseen but of the training distribution. The assignment depends only on the grammar, not on the world's seed.
 */
public final class PromptGrammar {
    /** One composition: its id (the prompt's template id), its text with a {@code {topic}} slot, its look-alike type. */
    public record Composition(String id, String text, LookalikeType type) {}

    private PromptGrammar() {}

    /** Every composition, in grammar order. */
    public static List<Composition> all(Lexicon lex, String category, Intent intent) {
        var words = lex.categories().get(category);
        if (words == null) throw new IllegalArgumentException("the lexicon has no category " + category);
        var g = lex.grammar();
        String base = category + "/" + intent.wire() + "/";
        var out = new ArrayList<Composition>();
        switch (intent) {
            case HARMFUL_OPERATIONAL -> {
                var h = words.harmful();
                List<String> verbs = h.verbs() != null ? h.verbs() : g.harmful().verbs();
                for (int v = 0; v < verbs.size(); v++)
                    for (int a = 0; a < h.acts().size(); a++)
                        for (int p = 0; p < h.purposes().size(); p++)
                            for (int f = 0; f < g.harmful().framings().size(); f++)
                                out.add(new Composition(base + "v" + v + ".a" + a + ".p" + p + ".f" + f,
                                        verbs.get(v) + " " + h.acts().get(a) + h.purposes().get(p) + "." + g.harmful().framings().get(f), null));
            }
            case EDUCATIONAL -> {
                var e = g.educational();
                for (int v = 0; v < e.verbs().size(); v++)
                    for (int s = 0; s < words.educational().size(); s++)
                        for (int p = 0; p < e.purposes().size(); p++)
                            out.add(new Composition(base + "v" + v + ".s" + s + ".p" + p,
                                    e.verbs().get(v) + " " + words.educational().get(s) + e.purposes().get(p) + ".", null));
            }
            case BENIGN_LOOKALIKE -> {
                var framings = g.lookalike().framings();
                for (int q = 0; q < words.lookalike().size(); q++) {
                    String item = words.lookalike().get(q);
                    int colon = item.indexOf(": ");
                    if (colon < 0) throw new IllegalArgumentException("look-alike item of " + category + " has no 'type: ' prefix: " + item);
                    LookalikeType type = LookalikeType.fromWire(item.substring(0, colon));
                    for (int f = 0; f < framings.size(); f++)
                        out.add(new Composition(base + "q" + q + ".f" + f, item.substring(colon + 2) + framings.get(f), type));
                }
            }
            case GENERAL -> throw new IllegalArgumentException("general tasks have their own templates");
        }
        for (var c : out)
            if (!c.text().contains("{topic}")) throw new IllegalArgumentException("composition " + c.id() + " has no {topic} slot: " + c.text());
        return out;
    }

    /**
     * The compositions of one split: a fixed hash order puts the first {@code round(n × testFraction)} (at least one, and
     * at least one left for train) into test.
     */
    public static List<Composition> of(Lexicon lex, String category, Intent intent, String split, double testFraction) {
        var all = all(lex, category, intent);
        if (all.size() < 2) throw new IllegalArgumentException(category + "/" + intent.wire() + " has fewer than two compositions");
        var order = new ArrayList<>(all);
        order.sort(Comparator.comparingLong((Composition c) -> mix(c.id().hashCode())).thenComparing(Composition::id));
        int nTest = Math.min(all.size() - 1, Math.max(1, (int) Math.round(all.size() * testFraction)));
        var test = order.subList(0, nTest);
        var chosen = switch (split) {
            case SpecWorld.TEST -> test;
            case SpecWorld.TRAIN -> order.subList(nTest, order.size());
            default -> throw new IllegalArgumentException("unknown split '" + split + "' (train or test)");
        };
        var ids = chosen.stream().map(Composition::id).collect(java.util.stream.Collectors.toSet());
        return all.stream().filter(c -> ids.contains(c.id())).toList(); // grammar order, so generation does not depend on the hash
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
