package dev.deliberate.align.llm;

import dev.deliberate.engine.generate.FinishReason;
import dev.deliberate.engine.tokenizer.Reasoning;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The local engine as a {@link ChatModel}: a Hugging Face checkpoint folder, its tokenizer and chat template. Messages
 * are rendered with the generation prompt; sampling maps onto the engine's (temperature, top_p, max_tokens, stop,
 * seed; sample i of a request uses seed + i, so samples differ and a seed repeats); a turn ends at an EOS id
 * ({@link LocalCheckpoint#eosIds}), max_tokens or a stop string (cut from the text, as OpenAI does). Usage counts
 * real tokens: the EOS that ended a turn is a completion token, reasoning tokens run through {@code </think>}.
 *
 * <p>Every path decodes through {@link #open} sessions over the engine's KV-cache slots: {@link #chatBatch} puts all
 * samples of all requests into one session, and a server admits requests between steps (continuous batching).
 * Sessions may run on several threads; each engine step holds the checkpoint's lock.
 */
public final class LocalChatModel implements StepwiseChatModel {
    /** Slots a batch uses at most; more mostly grow the KV cache without helping a CPU. */
    public static final int MAX_BATCH_SLOTS = 32;
    /** Rows one step may feed; longer prompts are prefilled over several steps, so decoding slots keep moving. */
    static final int MAX_ROWS_PER_STEP = 512;

    /** @param maxContext positions a server session's slots hold (prompt + completion), capped by max_position_embeddings */
    public record Options(int maxContext) {
        public static final Options DEFAULT = new Options(4096);

        public Options {
            if (maxContext < 2) throw new IllegalArgumentException("maxContext must be >= 2, got " + maxContext);
        }
    }

    private final LocalCheckpoint ckpt;
    private final Options options;
    private final SecureRandom seeds = new SecureRandom();

    public LocalChatModel(LocalCheckpoint checkpoint, Options options) {
        this.ckpt = checkpoint;
        this.options = options;
    }

    public static LocalChatModel open(Path dir) {
        return new LocalChatModel(LocalCheckpoint.open(dir), Options.DEFAULT);
    }

    public LocalCheckpoint checkpoint() {
        return ckpt;
    }

    @Override
    public String id() {
        return ckpt.id();
    }

    private int contextLimit() {
        return Math.min(options.maxContext(), ckpt.model().config().maxPositionEmbeddings());
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        return chatBatch(List.of(new ChatRequest(messages, params))).getFirst();
    }

    @Override
    public List<Completion> chatStreaming(List<Message> messages, SamplingParams params, Consumer<ChatDelta> onDelta) {
        return run(List.of(new ChatRequest(messages, params)), onDelta).getFirst();
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        return run(requests, null);
    }

    @Override
    public boolean completesText() {
        return true;
    }

    @Override
    public List<Completion> complete(String prompt, SamplingParams params) {
        return run(List.of(ckpt.raw(prompt)), List.of(params), null).getFirst();
    }

    @Override
    public boolean continuesReasoning() {
        return true;
    }

    @Override
    public List<Completion> continueReasoning(List<Message> messages, String reasoningPrefix, SamplingParams params) {
        return run(List.of(ckpt.prefill(messages, reasoningPrefix)), List.of(params), null).getFirst();
    }

    private List<List<Completion>> run(List<ChatRequest> requests, Consumer<ChatDelta> onDelta) {
        var prompts = new ArrayList<LocalCheckpoint.Prompt>(requests.size());
        for (ChatRequest r : requests) prompts.add(ckpt.render(r.messages(), true));
        return run(prompts, requests.stream().map(ChatRequest::params).toList(), onDelta);
    }

    /** All samples of all prompts through one session, admitted as slots free up. */
    private List<List<Completion>> run(List<LocalCheckpoint.Prompt> prompts, List<SamplingParams> params, Consumer<ChatDelta> onDelta) {
        var bases = new long[prompts.size()];
        int total = 0, need = 2;
        for (int i = 0; i < prompts.size(); i++) {
            var p = prompts.get(i);
            checkFits(p);
            bases[i] = baseSeed(params.get(i));
            total += params.get(i).n();
            need = Math.max(need, p.tokens().length + params.get(i).maxTokens());
        }
        var out = new ArrayList<Completion[]>();
        for (SamplingParams sp : params) out.add(new Completion[sp.n()]);
        if (total == 0) return List.of();
        var jobs = new ArrayDeque<int[]>(); // (request, sample)
        for (int i = 0; i < prompts.size(); i++) for (int s = 0; s < params.get(i).n(); s++) jobs.add(new int[]{i, s});
        var owner = new HashMap<Long, int[]>();
        var splitters = new HashMap<Long, ThinkStreamSplitter>();
        try (Session session = new Session(Math.min(MAX_BATCH_SLOTS, total), Math.min(need, contextLimit()))) {
            while (!jobs.isEmpty() || !owner.isEmpty()) {
                while (!jobs.isEmpty() && session.free() > 0) {
                    int[] job = jobs.poll();
                    long id = session.admit(prompts.get(job[0]), params.get(job[0]), bases[job[0]] + job[1]);
                    owner.put(id, job);
                    if (onDelta != null) splitters.put(id, new ThinkStreamSplitter());
                }
                for (Step s : session.step()) {
                    int[] job = owner.get(s.sequence());
                    if (onDelta != null) {
                        var split = splitters.get(s.sequence());
                        emit(job[1], split.accept(s.text()), onDelta);
                        if (s.finished() != null) emit(job[1], split.finish(), onDelta);
                    }
                    if (s.finished() != null) {
                        out.get(job[0])[job[1]] = s.finished();
                        owner.remove(s.sequence());
                    }
                }
            }
        }
        return out.stream().map(List::of).toList();
    }

    private static void emit(int index, ThinkStreamSplitter.Piece p, Consumer<ChatDelta> onDelta) {
        if (!p.isEmpty()) onDelta.accept(new ChatDelta(index, p.reasoning(), p.answer()));
    }

    private long baseSeed(SamplingParams p) {
        return p.seed() != null ? p.seed() : seeds.nextLong();
    }

    private void checkFits(LocalCheckpoint.Prompt p) {
        if (p.tokens().length + 1 > contextLimit())
            throw new PromptTooLongException("the prompt has " + p.tokens().length + " tokens; " + ckpt.dir().getFileName()
                    + " serves at most " + contextLimit() + " positions (prompt + completion)");
    }

    /** Frees the tokenizer; the checkpoint must not be shared with an embedder still in use. */
    @Override
    public void close() {
        ckpt.close();
    }

    @Override
    public boolean logprobs() {
        return true;
    }

    @Override
    public DecodeSession open(int slots) {
        return new Session(slots, contextLimit());
    }

    /** Engine sampling for sample {@code seed}: stop strings are matched here on the streamed text, not by the engine. */
    private dev.deliberate.engine.generate.SamplingParams engineParams(SamplingParams p, long seed) {
        return new dev.deliberate.engine.generate.SamplingParams(p.temperature(), 0, p.topP(), p.maxTokens(), seed, ckpt.eosIds(), List.of());
    }

    /** One engine decode session: KV-cache slots, each holding a {@link Sequence}. */
    private final class Session implements DecodeSession {
        private final dev.deliberate.engine.generate.DecodeSession engine;
        private final Map<Integer, Sequence> bySlot = new HashMap<>();
        private long nextId;

        Session(int slots, int maxSeq) {
            engine = new dev.deliberate.engine.generate.DecodeSession(ckpt.model(), slots, Math.max(2, maxSeq), Math.max(slots, MAX_ROWS_PER_STEP));
        }

        @Override
        public int free() {
            return engine.capacity() - engine.active();
        }

        @Override
        public long admit(List<Message> messages, SamplingParams params, int sample) {
            return admit(messages, params, sample, -1);
        }

        @Override
        public long admit(List<Message> messages, SamplingParams params, int sample, int topLogprobs) {
            var p = ckpt.render(messages, true);
            checkFits(p);
            return admit(p, params, baseSeed(params) + sample, topLogprobs);
        }

        long admit(LocalCheckpoint.Prompt prompt, SamplingParams params, long seed) {
            return admit(prompt, params, seed, -1);
        }

        long admit(LocalCheckpoint.Prompt prompt, SamplingParams params, long seed, int topLogprobs) {
            int slot = engine.admit(prompt.tokens(), engineParams(params, seed), null, Math.max(0, topLogprobs));
            var s = new Sequence(nextId++, prompt, params.stop(), topLogprobs >= 0);
            bySlot.put(slot, s);
            return s.id;
        }

        @Override
        public void cancel(long sequence) {
            for (var it = bySlot.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getValue().id == sequence) {
                    engine.cancel(e.getKey());
                    it.remove();
                    return;
                }
            }
        }

        @Override
        public List<Step> step() {
            dev.deliberate.engine.generate.DecodeSession.Step step;
            ckpt.lock().lock();
            try {
                step = engine.step();
            } finally {
                ckpt.lock().unlock();
            }
            var ended = new HashMap<Integer, FinishReason>();
            for (var f : step.finished()) ended.put(f.slot(), f.generation().finishReason());
            var out = new ArrayList<Step>(step.emitted().size());
            for (var e : step.emitted()) {
                Sequence s = bySlot.get(e.slot());
                FinishReason why = ended.get(e.slot());
                String text = s.accept(e.token(), why);
                if (s.logprobs != null && !(why == FinishReason.EOS && ckpt.eosIds().contains(e.token()))) s.logprobs.add(logprob(e));
                Completion done = null;
                if (s.finishReason != null) {
                    if (why == null) engine.cancel(e.slot()); // a stop string: the engine does not know
                    bySlot.remove(e.slot());
                    done = s.completion();
                }
                out.add(new Step(s.id, text, done));
            }
            return out;
        }

        private TokenLogprob logprob(dev.deliberate.engine.generate.DecodeSession.Emitted e) {
            var top = new ArrayList<TokenLogprob>(e.topTokens().length);
            for (int i = 0; i < e.topTokens().length; i++) top.add(tokenLogprob(e.topTokens()[i], e.topLogProbs()[i], List.of()));
            return tokenLogprob(e.token(), e.logProb(), top);
        }

        private TokenLogprob tokenLogprob(int id, float logprob, List<TokenLogprob> top) {
            String t = ckpt.tokenizer().decode(new int[]{id}, false);
            return new TokenLogprob(t, logprob, t.getBytes(java.nio.charset.StandardCharsets.UTF_8), top);
        }

        @Override
        public void close() {
            for (int slot : bySlot.keySet()) engine.cancel(slot);
            bySlot.clear();
        }
    }

    /**
     * One sequence's text as it is decoded: incremental detokenization (decode a short window of recent tokens and
     * keep what extends the previous window, holding back an incomplete UTF-8 character), stop strings found in the
     * text, and text handed out only once no stop string could still begin in it.
     */
    private final class Sequence {
        final long id;
        final LocalCheckpoint.Prompt prompt;
        final List<String> stops;
        int[] tokens = new int[16]; // generated, EOS excluded
        int[] textEnd = new int[16]; // text length once token i was decoded
        int n, generated, prefixOffset, readOffset, handedOut;
        final StringBuilder text = new StringBuilder();
        String finishReason;
        final List<TokenLogprob> logprobs; // null: not asked for

        Sequence(long id, LocalCheckpoint.Prompt prompt, List<String> stops, boolean logprobs) {
            this.id = id;
            this.prompt = prompt;
            this.stops = stops;
            this.logprobs = logprobs ? new ArrayList<>() : null;
        }

        /** Takes the next token; returns the text that may go out now. */
        String accept(int token, FinishReason engineFinish) {
            generated++;
            int before = text.length();
            boolean eos = engineFinish == FinishReason.EOS && ckpt.eosIds().contains(token);
            if (!eos) {
                if (n == tokens.length) {
                    tokens = Arrays.copyOf(tokens, n * 2);
                    textEnd = Arrays.copyOf(textEnd, n * 2);
                }
                tokens[n++] = token;
            }
            detokenize(engineFinish != null);
            if (!eos) textEnd[n - 1] = text.length();
            int cut = firstStop(before);
            if (cut >= 0) {
                text.setLength(cut);
                finishReason = "stop";
            } else if (engineFinish != null) {
                finishReason = engineFinish.openAiName();
            }
            int safe = finishReason != null ? text.length() : text.length() - heldForStops();
            String out = (handedOut == 0 && generated == 1 ? prompt.thinkPrefix() : "") + text.substring(Math.min(handedOut, safe), safe);
            handedOut = Math.max(handedOut, safe);
            return out;
        }

        private void detokenize(boolean flush) {
            var tok = ckpt.tokenizer();
            String prev = tok.decode(Arrays.copyOfRange(tokens, prefixOffset, readOffset), true);
            String all = tok.decode(Arrays.copyOfRange(tokens, prefixOffset, n), true);
            if (all.length() > prev.length() && (flush || !all.endsWith("\uFFFD"))) {
                text.append(all, prev.length(), all.length());
                prefixOffset = readOffset;
                readOffset = n;
            }
        }

        /** The earliest stop string that ends after {@code from}, or -1. */
        private int firstStop(int from) {
            int best = -1;
            for (String s : stops) {
                if (s.isEmpty()) continue;
                int i = text.indexOf(s, Math.max(0, from - s.length() + 1));
                if (i >= 0 && (best < 0 || i < best)) best = i;
            }
            return best;
        }

        /** Length of the longest end of the text that a stop string starts with. */
        private int heldForStops() {
            int held = 0, len = text.length();
            for (String s : stops)
                for (int k = Math.min(s.length() - 1, len); k > held; k--)
                    if (text.substring(len - k).equals(s.substring(0, k))) {
                        held = k;
                        break;
                    }
            return held;
        }

        Completion completion() {
            if (prompt.raw()) { // a plain continuation: the text as generated, nothing counted as reasoning
                Completion c = new Completion("", text.toString(), finishReason, new Completion.Usage(prompt.tokens().length, generated, -1));
                return logprobs == null ? c : c.withLogprobs(logprobs);
            }
            String full = prompt.thinkPrefix() + text;
            // reasoning tokens: the generated tokens whose text lies in a reasoning span, by Reasoning.split's rule
            // (a token that completed no character counts where it stands; an EOS counts when the thought was left open)
            int[] spans = Reasoning.reasoningSpans(full);
            int shift = prompt.thinkPrefix().length(), reasoning = 0;
            for (int i = 0; i < n; i++) {
                int from = shift + Math.min(i == 0 ? 0 : textEnd[i - 1], text.length());
                int to = Math.max(shift + Math.min(textEnd[i], text.length()), from + 1);
                for (int k = 0; k < spans.length; k += 2)
                    if (from < spans[k + 1] && to > spans[k]) {
                        reasoning++;
                        break;
                    }
            }
            if (generated > n && !Reasoning.split(full).closed()) reasoning += generated - n;
            Completion c = Completion.fromText(full, finishReason, new Completion.Usage(prompt.tokens().length, generated, reasoning));
            return logprobs == null ? c : c.withLogprobs(logprobs);
        }
    }
}
