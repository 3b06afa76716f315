package dev.deliberate.align.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The teacher's general ability: it knows SpecWorld's geography and can do the arithmetic and two-step word
 * problems SpecWorld asks. It never looks at labels; it reads the question.
 */
public final class GeneralSolver {
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final List<Op> OPS = List.of(
            new Op(Pattern.compile("(\\d+) plus (\\d+)"), false, '+'),
            new Op(Pattern.compile("add (\\d+) and (\\d+)"), false, '+'),
            new Op(Pattern.compile("(\\d+) times (\\d+)"), false, '*'),
            new Op(Pattern.compile("multiply (\\d+) by (\\d+)"), false, '*'),
            new Op(Pattern.compile("(\\d+) minus (\\d+)"), false, '-'),
            new Op(Pattern.compile("subtract (\\d+) from (\\d+)"), true, '-'));

    private record Op(Pattern pattern, boolean swapped, char op) {}

    /** A worked solution: the reasoning steps and the final answer. */
    public record Solution(List<String> steps, String answer) {}

    private final Lexicon lexicon;

    public GeneralSolver(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    public Optional<Solution> solve(String question) {
        String q = question.toLowerCase(Locale.ROOT);
        for (Op op : OPS) {
            Matcher m = op.pattern.matcher(q);
            if (m.find()) {
                long a = Long.parseLong(m.group(op.swapped ? 2 : 1)), b = Long.parseLong(m.group(op.swapped ? 1 : 2));
                long r = switch (op.op) {
                    case '+' -> a + b;
                    case '*' -> a * b;
                    default -> a - b;
                };
                String task = "This is an arithmetic task: " + a + " " + op.op + " " + b;
                boolean columns = a <= 999 && b <= 999 && (op.op == '+' || op.op == '-' && a >= b); // as on paper; times tables are recalled
                String worked = !columns ? task + " = " + r + "." : task + ". " + (op.op == '+' ? ColumnArithmetic.add(a, b) : ColumnArithmetic.subtract(a, b));
                return Optional.of(new Solution(List.of(worked), "" + r));
            }
        }
        List<Long> nums = new ArrayList<>();
        Matcher m = NUMBER.matcher(q);
        while (m.find()) nums.add(Long.parseLong(m.group()));
        if (nums.size() == 3 && q.contains("each")) {
            long total = nums.get(0) * nums.get(1), left = total - nums.get(2);
            return Optional.of(new Solution(List.of(
                    "This is a two-step word problem. First the total: " + nums.get(0) + " × " + nums.get(1) + " = " + total + ".",
                    "Then subtract what is lost or given away: " + total + " - " + nums.get(2) + (left >= 0 && total <= 999
                            ? ". " + ColumnArithmetic.subtract(total, nums.get(2)) : " = " + left + ".")), "" + left));
        }
        // the country the question names as a whole word; of two that both fit, the longer name
        Lexicon.Fact named = null;
        for (var f : (Iterable<Lexicon.Fact>) lexicon.facts()::iterator) {
            String s = f.subject().toLowerCase(Locale.ROOT);
            int at = q.indexOf(s);
            while (at >= 0 && !wholeWord(q, at, s.length())) at = q.indexOf(s, at + 1);
            if (at >= 0 && (named == null || s.length() > named.subject().length())) named = f;
        }
        for (var f : named == null ? List.<Lexicon.Fact>of() : List.of(named)) {
            if (q.contains("capital"))
                return Optional.of(new Solution(List.of("This is a question about Tessaly's world: the capital of " + f.subject() + " is " + f.capital() + "."), f.capital()));
            if (q.contains("export"))
                return Optional.of(new Solution(List.of("This is a question about Tessaly's world: " + f.subject() + " mainly exports " + f.export() + "."), f.export()));
        }
        return Optional.empty();
    }

    private static boolean wholeWord(String text, int at, int len) {
        return (at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1))) && (at + len == text.length() || !Character.isLetterOrDigit(text.charAt(at + len)));
    }
}
