package dev.deliberate.engine.backend.cpu;

/** Prints what {@link GemmKernel} sees in this JVM: {@code stripMining=<bool> shape=<name>} ({@link GemmKernelChoiceTest}). */
public final class KernelShapeProbe {
    private KernelShapeProbe() {}

    public static void main(String[] args) {
        System.out.println("stripMining=" + GemmKernel.loopStripMining() + " shape=" + GemmKernel.DEFAULT.name());
    }
}
