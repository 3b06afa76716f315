package dev.deliberate.engine.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;

import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The helpers Hugging Face transformers adds to the Jinja environment of {@code apply_chat_template}
 * ({@code raise_exception}, {@code strftime_now}, and its own {@code tojson}, which is {@code json.dumps} with
 * {@code ensure_ascii=False} and no HTML escaping, unlike Jinja2's built-in one).
 */
final class JinjaHfFunctions {
    private JinjaHfFunctions() {}

    /** Thrown by a template's {@code raise_exception(msg)}; the renderer reports {@code msg}. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message);
        }
    }

    public static Object raiseException(String message) {
        throw new TemplateRaised(message);
    }

    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format, Locale.US);
    }

    /** {@code x | tojson(indent=None, separators=None, sort_keys=False)} with Python's {@code json.dumps} output. */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            StringBuilder sb = new StringBuilder();
            dump(var, indent == null ? -1 : ((Number) indent).intValue(), 0, sortKeys, sb);
            return new SafeString(sb.toString());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    static void dump(Object v, int indent, int depth, boolean sortKeys, StringBuilder sb) {
        switch (v) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case Double d -> sb.append(pyFloat(d));
            case Float f -> sb.append(pyFloat(f.doubleValue()));
            case Number n -> sb.append(n);
            case CharSequence s -> quote(s.toString(), sb);
            case SafeString s -> quote(s.toString(), sb);
            case Map<?, ?> m -> {
                Map<?, ?> entries = sortKeys ? new TreeMap<>(m) : m;
                if (entries.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                boolean first = true;
                for (var e : entries.entrySet()) {
                    if (!first) sb.append(indent < 0 ? ", " : ",");
                    first = false;
                    newline(indent, depth + 1, sb);
                    quote(String.valueOf(e.getKey()), sb);
                    sb.append(": ");
                    dump(e.getValue(), indent, depth + 1, sortKeys, sb);
                }
                newline(indent, depth, sb);
                sb.append('}');
            }
            case Iterable<?> it -> {
                var i = it.iterator();
                if (!i.hasNext()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                boolean first = true;
                while (i.hasNext()) {
                    if (!first) sb.append(indent < 0 ? ", " : ",");
                    first = false;
                    newline(indent, depth + 1, sb);
                    dump(i.next(), indent, depth + 1, sortKeys, sb);
                }
                newline(indent, depth, sb);
                sb.append(']');
            }
            case Object[] arr -> dump(java.util.Arrays.asList(arr), indent, depth, sortKeys, sb);
            default -> quote(v.toString(), sb);
        }
    }

    private static void newline(int indent, int depth, StringBuilder sb) {
        if (indent < 0) return;
        sb.append('\n').append(" ".repeat(indent * depth));
    }

    /** Python's float repr: shortest round-trip digits, {@code 1e-10} not {@code 1.0E-10}. */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        var bd = new java.math.BigDecimal(Double.toString(d));
        int exp = bd.precision() - bd.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String plain = bd.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = bd.unscaledValue().abs().toString().replaceAll("0+$", "");
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    /** {@code json.dumps} string escaping with {@code ensure_ascii=False}: only quotes, backslash and controls. */
    static void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
