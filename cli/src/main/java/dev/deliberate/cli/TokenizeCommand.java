package dev.deliberate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.engine.tokenizer.ChatTemplate;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import dev.deliberate.engine.tokenizer.TokenizerFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code deliberate tokenize}: check tokenization and chat rendering from the shell, one JSON line in, one out. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Tokenize JSONL from stdin with a Hugging Face tokenizer (and render chat templates).", "",
                "Each line is a JSON string -> {\"text\",\"ids\",\"decoded\"}.",
                "With --chat, each line is {\"messages\",\"add_generation_prompt\",\"kwargs\"}",
                "-> the same object plus \"rendered\" and \"ids\".", ""})
final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Folder with tokenizer.json (and tokenizer_config.json): a checkpoint or tokenizer folder.")
    Path dir;

    @Option(names = "--chat", description = "Lines are conversations: render the chat template, then tokenize.")
    boolean chat;

    @Option(names = "--no-special", description = "Do not add the tokenizer's special tokens (BOS/EOS) around plain text.")
    boolean noSpecial;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "Read this file instead of stdin.")
    Path input;

    @Override
    public Integer call() throws IOException {
        HfTokenizer tokenizer;
        try {
            tokenizer = HfTokenizer.load(dir);
        } catch (TokenizerFormatException e) {
            throw new UserError(e.getMessage());
        }
        ChatTemplate template = chat ? tokenizer.chatTemplate().orElseThrow(() -> new UserError(
                dir + " has no chat template (chat_template in tokenizer_config.json, or chat_template.jinja)")) : null;
        var out = spec.commandLine().getOut();
        try (tokenizer; InputStream in = input == null ? System.in : Files.newInputStream(input);
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw lineError(lineNo, "not valid JSON (" + e.getOriginalMessage() + ")");
                }
                out.println(JSON.writeValueAsString(chat ? chatLine(node, tokenizer, template, lineNo) : textLine(node, tokenizer, lineNo)));
                out.flush();
            }
        }
        return 0;
    }

    private ObjectNode textLine(JsonNode node, HfTokenizer tokenizer, int lineNo) {
        if (!node.isTextual()) throw lineError(lineNo, "expected a JSON string, got " + node.getNodeType().name().toLowerCase()
                + (node.isObject() ? " (use --chat for conversations)" : ""));
        String text = node.asText();
        int[] ids = tokenizer.encode(text, !noSpecial);
        ObjectNode o = JSON.createObjectNode().put("text", text);
        var arr = o.putArray("ids");
        for (int id : ids) arr.add(id);
        o.put("decoded", tokenizer.decode(ids));
        return o;
    }

    private ObjectNode chatLine(JsonNode node, HfTokenizer tokenizer, ChatTemplate template, int lineNo) {
        if (!(node instanceof ObjectNode obj)) throw lineError(lineNo, "expected an object {\"messages\": [...], \"add_generation_prompt\": ..., \"kwargs\": {...}}");
        JsonNode messages = obj.get("messages");
        if (messages == null || !messages.isArray()) throw lineError(lineNo, "field 'messages' must be a list of {\"role\", \"content\"}");
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject() || !m.path("role").isTextual())
                throw lineError(lineNo, "field 'messages[" + i + "]' must be an object with a string 'role'");
            msgs.add(JSON.convertValue(m, JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class)));
        }
        JsonNode agp = obj.path("add_generation_prompt");
        if (!agp.isMissingNode() && !agp.isNull() && !agp.isBoolean()) throw lineError(lineNo, "field 'add_generation_prompt' must be true or false");
        JsonNode kw = obj.path("kwargs");
        if (!kw.isMissingNode() && !kw.isNull() && !kw.isObject()) throw lineError(lineNo, "field 'kwargs' must be an object");
        Map<String, Object> kwargs = kw.isObject()
                ? JSON.convertValue(kw, JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class)) : Map.of();
        String rendered;
        try {
            rendered = template.renderMaps(msgs, agp.asBoolean(false), kwargs);
        } catch (ChatTemplate.ChatTemplateException e) {
            throw lineError(lineNo, e.getMessage());
        }
        ObjectNode o = obj.deepCopy();
        o.put("rendered", rendered);
        var arr = o.putArray("ids");
        for (int id : tokenizer.encode(rendered, false)) arr.add(id); // the template writes its own special tokens
        return o;
    }

    private UserError lineError(int lineNo, String what) {
        return new UserError((input == null ? "stdin" : input.toString()) + " line " + lineNo + ": " + what);
    }
}
