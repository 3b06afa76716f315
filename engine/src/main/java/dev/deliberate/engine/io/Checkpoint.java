package dev.deliberate.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Hugging Face checkpoint folders: {@code config.json}, {@code model.safetensors} or shards listed in
 * {@code model.safetensors.index.json}, {@code generation_config.json}, and tokenizer files passed through untouched.
 */
public final class Checkpoint {
    private Checkpoint() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String INDEX = "model.safetensors.index.json";
    static final String SINGLE = "model.safetensors";
    /** Files a tokenizer brings along; copied verbatim when saving from a source folder. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json",
            "chat_template.jinja", "chat_template.json");
    /** Default shard size above which weights are split, like transformers' {@code max_shard_size}. */
    public static final long DEFAULT_SHARD_BYTES = 2L << 30;

    /** Loads config and weights from a checkpoint folder (weights widened to fp32). */
    public static Transformer load(Path dir, Backend backend) throws IOException {
        return load(dir, backend, false);
    }

    /**
     * Like {@link #load(Path, Backend)}; with {@code checkFinite} a tensor holding NaN or an infinity is an error naming
     * the first such tensor and index (a model trained from it would give silent garbage).
     */
    public static Transformer load(Path dir, Backend backend, boolean checkFinite) throws IOException {
        Path cfgFile = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile)) throw new IOException(dir + ": no config.json; not a Hugging Face checkpoint folder");
        ModelConfig cfg = ModelConfig.read(cfgFile);
        var model = new Transformer(cfg, backend);
        Map<String, Path> where = weightMap(dir);
        var readers = new LinkedHashMap<Path, Safetensors.Reader>();
        try {
            for (Parameter p : model.parameters().values()) {
                Path file = where.get(p.name());
                if (file == null)
                    throw new IOException(dir + ": tensor '" + p.name() + "' " + Arrays.toString(p.shape())
                            + " is missing from the checkpoint's weights");
                Safetensors.Reader r = readers.get(file);
                if (r == null) {
                    r = Safetensors.open(file);
                    readers.put(file, r);
                }
                var e = r.entry(p.name());
                if (!Arrays.equals(e.shape(), p.shape()))
                    throw new IOException(file + ": tensor '" + p.name() + "' has shape " + Arrays.toString(e.shape())
                            + " but config.json implies " + Arrays.toString(p.shape()));
                float[] v = new float[Math.toIntExact(p.size())];
                r.read(p.name(), v);
                if (checkFinite)
                    for (int i = 0; i < v.length; i++)
                        if (!Float.isFinite(v[i]))
                            throw new IOException(file + ": tensor '" + p.name() + "' holds " + v[i] + " at index " + i
                                    + " (the first non-finite weight); the checkpoint is corrupt or diverged");
                backend.upload(v, 0, p.value(), 0, v.length);
            }
        } finally {
            for (var r : readers.values()) r.close();
        }
        return model;
    }

    /** tensor name → the file holding it. */
    private static Map<String, Path> weightMap(Path dir) throws IOException {
        var map = new LinkedHashMap<String, Path>();
        Path index = dir.resolve(INDEX), single = dir.resolve(SINGLE);
        if (Files.isRegularFile(index)) {
            JsonNode root = JSON.readTree(index.toFile());
            JsonNode wm = root == null ? null : root.get("weight_map");
            if (wm == null || !wm.isObject()) throw new IOException(index + ": missing object field 'weight_map'");
            Path home = dir.toAbsolutePath().normalize();
            Path realHome = dir.toRealPath();
            for (var it = wm.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isTextual()) throw new IOException(index + ": tensor '" + e.getKey() + "' maps to " + e.getValue() + ", not a file name");
                String name = e.getValue().asText();
                Path shard;
                try {
                    shard = home.resolve(name).normalize();
                } catch (java.nio.file.InvalidPathException ex) {
                    throw new IOException(index + ": tensor '" + e.getKey() + "' is listed in '" + name + "', which is not a valid file name");
                }
                // a shard index may only name files in the checkpoint folder (no absolute paths, no '..', no symlink out)
                if (Path.of(name).isAbsolute() || !shard.startsWith(home) || shard.equals(home) || (Files.exists(shard) && !shard.toRealPath().startsWith(realHome)))
                    throw new IOException(index + ": tensor '" + e.getKey() + "' is listed in '" + name + "', outside the checkpoint folder; shards must be files in " + home);
                if (!Files.isRegularFile(shard))
                    throw new IOException(index + ": tensor '" + e.getKey() + "' is listed in " + e.getValue().asText() + ", which does not exist");
                map.put(e.getKey(), shard);
            }
        } else if (Files.isRegularFile(single)) {
            try (var r = Safetensors.open(single)) {
                for (String name : r.entries().keySet()) map.put(name, single);
            }
        } else throw new IOException(dir + ": neither " + SINGLE + " nor " + INDEX + " found");
        return map;
    }

    /** Saves as F32 in one file or shards above {@link #DEFAULT_SHARD_BYTES}; see {@link #save(Transformer, Path, Options)}. */
    public static void save(Transformer model, Path dir) throws IOException {
        save(model, dir, new Options(null, DEFAULT_SHARD_BYTES, Safetensors.DType.F32, null));
    }

    /**
     * @param copyFrom       a folder whose tokenizer files and generation_config.json are copied through (may be null)
     * @param generationConfig written as generation_config.json when given (else copied, else derived from the config)
     */
    public record Options(Path copyFrom, long maxShardBytes, Safetensors.DType dtype, ObjectNode generationConfig) {}

    /**
     * Writes a complete checkpoint into a temporary sibling folder and then renames it over {@code dir}, so a crash
     * never leaves a half-written checkpoint under the final name.
     */
    public static void save(Transformer model, Path dir, Options opt) throws IOException {
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        deleteTree(tmp);
        Files.createDirectories(tmp);
        ModelConfig cfg = model.config();
        cfg.write(tmp.resolve("config.json"));

        // shards in parameter order, each under the byte limit
        var shards = new ArrayList<LinkedHashMap<String, Safetensors.Tensor>>();
        var current = new LinkedHashMap<String, Safetensors.Tensor>();
        long currentBytes = 0, total = 0;
        Backend be = model.backend();
        for (Parameter p : model.parameters().values()) {
            long bytes = p.size() * opt.dtype().bytes;
            if (!current.isEmpty() && currentBytes + bytes > opt.maxShardBytes()) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            float[] v = new float[Math.toIntExact(p.size())];
            be.download(p.value(), 0, v, 0, v.length);
            current.put(p.name(), new Safetensors.Tensor(p.shape(), v));
            currentBytes += bytes;
            total += bytes;
        }
        shards.add(current);
        if (shards.size() == 1) {
            Safetensors.write(tmp.resolve(SINGLE), shards.getFirst(), opt.dtype());
        } else {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode wm = index.putObject("weight_map");
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Safetensors.write(tmp.resolve(name), shards.get(i), opt.dtype());
                for (String t : shards.get(i).keySet()) wm.put(t, name);
            }
            Files.writeString(tmp.resolve(INDEX), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
        }

        Path genSrc = opt.copyFrom() == null ? null : opt.copyFrom().resolve("generation_config.json");
        if (opt.generationConfig() != null)
            Files.writeString(tmp.resolve("generation_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(opt.generationConfig()) + "\n");
        else if (genSrc != null && Files.isRegularFile(genSrc))
            Files.copy(genSrc, tmp.resolve("generation_config.json"));
        else {
            ObjectNode g = JSON.createObjectNode();
            if (cfg.bosTokenId() != null) g.put("bos_token_id", cfg.bosTokenId());
            if (cfg.eosTokenIds().size() == 1) g.put("eos_token_id", cfg.eosTokenIds().getFirst());
            else if (!cfg.eosTokenIds().isEmpty()) cfg.eosTokenIds().forEach(g.putArray("eos_token_id")::add);
            Files.writeString(tmp.resolve("generation_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(g) + "\n");
        }
        if (opt.copyFrom() != null)
            for (String f : TOKENIZER_FILES) {
                Path src = opt.copyFrom().resolve(f);
                if (Files.isRegularFile(src)) Files.copy(src, tmp.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
            }

        // everything on disk before the rename makes it visible: a crash never leaves a folder with empty files
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.toList()) fsync(f, false);
        }
        fsync(tmp, true);
        Path old = abs.resolveSibling(abs.getFileName() + ".old-" + ProcessHandle.current().pid());
        if (Files.exists(abs)) Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        fsync(abs.getParent(), true);
        deleteTree(old);
    }

    public static void fsyncFile(Path p) throws IOException {
        fsync(p, false);
    }

    public static void fsyncDir(Path p) throws IOException {
        fsync(p.toAbsolutePath(), true);
    }

    /** Forces a file (or a directory's entries) to disk; a file system that cannot sync a directory is let be. */
    static void fsync(Path p, boolean directory) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(p, directory ? java.nio.file.StandardOpenOption.READ : java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            if (!directory) throw e;
        }
    }

    /** Deletes a folder and everything in it (nothing when it is absent): temp and orphan folders of interrupted saves. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
