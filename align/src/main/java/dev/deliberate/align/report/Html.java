package dev.deliberate.align.report;

import dev.deliberate.align.report.chart.Chart;
import dev.deliberate.align.report.chart.Svg;

import java.util.List;

/**
 * A self-contained HTML page: inline CSS, inline SVG charts, escaped text, nothing fetched from the network.
 * Build the body from the static helpers, which all return HTML fragments with their text escaped.
 */
public final class Html {

    private static final String CSS = """
            body{font-family:Helvetica,Arial,sans-serif;margin:24px auto;max-width:1320px;color:#222;background:#fafafa}
            h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
            p.note{color:#555;font-size:13px}
            table{border-collapse:collapse;margin:8px 0;font-size:13px;background:#fff}
            th,td{border:1px solid #d8d8d8;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
            .charts{display:flex;flex-wrap:wrap;gap:16px}.charts svg{background:#fff;border:1px solid #e0e0e0}
            pre{white-space:pre-wrap;background:#fff;border:1px solid #e0e0e0;padding:8px;font-size:12px;max-height:320px;overflow:auto}
            details{margin:6px 0}summary{cursor:pointer}
            """;

    private Html() {}

    /** A whole document. {@code bodyFragments} are HTML already built by the helpers here. */
    public static String page(String title, List<String> bodyFragments) {
        var b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
                .append("<title>").append(escape(title)).append("</title><style>").append(CSS).append("</style></head><body>\n")
                .append("<h1>").append(escape(title)).append("</h1>\n");
        for (String f : bodyFragments) b.append(f).append('\n');
        return b.append("</body></html>\n").toString();
    }

    public static String escape(String text) {
        return Svg.escape(text);
    }

    public static String heading(String text) {
        return "<h2>" + escape(text) + "</h2>";
    }

    public static String paragraph(String text) {
        return "<p class=\"note\">" + escape(text) + "</p>";
    }

    /** Preformatted text (a transcript), escaped. */
    public static String pre(String text) {
        return "<pre>" + escape(text) + "</pre>";
    }

    /** A collapsed section; {@code innerHtml} is HTML from these helpers. */
    public static String details(String summary, String innerHtml) {
        return "<details><summary>" + escape(summary) + "</summary>" + innerHtml + "</details>";
    }

    /** Charts side by side, wrapping. */
    public static String charts(List<? extends Chart<?>> charts) {
        var b = new StringBuilder("<div class=\"charts\">");
        for (Chart<?> c : charts) b.append(c.svg());
        return b.append("</div>").toString();
    }

    /**
     * A table; every cell is escaped text, and cells that read as numbers are right-aligned. A row shorter than
     * the header is padded with empty cells; a longer one is an error.
     */
    public static String table(List<String> header, List<List<String>> rows) {
        var b = new StringBuilder("<table><thead><tr>");
        for (String h : header) b.append("<th>").append(escape(h)).append("</th>");
        b.append("</tr></thead><tbody>");
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() > header.size()) {
                throw new IllegalArgumentException("table row " + r + " has " + row.size() + " cells for " + header.size() + " columns");
            }
            b.append("<tr>");
            for (int c = 0; c < header.size(); c++) {
                String cell = c < row.size() && row.get(c) != null ? row.get(c) : "";
                b.append(isNumeric(cell) ? "<td class=\"num\">" : "<td>").append(escape(cell)).append("</td>");
            }
            b.append("</tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    // "0.412", "-3", "0.41 [0.37, 0.46]" — a number, optionally followed by an interval
    private static boolean isNumeric(String s) {
        return s.matches("[-+]?\\d[\\d,]*(\\.\\d+)?%?( \\[[-+]?\\d[\\d.,]*%?, [-+]?\\d[\\d.,]*%?\\])?( \\(n=\\d+\\))?");
    }
}
