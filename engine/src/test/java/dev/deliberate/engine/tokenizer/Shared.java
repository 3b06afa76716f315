package dev.deliberate.engine.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's {@code testdata/} folder the tests read (Surefire sets {@code deliberate.testdata}); fails clearly if missing. */
final class Shared {
    private Shared() {}

    private static HfTokenizer qwen3Tokenizer;

    /** The Qwen3 tokenizer, loaded once for all test classes (11 MB of JSON); freed when the test JVM exits. */
    static synchronized HfTokenizer qwen3Tokenizer() {
        if (qwen3Tokenizer == null) qwen3Tokenizer = HfTokenizer.load(qwen3());
        return qwen3Tokenizer;
    }

    static Path qwen3() {
        String root = System.getProperty("deliberate.testdata");
        if (root == null) throw new AssertionError("system property deliberate.testdata is not set (Surefire sets it to <repo>/testdata)");
        Path dir = Path.of(root, "tokenizers", "qwen3");
        if (!Files.isRegularFile(dir.resolve("tokenizer.json")))
            throw new AssertionError("the Qwen3 tokenizer is missing: expected " + dir.resolve("tokenizer.json"));
        return dir;
    }
}
