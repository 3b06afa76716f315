package dev.deliberate.align.eval.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Shares of yes/no outcomes with prompt-resampled intervals: over-refusal on benign prompts, style adherence
 * (hard-refusal style, safe-completion style), general-task accuracy and its change after safety training.
 */
public final class Rates {

    private Rates() {}

    /**
     * One yes/no outcome.
     *
     * @param unit  the prompt or item it belongs to (samples of one unit are resampled together)
     * @param group what it is reported under (a style, a prompt type); "" if ungrouped
     * @param yes   refused / adhered / correct
     */
    public record Flag(String unit, String group, boolean yes) {
        public Flag {
            Objects.requireNonNull(unit, "unit");
            group = group == null ? "" : group;
        }

        public static Flag of(String unit, boolean yes) {
            return new Flag(unit, "", yes);
        }
    }

    /** The share of {@code yes} over all flags. */
    public static Estimate rate(List<Flag> flags, Bootstrap bootstrap) {
        return bootstrap.clusteredMean(flags, Flag::unit, f -> f.yes() ? 1 : 0);
    }

    /** {@link #rate} per group, groups sorted by name. */
    public static Map<String, Estimate> rateByGroup(List<Flag> flags, Bootstrap bootstrap) {
        var out = new TreeMap<String, Estimate>();
        for (String g : flags.stream().map(Flag::group).distinct().toList()) {
            out.put(g, rate(flags.stream().filter(f -> f.group().equals(g)).toList(), bootstrap));
        }
        return out;
    }

    /** Over-refusal: the share of benign prompts (look-alikes, XSTest safe) whose output refuses; yes = refused. */
    public static Estimate overRefusal(List<Flag> refusedOnBenign, Bootstrap bootstrap) {
        return rate(refusedOnBenign, bootstrap);
    }

    /** Style adherence per expected style (group = the style, e.g. {@code refuse}, {@code safe-complete}); yes = adhered. */
    public static Map<String, Estimate> styleAdherence(List<Flag> adhered, Bootstrap bootstrap) {
        return rateByGroup(adhered, bootstrap);
    }

    /** General-task accuracy; yes = correct. */
    public static Estimate accuracy(List<Flag> graded, Bootstrap bootstrap) {
        return rate(graded, bootstrap);
    }

    /**
     * accuracy(after) − accuracy(before) on the items both graded, with a paired interval: each resample draws items
     * and takes both models' outcomes on them.
     */
    public static Estimate accuracyChange(List<Flag> before, List<Flag> after, Bootstrap bootstrap) {
        Map<String, double[]> b = sums(before), a = sums(after);
        var common = new HashSet<>(b.keySet());
        common.retainAll(a.keySet());
        List<String> units = before.stream().map(Flag::unit).distinct().filter(common::contains).toList();
        return bootstrap.estimate(units, us -> {
            double sb = 0, nb = 0, sa = 0, na = 0;
            for (String u : us) {
                sb += b.get(u)[0];
                nb += b.get(u)[1];
                sa += a.get(u)[0];
                na += a.get(u)[1];
            }
            return sa / na - sb / nb;
        });
    }

    private static Map<String, double[]> sums(List<Flag> flags) {
        var m = new HashMap<String, double[]>();
        for (Flag f : flags) {
            double[] s = m.computeIfAbsent(f.unit(), k -> new double[2]);
            s[0] += f.yes() ? 1 : 0;
            s[1]++;
        }
        return m;
    }
}
