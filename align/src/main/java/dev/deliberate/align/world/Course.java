package dev.deliberate.align.world;

/**
 * The path a chain of thought takes, for process-level preference data (SaRO's PP-COT): sound steps up to
 * {@code driftAt}, then drifting steps toward the wrong answer, and, if {@code reflectAt >= driftAt}, a safety
 * reflection at step {@code reflectAt} that cites the rule and returns to the right answer. -1 means never.
 * Chains with the same seed and {@code driftAt} share their first {@code driftAt} steps exactly.
 */
public record Course(int driftAt, int reflectAt) {
    public static final Course SOUND = new Course(-1, -1);

    public Course {
        if (driftAt < -1 || driftAt == 0) throw new IllegalArgumentException("driftAt must be -1 (never) or >= 1, got " + driftAt);
        if (reflectAt != -1 && (driftAt < 0 || reflectAt < driftAt))
            throw new IllegalArgumentException("reflectAt must be -1 or >= driftAt (" + driftAt + "), got " + reflectAt);
    }

    /** Sound for {@code step} steps, then drifts to the end. */
    public static Course drift(int step) {
        return new Course(step, -1);
    }

    /** Drifts at {@code step} and catches itself at {@code reflect} ({@code reflect == step}: immediately). */
    public static Course reflect(int step, int reflect) {
        return new Course(step, reflect);
    }

    public boolean drifts() {
        return driftAt >= 1;
    }

    /** Ends on the wrong answer: drifts and never reflects. */
    public boolean endsUnsafe() {
        return drifts() && reflectAt < 0;
    }
}
