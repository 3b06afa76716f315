package dev.deliberate.engine.backend;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class Bf16Test {
    private static short bf16(float f) {
        return Bf16.fromFloat(f);
    }

    private static short bits(int fp32Bits) {
        return Bf16.fromFloat(Float.intBitsToFloat(fp32Bits));
    }

    /** The slow twin: of the two bf16 values around a finite f, the nearer in exact arithmetic, ties to the even one. */
    private static short nearest(float f) {
        int b = Float.floatToRawIntBits(f);
        short lo = (short) (b >>> 16); // truncation: towards zero in magnitude
        short hi = (short) (lo + 1);
        double dl = Math.abs((double) f - Bf16.toFloat(lo));
        double toHi = Bf16.toFloat(hi);
        if (Double.isInfinite(toHi)) { // above the largest finite bf16: round as if the next step existed
            double step = Math.abs((double) Bf16.toFloat(lo) - Bf16.toFloat((short) (lo - 1)));
            toHi = Math.signum(f) * (Math.abs((double) Bf16.toFloat(lo)) + step);
        }
        double dh = Math.abs((double) f - toHi);
        if (dl < dh) return lo;
        if (dh < dl) return hi;
        return (lo & 1) == 0 ? lo : hi;
    }

    @Test
    void knownBitPatterns() {
        assertEquals((short) 0x3F80, bf16(1f));
        assertEquals((short) 0xBF80, bf16(-1f));
        assertEquals((short) 0x4049, bf16((float) Math.PI)); // 0x40490FDB: the dropped half is below a half-step
        assertEquals((short) 0x0000, bf16(0f));
        assertEquals((short) 0x8000, bf16(-0f));
        assertEquals((short) 0x3F81, bits(0x3F808001)); // just above the half: up
        assertEquals((short) 0x3F80, bits(0x3F807FFF)); // just below: down
        assertEquals(1f / 3, Bf16.toFloat((short) 0x3EAB), 1e-3f);
        assertEquals((short) 0x3EAB, bf16(1f / 3)); // 0x3EAAAAAB rounds up
    }

    @Test
    void tiesGoToEven() {
        assertEquals((short) 0x3F80, bits(0x3F808000)); // 1 + 2⁻⁸: between 0x3F80 (even) and 0x3F81
        assertEquals((short) 0x3F82, bits(0x3F818000)); // between 0x3F81 and 0x3F82 (even)
        assertEquals((short) 0xBF80, bits(0xBF808000)); // the same for negatives
        assertEquals((short) 0xBF82, bits(0xBF818000));
        assertEquals((short) 0x0000, bits(0x00008000)); // subnormals too
        assertEquals((short) 0x0002, bits(0x00018000));
    }

    @Test
    void infinitiesAndNaNs() {
        assertEquals((short) 0x7F80, bf16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0xFF80, bf16(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x7F80, bf16(Float.MAX_VALUE)); // beyond bf16's largest finite value: rounds to infinity, as torch
        assertEquals((short) 0x7F7F, bits(0x7F7F7FFF)); // the largest finite bf16 stays
        for (int nan : new int[] {0x7FC00000, 0x7F800001, 0x7FFFFFFF, 0xFFFFFFFF, 0xFF800001, 0x7FBFFFFF}) {
            short h = bits(nan);
            assertTrue(Float.isNaN(Bf16.toFloat(h)), () -> Integer.toHexString(nan) + " → " + Integer.toHexString(h & 0xffff) + " is not NaN");
            assertEquals(nan >>> 31, (h >>> 15) & 1, () -> Integer.toHexString(nan) + ": the sign is kept");
        }
        assertEquals((short) 0x7FC0, bf16(Float.NaN));
        assertTrue(Float.isInfinite(Bf16.toFloat((short) 0x7F80)));
    }

    @Test
    void everyBf16ValueRoundTripsExactly() {
        for (int i = 0; i < 1 << 16; i++) {
            short h = (short) i;
            float f = Bf16.toFloat(h);
            assertEquals(i << 16, Float.floatToRawIntBits(f), "widening is a shift");
            if (Float.isNaN(f)) assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(f))));
            else assertEquals(h, Bf16.fromFloat(f), "0x" + Integer.toHexString(i) + " must round-trip");
        }
    }

    @Test
    void roundsToTheNearestValueOnRandomFloats() {
        var rnd = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) continue;
            short want = nearest(f);
            assertEquals(want, bf16(f), () -> f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
            assertEquals(Bf16.toFloat(want), Bf16.round(f));
        }
    }

    @Test
    void bulkConversionsMatchTheScalarOnesAtEveryOffsetAndLength() {
        var rnd = new Random(8);
        int[] specials = {0x7FC00000, 0x7F800001, 0xFFFFFFFF, 0x7F800000, 0xFF800000, 0x3F808000, 0x3F818000, 0x80000000, 0x7F7FFFFF};
        for (int len : new int[] {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 1000}) {
            for (int off = 0; off < 3; off++) {
                float[] src = new float[off + len + 2];
                for (int i = 0; i < src.length; i++)
                    src[i] = rnd.nextInt(4) == 0 ? Float.intBitsToFloat(specials[rnd.nextInt(specials.length)])
                            : rnd.nextBoolean() ? Float.intBitsToFloat(rnd.nextInt()) : (float) rnd.nextGaussian();
                short[] h = new short[len + 4];
                java.util.Arrays.fill(h, (short) 0x1234);
                Bf16.narrow(src, off, h, 1, len);
                assertEquals((short) 0x1234, h[0]);
                for (int i = 0; i < len; i++) {
                    int ii = i;
                    assertEquals(Bf16.fromFloat(src[off + i]), h[1 + i], () -> "narrow len " + len + " at " + ii);
                }
                for (int i = len + 1; i < h.length; i++) assertEquals((short) 0x1234, h[i], "narrow wrote past its end");
                float[] back = new float[len + 3];
                java.util.Arrays.fill(back, -7f);
                Bf16.widen(h, 1, back, 2, len);
                for (int i = 0; i < len; i++)
                    assertEquals(Float.floatToRawIntBits(Bf16.toFloat(h[1 + i])), Float.floatToRawIntBits(back[2 + i]), "widen len " + len);
                assertEquals(-7f, back[0]);
                assertEquals(-7f, back[1]);
                if (len > 0) assertEquals(-7f, back[len + 2], "widen wrote past its end");
            }
        }
    }
}
