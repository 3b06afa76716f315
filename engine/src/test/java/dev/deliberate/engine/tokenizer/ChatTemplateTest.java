package dev.deliberate.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChatTemplateTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ChatTemplate qwen3() throws Exception {
        JsonNode cfg = JSON.readTree(Shared.qwen3().resolve("tokenizer_config.json").toFile());
        return new ChatTemplate(cfg.get("chat_template").asText(), Map.of("eos_token", "<|im_end|>"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyGoldenChatLineRendersExactly() throws Exception {
        ChatTemplate t = qwen3();
        List<String> lines = Files.readAllLines(Shared.qwen3().resolve("golden-chat.jsonl"));
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            Map<String, Object> g = JSON.readValue(line, Map.class);
            String got = t.renderMaps((List<Map<String, Object>>) g.get("messages"), (Boolean) g.get("add_generation_prompt"),
                    (Map<String, Object>) g.get("kwargs"));
            assertEquals(g.get("rendered"), got, line);
        }
    }

    /** Conversations rendered by real Jinja2 as transformers sets it up (see jinja2_goldens.py beside the file): Qwen3 with
     *  tools and tool calls, our ChatML, Llama 2's template, and a mix of filters and loop variables. */
    @Test
    void jinja2GoldensRenderExactly() throws Exception {
        String qwen = JSON.readTree(Shared.qwen3().resolve("tokenizer_config.json").toFile()).get("chat_template").asText();
        var in = ChatTemplateTest.class.getResourceAsStream("jinja2-goldens.jsonl");
        assertNotNull(in, "missing test resource jinja2-goldens.jsonl");
        List<String> lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals(11, lines.size());
        for (String line : lines) {
            @SuppressWarnings("unchecked") Map<String, Object> g = JSON.readValue(line, Map.class);
            String source = switch ((String) g.get("template")) {
                case "qwen3" -> qwen;
                case "chatml" -> ChatTemplate.CHATML;
                default -> (String) g.get("source");
            };
            @SuppressWarnings("unchecked") var t = new ChatTemplate(source, (Map<String, Object>) g.get("special"));
            @SuppressWarnings("unchecked") var msgs = (List<Map<String, Object>>) g.get("messages");
            @SuppressWarnings("unchecked") var kwargs = (Map<String, Object>) g.get("kwargs");
            assertEquals(g.get("rendered"), t.renderMaps(msgs, (Boolean) g.get("add_generation_prompt"), kwargs), line);
            if (g.get("template").equals("llama2")) {
                var e = assertThrows(ChatTemplate.ChatTemplateException.class,
                        () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), false));
                assertEquals("chat template raised: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
            }
        }
    }

    static String render(String template, Map<String, ?> vars) {
        return new ChatTemplate(template, vars).renderMaps(List.of(), false, Map.of());
    }

    @Test
    void builtInChatMlRendersTheGoldenConversationsLikeQwen3() throws Exception {
        for (String line : Files.readAllLines(Shared.qwen3().resolve("golden-chat.jsonl"))) {
            @SuppressWarnings("unchecked") Map<String, Object> g = JSON.readValue(line, Map.class);
            @SuppressWarnings("unchecked") var msgs = (List<Map<String, Object>>) g.get("messages");
            @SuppressWarnings("unchecked") var kwargs = (Map<String, Object>) g.get("kwargs");
            assertEquals(g.get("rendered"), ChatTemplate.chatMl().renderMaps(msgs, (Boolean) g.get("add_generation_prompt"), kwargs), line);
        }
        var conv = List.of(ChatMessage.user("q"), ChatMessage.assistant("<think>\nr\n</think>\n\na"));
        assertEquals("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\na<|im_end|>\n",
                ChatTemplate.chatMl().render(conv, false));
        assertEquals(qwen3().render(conv, false), ChatTemplate.chatMl().render(conv, false));
    }

    @Test
    void qwen3WithToolsAndReasoningContent() throws Exception {
        // ordered maps, as Python dicts are: Map.of's iteration order changes from one JVM run to the next
        Map<String, Object> function = new java.util.LinkedHashMap<>();
        function.put("name", "lookup");
        function.put("description", "Look up «x»");
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        String out = qwen3().renderMaps(List.of(Map.of("role", "user", "content", "hi"),
                        Map.of("role", "assistant", "content", "done", "reasoning_content", "because")),
                false, Map.of("tools", List.of(tool)));
        assertTrue(out.startsWith("<|im_start|>system\n# Tools\n"), out);
        assertTrue(out.contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"lookup\", \"description\": \"Look up «x»\"}}\n</tools>"), out);
        assertTrue(out.endsWith("<|im_start|>assistant\n<think>\nbecause\n</think>\n\ndone<|im_end|>\n"), out);
    }

    @Test
    void hfTojsonIsJsonDumpsWithoutAsciiEscaping() {
        Map<String, Object> x = new java.util.LinkedHashMap<>();
        x.put("a", "é\"\n<tag>");
        x.put("b", java.util.Arrays.asList(1, 2.5, true, null, 1e-10));
        assertEquals("{\"a\": \"é\\\"\\n<tag>\", \"b\": [1, 2.5, true, null, 1e-10]}", render("{{ x | tojson }}", Map.of("x", x)));
        assertEquals("{\n  \"k\": [\n    1\n  ]\n}", render("{{ x | tojson(indent=2) }}", Map.of("x", Map.of("k", List.of(1)))));
    }

    @Test
    void raiseExceptionFailsTheRenderWithItsMessage() {
        var e = assertThrows(ChatTemplate.ChatTemplateException.class,
                () -> render("{% if true %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}", Map.of()));
        assertEquals("chat template raised: Conversation roles must alternate", e.getMessage());
    }

    @Test
    void unknownMethodsFailInsteadOfPrintingNull() {
        var e = assertThrows(ChatTemplate.ChatTemplateException.class, () -> render("{{ 'x'.frobnicate() }}", Map.of()));
        assertTrue(e.getMessage().contains("frobnicate"), e.getMessage());
    }

    @Test
    void strftimeNowFormatsTheCurrentDate() {
        assertEquals(String.valueOf(java.time.Year.now().getValue()), render("{{ strftime_now('%Y') }}", Map.of()));
    }

    @Test
    void pythonStringMethods() {
        // (jinjava prints a bare boolean as true/false where Jinja2 prints True/False; templates test booleans, never print them)
        assertEquals("y n y", render("{{ 'y' if 'abc'.startswith('ab') else 'n' }} {{ 'y' if 'abc'.endswith('b') else 'n' }} {{ 'y' if 'abc'.startswith(('x', 'a')) else 'n' }}", Map.of()));
        assertEquals("a/b/c|c|a", render("{{ '/'.join(' a  b c '.split()) }}|{{ 'a,b,c'.split(',')[-1] }}|{{ 'a.b'.split('.')[0] }}", Map.of()));
        assertEquals("x|x\n|\nx|x", render("{{ '\nx\n'.strip() }}|{{ '\nx\n'.lstrip() }}|{{ '\nx\n'.rstrip() }}|{{ 'yzxyz'.strip('yz') }}", Map.of()));
        assertEquals("a-b-c|ABC|Hello World|2", render("{{ 'a b c'.replace(' ', '-') }}|{{ 'abc'.upper() }}|{{ 'hello world'.title() }}|{{ 'abcabc'.count('bc') }}", Map.of()));
        assertEquals("a, b", render("{{ ', '.join(['a', 'b']) }}", Map.of()));
    }

    @Test
    void reverseSlicesLoopControlsAndNamespaces() {
        assertEquals("321|cba", render("{% for x in [1, 2, 3][::-1] %}{{ x }}{% endfor %}|{{ 'abc'[::-1] }}", Map.of()));
        assertEquals("13", render("{% for x in [1, 2, 3, 4, 5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", Map.of()));
        assertEquals("3", render("{% set ns = namespace(n=[1, 2]|length + 1) %}{% for x in [1] %}{% set ns.n = ns.n %}{% endfor %}{{ ns.n }}", Map.of()));
        assertEquals("2", render("{% set ns = namespace(n=0) %}{% for x in [1, 2] %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}", Map.of()));
        assertEquals("'[::-1]'", render("{{ \"'[::-1]'\" }}", Map.of()), "string literals are left alone");
    }

    @Test
    void keywordArgumentsInMacrosCallsAndComparisons() {
        assertEquals("hi x|hi y z", render("{% macro greet(name='x', rest='') %}hi {{ name }}{{ rest }}{% endmacro %}"
                + "{{ greet() }}|{{ greet(name='y', rest=' ' ~ 'z') }}", Map.of()));
        assertEquals("yes", render("{{ 'yes' if (1 == 1) and ([1, 2]|length >= 2) else 'no' }}", Map.of()));
        assertEquals("[1, 2]", render("{{ x | tojson(indent=None) }}", Map.of("x", List.of(1, 2))));
    }

    @Test
    void specialTokenVariablesAndTrimBlocks() {
        String t = "{{ bos_token }}\n{% for m in messages %}\n  {% if m.role == 'user' %}\n[{{ m.content }}]\n  {% endif %}\n{% endfor %}{{ eos_token }}";
        String out = new ChatTemplate(t, Map.of("bos_token", "<s>", "eos_token", "</s>"))
                .render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), false);
        assertEquals("<s>\n[a]\n</s>", out, "trim_blocks and lstrip_blocks as in transformers");
        assertEquals("", render("{{ undefined_variable }}", Map.of()));
        String tricky = "it's \"quoted\" \\ back\\slash \\n {{ not a tag }} 😀 'single' \u0000";
        assertEquals("<|im_start|>user\n" + tricky + "<|im_end|>\n", ChatTemplate.chatMl().render(List.of(ChatMessage.user(tricky)), false),
                "content is copied verbatim, never re-escaped or re-interpreted");
    }

    /** {@code --chat-template}: a model folder, its tokenizer_config.json or a .jinja file; a path without one is named. */
    @Test
    void readFindsTheTemplateOfAModelFolderAConfigOrAJinjaFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var msgs = List.of(new ChatMessage("user", "hi"));
        String want = ChatTemplate.chatMl().render(msgs, true);
        Files.writeString(dir.resolve("tokenizer_config.json"), new ObjectMapper().createObjectNode()
                .put("chat_template", ChatTemplate.CHATML).put("eos_token", SpecialTokens.IM_END).put("pad_token", SpecialTokens.END_OF_TEXT).toString());
        assertEquals(want, ChatTemplate.read(dir).render(msgs, true));
        assertEquals(want, ChatTemplate.read(dir.resolve("tokenizer_config.json")).render(msgs, true));
        Files.writeString(dir.resolve("t.jinja"), "{% for m in messages %}[{{ m.content }}]{% endfor %}{{ eos_token }}");
        assertEquals("[hi]" + SpecialTokens.IM_END, ChatTemplate.read(dir.resolve("t.jinja")).render(msgs, true));
        var empty = Files.createDirectory(dir.resolve("empty"));
        var e = assertThrows(TokenizerFormatException.class, () -> ChatTemplate.read(empty));
        assertTrue(e.getMessage().contains("no chat template") && e.getMessage().contains(empty.toString()), e.getMessage());
        e = assertThrows(TokenizerFormatException.class, () -> ChatTemplate.read(dir.resolve("missing")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}
