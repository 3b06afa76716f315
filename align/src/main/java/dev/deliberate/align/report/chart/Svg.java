package dev.deliberate.align.report.chart;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A minimal SVG writer: shapes and text with escaped content and numbers printed the same way on every machine
 * (at most two decimals, no locale, no "-0"), so a chart is byte-for-byte repeatable.
 */
public final class Svg {
    private final StringBuilder out = new StringBuilder();
    private final double width, height;

    public Svg(double width, double height, String title) {
        this.width = width;
        this.height = height;
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(num(width)).append("\" height=\"").append(num(height))
                .append("\" viewBox=\"0 0 ").append(num(width)).append(' ').append(num(height))
                .append("\" role=\"img\" font-family=\"Helvetica, Arial, sans-serif\">");
        out.append("<title>").append(escape(title)).append("</title>");
        out.append("<rect x=\"0\" y=\"0\" width=\"").append(num(width)).append("\" height=\"").append(num(height)).append("\" fill=\"#ffffff\"/>");
    }

    public double width() {
        return width;
    }

    public double height() {
        return height;
    }

    public Svg line(double x1, double y1, double x2, double y2, String stroke, double strokeWidth) {
        out.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
                .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(escape(stroke)).append("\" stroke-width=\"")
                .append(num(strokeWidth)).append("\"/>");
        return this;
    }

    /** A rectangle; {@code stroke} "" for none. */
    public Svg rect(double x, double y, double w, double h, String fill, double fillOpacity, String stroke) {
        out.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(Math.max(0, w)))
                .append("\" height=\"").append(num(Math.max(0, h))).append("\" fill=\"").append(escape(fill)).append('"');
        if (fillOpacity < 1) out.append(" fill-opacity=\"").append(num(fillOpacity)).append('"');
        if (!stroke.isEmpty()) out.append(" stroke=\"").append(escape(stroke)).append("\" stroke-width=\"1\"");
        out.append("/>");
        return this;
    }

    /** A circle with an optional tooltip ({@code <title>}); pass "" for none. */
    public Svg circle(double cx, double cy, double r, String fill, String tooltip) {
        out.append("<circle cx=\"").append(num(cx)).append("\" cy=\"").append(num(cy)).append("\" r=\"").append(num(r))
                .append("\" fill=\"").append(escape(fill)).append("\" fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"0.8\"");
        if (tooltip.isEmpty()) out.append("/>");
        else out.append("><title>").append(escape(tooltip)).append("</title></circle>");
        return this;
    }

    public Svg polyline(double[] xs, double[] ys, String stroke, double strokeWidth) {
        out.append("<polyline fill=\"none\" stroke=\"").append(escape(stroke)).append("\" stroke-width=\"").append(num(strokeWidth))
                .append("\" stroke-linejoin=\"round\" points=\"");
        for (int i = 0; i < xs.length; i++) {
            if (i > 0) out.append(' ');
            out.append(num(xs[i])).append(',').append(num(ys[i]));
        }
        out.append("\"/>");
        return this;
    }

    /** Text; anchor is {@code start}, {@code middle} or {@code end}; rotate in degrees about (x, y), 0 for none. */
    public Svg text(double x, double y, String text, String anchor, double size, String fill, double rotate, boolean bold) {
        out.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"").append(num(size))
                .append("\" text-anchor=\"").append(escape(anchor)).append("\" fill=\"").append(escape(fill)).append('"');
        if (bold) out.append(" font-weight=\"bold\"");
        if (rotate != 0) out.append(" transform=\"rotate(").append(num(rotate)).append(' ').append(num(x)).append(' ').append(num(y)).append(")\"");
        out.append('>').append(escape(text)).append("</text>");
        return this;
    }

    public String finish() {
        return out + "</svg>";
    }

    /** At most two decimals, half-up, trailing zeros dropped, never "-0". */
    public static String num(double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException("non-finite coordinate " + v);
        String s = BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /**
     * Escapes text for XML content and attribute values; characters XML 1.0 forbids (control characters other than
     * tab, newline, carriage return; lone surrogates) become U+FFFD so that any model output can be shown.
     */
    public static String escape(String s) {
        var b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c) || c == 0xFFFE || c == 0xFFFF) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
