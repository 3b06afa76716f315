package dev.deliberate.cli;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.training.ChatExamples;
import dev.deliberate.align.training.SpecWorldCorpus;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.ModelPresets;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import dev.deliberate.engine.tokenizer.SpecialTokens;
import dev.deliberate.engine.train.SftTrainer;
import dev.deliberate.engine.train.TokenizedExample;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "sft", mixinStandardHelpOptions = true,
        description = {"Supervised fine-tuning with the loss on assistant tokens only (--data), or pretraining from scratch",
                "on plain text (--text FILE, or 'specworld' for SpecWorld's general tasks with the teacher's answers)."})
final class TrainSftCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Mixin
    TrainOptions train;

    @Mixin
    RunFileOption runFile;

    @Option(names = "--data", split = ",", paramLabel = "FILE", description = "SFT records (TRL messages JSONL, e.g. sft.jsonl from 'generate'); several files are joined in order.")
    List<Path> data;

    @Option(names = "--documents", paramLabel = "FILE", description = {"Documents learned on every token, one example each (JSONL of {\"text\": …}, e.g. 'world corpus''s",
            "documents.jsonl; cut at --max-seq-len), after the --data records: pretraining beside chat data."})
    Path documents;

    @Option(names = "--val", paramLabel = "FILE", description = "Held-out SFT records for the eval loss.")
    Path val;

    @Option(names = "--text", paramLabel = "FILE|specworld", description = "Pretrain on every token: a text file (one document a line) or 'specworld'.")
    String text;

    @Option(names = "--model", paramLabel = "DIR", description = "Start from this Hugging Face checkpoint (or a PEFT adapter folder, or BASE_DIR+ADAPTER_DIR).")
    Path model;

    @Option(names = "--init", paramLabel = "tiny|small|CONFIG.json|SHAPE", description = {"Start from random weights of this shape (vocabulary from --tokenizer): a preset, a",
            "config.json, or hidden=H,intermediate=I,layers=L,heads=N[,kv-heads=K][,context=C][,tied=true|false] (a Llama; context 1024, untied by default)."})
    String init;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (default: the --model folder).")
    Path tokenizerDir;

    @Override
    public Integer call() throws IOException {
        runFile.apply();
        RunFileOption.require(train.out, "--out", "the run folder (created; rerun into it to resume)");
        if (TrainRun.alreadyFinished(train, cmd.commandLine().getErr())) return 0;
        if (data == null && documents == null && text == null) throw new UserError("give --data FILE (SFT), --documents FILE or --text FILE|specworld (pretraining)");
        if (text != null && (data != null || documents != null)) throw new UserError("--text packs plain text on its own; to join chat records and documents give --data and --documents");
        if ((model == null) == (init == null)) throw new UserError("give either --model DIR or --init tiny|small|CONFIG.json|hidden=…,intermediate=…,layers=…,heads=…");
        if (init != null && tokenizerDir == null) throw new UserError("--init needs --tokenizer DIR (the vocabulary comes from it)");
        if (data != null) for (Path d : data) TrainRun.requireFile(d, "--data", "SFT records as JSONL");
        TrainRun.requireFile(documents, "--documents", "documents as JSONL of {\"text\": …}");
        TrainRun.requireFile(val, "--val", "SFT records as JSONL");
        if (model == null && train.lora != null) throw new UserError("--lora needs --model DIR: the adapter trains on a frozen checkpoint");
        Path tokDir = tokenizerDir != null ? tokenizerDir : LoraRun.tokenizerDir(model);
        HfTokenizer tok = TrainRun.loadTokenizer(tokDir);
        Transformer m = model != null ? LoraRun.load(model, train) : initialise(tok);
        if (model == null) train.applyTo(m); // LoraRun.load applied them to a loaded model
        if (m.config().vocabSize() < tok.vocabSize())
            throw new UserError("the model's vocabulary (" + m.config().vocabSize() + ") is smaller than the tokenizer's (" + tok.vocabSize() + ")");

        List<TokenizedExample> trainSet, valSet;
        int records;
        if (text == null) {
            var ex = new ChatExamples(tok, TrainRun.template(tok, tokDir), train.maxSeqLen);
            var all = new ArrayList<SftRecord>();
            if (data != null) for (Path d : data) all.addAll(Jsonl.read(d, SftRecord.class));
            var recs = train.limited(all);
            var examples = new ArrayList<>(ex.sft(recs));
            int docs = 0;
            if (documents != null) // every token learned, one example a document, as pretraining does
                for (var d : Jsonl.readTrees(documents)) {
                    if (!d.hasNonNull("text")) throw new UserError("--documents " + documents + ": record " + (docs + 1) + " has no \"text\"");
                    examples.add(ex.document(d.get("text").asText()));
                    docs++;
                }
            records = recs.size() + docs;
            trainSet = examples.stream().filter(e -> e.targets() > 0).toList();
            valSet = val == null ? List.of() : ex.sft(Jsonl.read(val, SftRecord.class));
        } else {
            var corpus = pretrainingText(tok);
            trainSet = train.limited(corpus.get(0));
            valSet = corpus.get(1);
            records = trainSet.size();
        }
        if (trainSet.isEmpty()) throw new UserError("no training example has a learned token within --max-seq-len " + train.maxSeqLen);

        var settings = new LinkedHashMap<String, Object>();
        settings.put("data", data == null ? null : data.stream().map(Path::toString).toList());
        settings.put("documents", documents == null ? null : documents.toString());
        settings.put("val", val == null ? null : val.toString());
        settings.put("text", text);
        settings.put("model", model == null ? null : model.toString());
        settings.put("init", init);
        settings.put("tokenizer", tokDir.toString());
        var cfg = train.config();
        try (var run = TrainRun.open(train, "train sft", settings, cmd.commandLine().getErr())) {
            var summary = SftTrainer.train(cfg, m, trainSet, valSet, run.loopOptions(text != null ? "pretrain" : "sft"));
            long tokens = trainSet.stream().mapToLong(TokenizedExample::targets).sum();
            run.finish(m, tokDir, summary, Map.of("records", records, "examples", trainSet.size(),
                    "dropped", text == null ? records - trainSet.size() : 0, "learned_tokens", tokens, "val_examples", valSet.size()));
        }
        return 0;
    }

    private Transformer initialise(HfTokenizer tok) {
        List<Integer> eos = List.of(tok.specialTokens().eos());
        ModelConfig c;
        try {
            c = ModelPresets.NAMES.contains(init) ? ModelPresets.of(init, tok.vocabSize(), eos)
                    : init.contains("=") ? ModelPresets.withEos(shape(init, tok.vocabSize()), eos) : ModelConfig.read(Path.of(init));
        } catch (IOException | RuntimeException e) {
            throw new UserError("--init " + init + ": " + e.getMessage());
        }
        var m = new Transformer(c, new CpuBackend());
        m.initialize(train.seed);
        return m;
    }

    /** {@code hidden=H,intermediate=I,layers=L,heads=N[,kv-heads=K][,context=C][,tied=B]}: a Llama of that shape. */
    static ModelConfig shape(String spec, int vocab) {
        var kv = new LinkedHashMap<String, String>();
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("'" + part + "' is not KEY=VALUE");
            kv.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
        }
        var known = List.of("hidden", "intermediate", "layers", "heads", "kv-heads", "context", "tied");
        for (String k : kv.keySet()) if (!known.contains(k)) throw new IllegalArgumentException("unknown key '" + k + "' (known: " + String.join(", ", known) + ")");
        for (String k : List.of("hidden", "intermediate", "layers", "heads"))
            if (!kv.containsKey(k)) throw new IllegalArgumentException("the shape needs " + k + "=N");
        try {
            int heads = Integer.parseInt(kv.get("heads"));
            var c = ModelConfig.llama(Integer.parseInt(kv.get("hidden")), Integer.parseInt(kv.get("intermediate")), Integer.parseInt(kv.get("layers")),
                    heads, Integer.parseInt(kv.getOrDefault("kv-heads", "" + heads)), vocab, Integer.parseInt(kv.getOrDefault("context", "1024")));
            String tied = kv.getOrDefault("tied", "false");
            if (!tied.equals("true") && !tied.equals("false")) throw new IllegalArgumentException("tied must be true or false, got '" + tied + "'");
            return c.withTiedEmbeddings(Boolean.parseBoolean(tied));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: " + e.getMessage());
        }
    }

    /** [train, val] pretraining examples: every token learned. */
    private List<List<TokenizedExample>> pretrainingText(HfTokenizer tok) throws IOException {
        if (text.equals("specworld")) {
            var world = SpecWorld.builtin();
            var w = world.generate(SpecWorld.Config.defaults(train.seed));
            var teacher = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
            var template = TrainRun.template(tok, tokenizerDir != null ? tokenizerDir : LoraRun.tokenizerDir(model));
            var out = new ArrayList<List<TokenizedExample>>();
            for (var split : List.of(w.train(), w.test())) {
                var ex = new ArrayList<TokenizedExample>();
                for (SftRecord r : SpecWorldCorpus.generalConversations(split, teacher, world.spec())) {
                    var msgs = r.messages().stream().map(t -> new dev.deliberate.engine.tokenizer.ChatMessage(t.role(), t.content())).toList();
                    ex.add(TokenizedExample.plain(tok.encode(template.render(msgs, false), false)).truncate(train.maxSeqLen));
                }
                out.add(ex);
            }
            return out;
        }
        Path file = Path.of(text);
        if (!Files.isRegularFile(file)) throw new UserError("--text " + text + ": no such file (or give 'specworld')");
        int sep = tok.tokenToId(SpecialTokens.END_OF_TEXT);
        if (sep < 0) sep = tok.specialTokens().eos();
        var stream = new ArrayList<Integer>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            for (int id : tok.encode(line, false)) stream.add(id);
            if (sep >= 0) stream.add(sep);
        }
        // documents packed into windows of max-seq-len, as pretraining does
        var chunks = new ArrayList<TokenizedExample>();
        int[] all = stream.stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i + 1 < all.length; i += train.maxSeqLen)
            chunks.add(TokenizedExample.plain(Arrays.copyOfRange(all, i, Math.min(all.length, i + train.maxSeqLen))));
        return List.of(chunks, List.of());
    }
}
