package dev.deliberate.engine.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16 as a {@code short}: the upper half of an fp32's bits (sign, 8 exponent bits, 7 mantissa bits). Widening is
 * exact (a shift); narrowing rounds to nearest, ties to even, as torch's {@code .to(torch.bfloat16)}, and keeps a NaN a
 * NaN (quiet, sign and the top payload bits kept) where plain rounding could carry it into an infinity.
 */
public final class Bf16 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** As many shorts as {@link #F} has floats: one load widens into one float vector. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * Short.SIZE));
    private static final int VL = F.length();

    private Bf16() {}

    /** fp32 → bf16, round to nearest even; NaN stays NaN (quiet bit set). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** bf16 → fp32, exact. */
    public static float toFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** {@code f} rounded to the nearest bf16 value, as an fp32 ({@code toFloat(fromFloat(f))}). */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }

    /** {@code dst[dstOff + i] = fromFloat(src[srcOff + i])} for i &lt; n. */
    public static void narrow(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        int i = 0;
        if (VL >= 4) {
            for (; i <= n - VL; i += VL) {
                FloatVector f = FloatVector.fromArray(F, src, srcOff + i);
                IntVector bits = f.reinterpretAsInts();
                IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
                IntVector rounded = bits.add(high.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
                VectorMask<Integer> nan = f.test(VectorOperators.IS_NAN).cast(I);
                IntVector out = rounded.blend(high.or(0x40), nan);
                ((ShortVector) out.convertShape(VectorOperators.I2S, S, 0)).intoArray(dst, dstOff + i);
            }
        }
        for (; i < n; i++) dst[dstOff + i] = fromFloat(src[srcOff + i]);
    }

    /** {@code dst[dstOff + i] = toFloat(src[srcOff + i])} for i &lt; n. */
    public static void widen(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        if (VL >= 4) {
            for (; i <= n - VL; i += VL) widen(src, srcOff + i).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = toFloat(src[srcOff + i]);
    }

    /** {@link FloatVector#SPECIES_PREFERRED}'s lane count of bf16 values from {@code src[off..]}, widened. */
    public static FloatVector widen(short[] src, int off) {
        return ((IntVector) ShortVector.fromArray(S, src, off).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** A new bf16 array holding {@code src} rounded. */
    public static short[] narrow(float[] src) {
        short[] out = new short[src.length];
        narrow(src, 0, out, 0, src.length);
        return out;
    }
}
