package dev.deliberate.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import dev.deliberate.engine.ForkedJvm;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The micro-kernel shape follows the JVM it runs in: with 16 vector registers, 6×2 where C2 strip-mines loops and
 * 4×2 where it does not (Parallel and Serial GC without the launchers' flags), since there 6×2 spills. Each case runs
 * in a JVM of its own with the AVX2 code ({@code -XX:UseAVX=2}), so it holds on AVX-512 machines too.
 */
class GemmKernelChoiceTest {

    private static String probe(String... flags) throws Exception {
        String arch = System.getProperty("os.arch");
        org.junit.jupiter.api.Assumptions.assumeTrue(arch.equals("amd64") || arch.equals("x86_64"),
                "-XX:UseAVX is an x86 flag; this is " + arch);
        var flagsAndModule = new ArrayList<String>();
        flagsAndModule.add("--add-modules=jdk.incubator.vector");
        flagsAndModule.addAll(List.of(flags));
        var run = ForkedJvm.run(KernelShapeProbe.class, flagsAndModule, 60);
        String out = run.output();
        assertEquals(0, run.exitCode(), out);
        var line = out.lines().filter(l -> l.startsWith("stripMining=")).findFirst();
        assertTrue(line.isPresent(), out);
        return line.get();
    }

    @Test
    void g1StripMinesAndKeeps6x2() throws Exception {
        assertEquals("stripMining=true shape=6x2", probe("-XX:UseAVX=2", "-XX:+UseG1GC"));
    }

    @Test
    void parallelGcWithoutTheFlagsGets4x2() throws Exception {
        assertEquals("stripMining=false shape=4x2", probe("-XX:UseAVX=2", "-XX:+UseParallelGC"));
        assertEquals("stripMining=false shape=4x2", probe("-XX:UseAVX=2", "-XX:+UseSerialGC"));
    }

    @Test
    void theLaunchersFlagsBring6x2Back() throws Exception {
        assertEquals("stripMining=true shape=6x2", probe("-XX:UseAVX=2", "-XX:+UseParallelGC",
                "-XX:+UseCountedLoopSafepoints", "-XX:LoopStripMiningIter=1000"));
    }

    @Test
    void aForcedShapeWins() throws Exception {
        assertEquals("stripMining=false shape=6x2", probe("-XX:UseAVX=2", "-XX:+UseParallelGC", "-Ddeliberate.gemm.kernel=6x2"));
    }
}
