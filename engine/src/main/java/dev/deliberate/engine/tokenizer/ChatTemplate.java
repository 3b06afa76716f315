package dev.deliberate.engine.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Renders a Hugging Face chat template ({@code chat_template} in {@code tokenizer_config.json}) exactly as
 * transformers' {@code apply_chat_template(..., tokenize=False)} does with Jinja2.
 *
 * <p>jinjava is made to behave like transformers' Jinja2 environment: {@code trim_blocks} and
 * {@code lstrip_blocks} on; Python string methods ({@link JinjaPythonStrings}); HF's {@code tojson},
 * {@code raise_exception} and {@code strftime_now} ({@link JinjaHfFunctions}); {@code x[::-1]} (which jinjava
 * cannot parse) rewritten to {@code x|reverse}, and keyword-argument values parenthesised so that
 * {@code namespace(i=messages|length - 1)} means what it does in Jinja2 ({@link #prepare}); message content is
 * never re-interpreted as template text. Any template error fails the render — jinjava's habit of printing
 * {@code null} for a failed call is how the Qwen3 template used to lose assistant content. Checked against
 * transformers' renderings (Qwen3, Llama 2, ours). Known difference: a bare boolean prints as {@code true}, where
 * Jinja2 prints {@code True}; chat templates test booleans but do not print them.
 */
public final class ChatTemplate {
    /** A Qwen3-style ChatML template for our own models: earlier turns' {@code <think>} blocks dropped, enable_thinking honoured. */
    public static final String CHATML = resource("chatml.jinja");

    private static final Jinjava JINJAVA = newJinjava();

    private final String source;
    private final String prepared;
    private final Map<String, Object> defaults;

    /**
     * @param source   the Jinja template text
     * @param defaults variables every render sees unless overridden (typically {@code bos_token}, {@code eos_token})
     */
    public ChatTemplate(String source, Map<String, ?> defaults) {
        this.source = Objects.requireNonNull(source, "source");
        this.prepared = prepare(source);
        this.defaults = Map.copyOf(defaults);
    }

    /** Our built-in ChatML template, with the special tokens {@link BpeTrainer} writes into tokenizer_config.json. */
    public static ChatTemplate chatMl() {
        return new ChatTemplate(CHATML, Map.of("eos_token", SpecialTokens.IM_END, "pad_token", SpecialTokens.END_OF_TEXT));
    }

    /**
     * A served model's template, from a Hugging Face model folder (its {@code chat_template.jinja}, else the
     * {@code chat_template} of {@code tokenizer_config.json}), a {@code tokenizer_config.json}, or a {@code .jinja}
     * file; the special tokens come from the {@code tokenizer_config.json} beside it.
     *
     * @throws TokenizerFormatException when the path holds no template, naming the files looked at
     */
    public static ChatTemplate read(java.nio.file.Path path) {
        java.nio.file.Path dir = java.nio.file.Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        java.nio.file.Path config = java.nio.file.Files.isDirectory(path) ? path.resolve("tokenizer_config.json")
                : path.getFileName().toString().endsWith(".json") ? path : dir.resolve("tokenizer_config.json");
        java.nio.file.Path jinja = java.nio.file.Files.isDirectory(path) ? path.resolve("chat_template.jinja")
                : path.getFileName().toString().endsWith(".json") ? null : path;
        if (!java.nio.file.Files.exists(path)) throw new TokenizerFormatException(path + ": no such file or folder (--chat-template)");
        TokenizerConfig c = TokenizerConfig.read(config);
        String text = c.chatTemplate();
        if (jinja != null && java.nio.file.Files.isRegularFile(jinja)) {
            try {
                text = java.nio.file.Files.readString(jinja);
            } catch (IOException e) {
                throw new TokenizerFormatException(jinja + ": cannot read: " + e.getMessage(), e);
            }
        }
        if (text == null || text.isBlank())
            throw new TokenizerFormatException(path + ": no chat template (looked for " + (jinja == null ? "" : jinja.getFileName() + " and ")
                    + "the chat_template field of " + config + ")");
        return new ChatTemplate(text, specialTokens(c));
    }

    /** The template variables a {@code tokenizer_config.json} defines: {@code bos_token}, {@code eos_token}, {@code pad_token}, {@code unk_token}. */
    static Map<String, Object> specialTokens(TokenizerConfig c) {
        Map<String, Object> vars = new java.util.HashMap<>();
        if (c.bosToken() != null) vars.put("bos_token", c.bosToken());
        if (c.eosToken() != null) vars.put("eos_token", c.eosToken());
        if (c.padToken() != null) vars.put("pad_token", c.padToken());
        if (c.unkToken() != null) vars.put("unk_token", c.unkToken());
        return vars;
    }

    public String source() {
        return source;
    }

    /** Renders {@link ChatMessage}s; see {@link #renderMaps}. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> kwargs) {
        return renderMaps(messages.stream().map(ChatMessage::toMap).toList(), addGenerationPrompt, kwargs);
    }

    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders messages given as JSON-like maps (role, content, and whatever else a template reads:
     * {@code reasoning_content}, {@code tool_calls}…), with {@code add_generation_prompt} and extra variables
     * such as {@code enable_thinking} or {@code tools}.
     *
     * @throws ChatTemplateException when the template raises or fails (the message names the line)
     */
    public String renderMaps(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> kwargs) {
        Map<String, Object> ctx = new LinkedHashMap<>(defaults);
        ctx.putAll(kwargs);
        List<Map<String, Object>> copy = new ArrayList<>();
        for (var m : messages) copy.add(new LinkedHashMap<>(m));
        ctx.put("messages", copy);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        var result = JINJAVA.renderForResult(prepared, ctx);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() != TemplateError.ErrorType.FATAL) continue;
            Throwable raised = e.getException();
            while (raised != null && !(raised instanceof JinjaHfFunctions.TemplateRaised)) raised = raised.getCause();
            if (raised != null) throw new ChatTemplateException("chat template raised: " + raised.getMessage());
            throw new ChatTemplateException("chat template line " + e.getLineno() + ": " + e.getMessage()
                    + (e.getFieldName() == null ? "" : " (in " + e.getFieldName().strip() + ")"));
        }
        return result.getOutput();
    }

    /** A chat template that could not be rendered: a syntax error, an unsupported construct, or {@code raise_exception}. */
    public static final class ChatTemplateException extends RuntimeException {
        public ChatTemplateException(String message) {
            super(message);
        }
    }

    private static Jinjava newJinjava() {
        var resolver = new CompositeELResolver();
        resolver.add(new JinjaPythonStrings());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        var config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withNestedInterpretationEnabled(false) // content that looks like {{ … }} is text, never re-rendered
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withKeepNullableLoopValues(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .build())
                .build();
        var jinjava = new Jinjava(config);
        jinjava.registerFunction(function("raise_exception", "raiseException"));
        jinjava.registerFunction(function("strftime_now", "strftimeNow"));
        jinjava.registerFilter(new JinjaHfFunctions.ToJson());
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String method) {
        try {
            var m = JinjaHfFunctions.class.getMethod(method, String.class);
            m.setAccessible(true); // the helpers' class is package-private; the EL invokes them reflectively
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Rewrites two Jinja2 constructs jinjava's parser gets wrong, inside expressions and statements and outside
     * string literals: {@code x[::-1]} (no slice step in jinjava) becomes {@code x|reverse}, the same value for
     * lists and strings; and a keyword argument's value is parenthesised, {@code f(k=a|length - 1)} →
     * {@code f(k=(a|length - 1))}, because jinjava binds {@code =} tighter than arithmetic.
     */
    static String prepare(String template) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        int i = 0, n = template.length();
        while (i < n) {
            int open = nextTagOpen(template, i);
            if (open < 0) {
                out.append(template, i, n);
                break;
            }
            out.append(template, i, open + 2);
            String close = template.charAt(open + 1) == '{' ? "}}" : "%}";
            // a macro's own parameter list ({% macro f(a=1) %}) is parsed by the tag, not the expression parser
            boolean definesMacro = close.equals("%}") && template.substring(open + 2, Math.min(n, open + 40))
                    .replaceFirst("^[-+]?\\s*", "").matches("(?s)(macro|call)\\b.*");
            int j = open + 2, depth = 0;
            char quote = 0;
            var kwargDepths = new java.util.ArrayDeque<Integer>();
            while (j < n) {
                char c = template.charAt(j);
                if (quote != 0) {
                    out.append(c);
                    if (c == '\\' && j + 1 < n) out.append(template.charAt(++j));
                    else if (c == quote) quote = 0;
                    j++;
                    continue;
                }
                if (depth == 0 && template.startsWith(close, j)) {
                    out.append(close);
                    j += 2;
                    break;
                }
                if (template.startsWith("[::-1]", j)) {
                    out.append("|reverse");
                    j += 6;
                    continue;
                }
                switch (c) {
                    case '\'', '"' -> quote = c;
                    case '(', '[', '{' -> depth++;
                    case ')', ']', '}', ',' -> {
                        if (!kwargDepths.isEmpty() && kwargDepths.peek() == depth) {
                            kwargDepths.pop();
                            out.append(')');
                        }
                        if (c != ',') depth = Math.max(0, depth - 1);
                    }
                    case '=' -> {
                        boolean comparison = j + 1 < n && template.charAt(j + 1) == '='
                                || j > 0 && "=!<>".indexOf(template.charAt(j - 1)) >= 0;
                        if (depth > 0 && !comparison && !definesMacro && precededByName(template, j)) {
                            out.append("=(");
                            kwargDepths.push(depth);
                            j++;
                            continue;
                        }
                    }
                    default -> {}
                }
                out.append(c);
                j++;
            }
            i = j;
        }
        return out.toString();
    }

    private static boolean precededByName(String t, int eq) {
        int k = eq - 1;
        while (k >= 0 && t.charAt(k) == ' ') k--;
        return k >= 0 && (Character.isLetterOrDigit(t.charAt(k)) || t.charAt(k) == '_');
    }

    private static int nextTagOpen(String t, int from) {
        int a = t.indexOf("{{", from), b = t.indexOf("{%", from);
        if (a < 0) return b;
        if (b < 0) return a;
        return Math.min(a, b);
    }

    private static String resource(String name) {
        try (InputStream in = ChatTemplate.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name + " next to " + ChatTemplate.class.getName());
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
