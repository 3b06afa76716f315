package dev.deliberate.align.llm;

import java.nio.file.Path;

/** A second process for {@link ResponseCacheTest}: writes samples 0 of keys k0..k{count-1}, each answer naming the writer. */
public final class CacheWriterMain {
    public static void main(String[] args) {
        try (var cache = ResponseCache.open(Path.of(args[0]))) {
            int count = Integer.parseInt(args[2]);
            for (int k = 0; k < count; k++) {
                var stored = cache.putIfAbsent("k" + k, 0, "test", new Completion("", args[1], "stop", null));
                System.out.println("k" + k + "=" + stored.answer());
            }
        }
    }
}
