package dev.deliberate.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test-side main class in a JVM of its own, on this JVM's class path: for checks of what the JIT makes of the
 * kernels, which inside the suite's JVM depends on the tests that ran before.
 */
public final class ForkedJvm {
    private ForkedJvm() {}

    /** What the JVM printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {}

    public static Result run(Class<?> main, List<String> jvmFlags, int timeoutSeconds) throws IOException, InterruptedException {
        var cmd = new ArrayList<String>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Path log = Files.createTempFile("forked-jvm", ".log");
        try {
            var process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) process.destroyForcibly().waitFor();
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (!done) throw new IllegalStateException(main.getName() + " did not finish in " + timeoutSeconds + " s:\n" + out);
            return new Result(process.exitValue(), out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
