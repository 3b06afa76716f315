package dev.deliberate.align.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Screenshots a page in headless Chromium (Debian package {@code chromium}); tests skip when it is not installed. */
final class HeadlessChromium {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private HeadlessChromium() {}

    static void assumeInstalled() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed; apt-get install -y chromium");
    }

    /** Renders {@code page} into {@code png} at the given window size; fails with chromium's log if no valid PNG appears. */
    static byte[] screenshot(Path page, Path png, Path scratch, int width, int height) throws Exception {
        Files.deleteIfExists(png);
        // the flags that keep Chromium off the (closed) network: see the machine notes
        var cmd = List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--user-data-dir=" + scratch.resolve("profile"), "--window-size=" + width + "," + height,
                "--screenshot=" + png.toAbsolutePath(), page.toAbsolutePath().toUri().toString());
        Path log = scratch.resolve("chromium.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 90 s; log: " + Files.readString(log));
        }
        assertTrue(Files.isRegularFile(png), "no screenshot; chromium said: " + Files.readString(log));
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
        return bytes;
    }
}
