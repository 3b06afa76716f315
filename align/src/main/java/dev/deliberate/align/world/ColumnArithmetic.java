package dev.deliberate.align.world;

import java.util.ArrayList;
import java.util.List;

/**
 * Addition and subtraction worked as on paper: one column at a time from the ones, the carry or the borrow written
 * out. The scripted teacher shows these steps, so a small student learns the sums and differences of two digits and
 * one rule (about two hundred facts) instead of every whole sum (thousands of pairs of two-digit numbers, which no
 * corpus of this size teaches) — and a question on numbers it never saw is answerable.
 */
public final class ColumnArithmetic {
    private static final List<String> PLACES = List.of("Ones", "Tens", "Hundreds");

    private ColumnArithmetic() {}

    /** The steps of a + b (0 ≤ a, b ≤ 999): one sentence a column, the last column written whole, then {@code So a + b = s.} */
    public static String add(long a, long b) {
        check(a, b);
        String da = reversedDigits(a), db = reversedDigits(b);
        int n = Math.max(da.length(), db.length());
        var steps = new ArrayList<String>();
        long carry = 0;
        for (int i = 0; i < n; i++) {
            int x = digit(da, i), y = digit(db, i);
            long s = x + y + carry;
            String sum = PLACES.get(i) + ": " + x + " + " + y + (carry > 0 ? " + " + carry : "") + " = " + s;
            if (i == n - 1) steps.add(sum + ", write " + s + ".");
            else steps.add(sum + ", write " + s % 10 + (s >= 10 ? ", carry " + s / 10 + "." : "."));
            carry = s / 10;
        }
        steps.add("So " + a + " + " + b + " = " + (a + b) + ".");
        return String.join(" ", steps);
    }

    /** The steps of a − b (0 ≤ b ≤ a ≤ 999): one sentence a column of a, then {@code So a - b = d.} */
    public static String subtract(long a, long b) {
        check(a, b);
        if (b > a) throw new IllegalArgumentException("column subtraction needs a >= b, got " + a + " - " + b);
        String da = reversedDigits(a), db = reversedDigits(b);
        var steps = new ArrayList<String>();
        int borrow = 0;
        for (int i = 0; i < da.length(); i++) {
            int x = digit(da, i), y = digit(db, i), top = x - borrow;
            String from = PLACES.get(i) + ": " + (borrow > 0 ? x + " - " + borrow : "" + x) + " - " + y;
            if (top < y) { // borrow ten from the next column
                steps.add(from + " needs a borrow, " + (top + 10) + " - " + y + " = " + (top + 10 - y) + ", write " + (top + 10 - y) + ".");
                borrow = 1;
            } else {
                steps.add(from + " = " + (top - y) + ", write " + (top - y) + ".");
                borrow = 0;
            }
        }
        steps.add("So " + a + " - " + b + " = " + (a - b) + ".");
        return String.join(" ", steps);
    }

    private static void check(long a, long b) {
        if (a < 0 || b < 0 || a > 999 || b > 999)
            throw new IllegalArgumentException("column arithmetic takes numbers from 0 to 999, got " + a + " and " + b);
    }

    private static String reversedDigits(long x) {
        return new StringBuilder(Long.toString(x)).reverse().toString();
    }

    private static int digit(String reversed, int i) {
        return i < reversed.length() ? reversed.charAt(i) - '0' : 0;
    }
}
