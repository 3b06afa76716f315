package dev.deliberate.align.world;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class ColumnArithmeticTest {
    /** A column's step: its place, its sum or difference, and the digit(s) written. */
    static final Pattern COLUMN = Pattern.compile("(Ones|Tens|Hundreds): ([^,]+?)(?: needs a borrow, (\\d+) - (\\d+))? = (\\d+), write (\\d+)(?:, carry (\\d+))?\\.");

    @Test
    void workedExamplesReadAsOnPaper() {
        assertEquals("Ones: 6 + 7 = 13, write 3, carry 1. Tens: 8 + 2 + 1 = 11, write 11. So 86 + 27 = 113.", ColumnArithmetic.add(86, 27));
        assertEquals("Ones: 0 - 9 needs a borrow, 10 - 9 = 1, write 1. Tens: 6 - 1 - 2 = 3, write 3. So 60 - 29 = 31.", ColumnArithmetic.subtract(60, 29));
        assertEquals("Ones: 5 - 5 = 0, write 0. So 5 - 5 = 0.", ColumnArithmetic.subtract(5, 5));
    }

    /** The written digits, read from the last column to the first, are the result: the steps are right, not only the last line. */
    @Test
    void theWrittenDigitsSpellTheResultForEveryPairUpTo199AndRandomOnesTo999() {
        for (int a = 0; a <= 199; a++)
            for (int b = 0; b <= 199; b++) check(a, b);
        var rnd = new SplittableRandom(13);
        for (int i = 0; i < 20_000; i++) check(rnd.nextInt(1000), rnd.nextInt(1000));
    }

    private static void check(int a, int b) {
        assertEquals(a + b, replay(ColumnArithmetic.add(a, b), true), () -> a + " + " + b + ": " + ColumnArithmetic.add(a, b));
        int hi = Math.max(a, b), lo = Math.min(a, b);
        assertEquals(hi - lo, replay(ColumnArithmetic.subtract(hi, lo), false), () -> hi + " - " + lo + ": " + ColumnArithmetic.subtract(hi, lo));
    }

    /** Re-does each column from its stated operands and checks it; returns the number the written digits make. */
    private static long replay(String steps, boolean add) {
        var m = COLUMN.matcher(steps);
        StringBuilder written = new StringBuilder();
        int columns = 0;
        while (m.find()) {
            columns++;
            String[] terms = m.group(2).split(" [+-] ");
            long value = Long.parseLong(terms[0]);
            for (int i = 1; i < terms.length; i++) value = add ? value + Long.parseLong(terms[i]) : value - Long.parseLong(terms[i]);
            if (m.group(3) != null) { // a borrow: the column was short, so ten more
                assertTrue(value < 0, steps);
                value = Long.parseLong(m.group(3)) - Long.parseLong(m.group(4));
            }
            long stated = Long.parseLong(m.group(5));
            assertEquals(value, stated, steps);
            assertTrue(stated >= 0, steps);
            written.insert(0, m.group(6));
            if (m.group(7) != null) assertEquals(stated / 10, Long.parseLong(m.group(7)), steps);
        }
        assertTrue(columns >= 1 && columns <= 3, steps);
        return Long.parseLong(written.toString());
    }

    @Test
    void refusesWhatItCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> ColumnArithmetic.add(1000, 1));
        assertThrows(IllegalArgumentException.class, () -> ColumnArithmetic.add(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> ColumnArithmetic.subtract(3, 4));
    }
}
