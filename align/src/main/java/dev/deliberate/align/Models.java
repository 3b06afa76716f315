package dev.deliberate.align;

import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.LocalModelLoader;
import dev.deliberate.align.world.ScriptedTeacher;

/**
 * Registers the model providers that live in this module with {@link ChatModels}, so that one reference string
 * reaches them from every command: {@code world:teacher[?knobs]} (SpecWorld's scripted teacher) and checkpoint
 * directories (the local engine, {@link LocalModelLoader}). Model access itself
 * knows none of them; the command line calls {@link #installDefaults()} once at start-up.
 */
public final class Models {
    private static boolean installed;

    private Models() {}

    public static synchronized void installDefaults() {
        if (installed) return;
        ChatModels.register("world", (name, options) -> {
            String ref = "world:" + name;
            if (name.equals("teacher") || name.startsWith("teacher?")) return ScriptedTeacher.fromRef(ref);
            throw new IllegalArgumentException("model reference '" + ref + "': SpecWorld serves 'world:teacher[?error=…&verbosity=…&drift=…]'"
                    + " as a chat model ('world:judge' is a judge: pass it where a --judge is asked for)");
        });
        ChatModels.registerLocal(new LocalModelLoader());
        installed = true;
    }
}
