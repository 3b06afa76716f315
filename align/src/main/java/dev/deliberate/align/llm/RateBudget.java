package dev.deliberate.align.llm;

/**
 * A per-minute budget as API rate limits state them (requests/minute, tokens/minute): a token bucket holding at most
 * one minute's allowance, refilled continuously at {@code perMinute / 60} per second. Not thread-safe: the pool
 * calls it under its own lock. A budget of 0 is unlimited.
 */
final class RateBudget {
    private final double perMinute;
    private double available;
    private long lastNanos;

    RateBudget(double perMinute, long nowNanos) {
        this.perMinute = perMinute;
        this.available = perMinute;
        this.lastNanos = nowNanos;
    }

    boolean unlimited() {
        return perMinute <= 0;
    }

    double perMinute() {
        return perMinute;
    }

    private void refill(long now) {
        if (now > lastNanos) {
            available = Math.min(perMinute, available + (now - lastNanos) * perMinute / 60e9);
            lastNanos = now;
        }
    }

    /** Whether {@code amount} is available now. */
    boolean has(double amount, long now) {
        if (unlimited()) return true;
        refill(now);
        return available >= amount;
    }

    /** Spends {@code amount} (may go negative after a correction, which later calls then wait out). */
    void take(double amount, long now) {
        if (unlimited()) return;
        refill(now);
        available -= amount;
    }

    /** Gives back what was spent beyond the real cost once it is known. */
    void refund(double amount, long now) {
        if (unlimited()) return;
        refill(now);
        available = Math.min(perMinute, available + amount);
    }

    /** Nanoseconds until {@code amount} is available (0 if it is now). */
    long nanosUntil(double amount, long now) {
        if (unlimited()) return 0;
        refill(now);
        if (available >= amount) return 0;
        return (long) Math.ceil((amount - available) * 60e9 / perMinute);
    }
}
