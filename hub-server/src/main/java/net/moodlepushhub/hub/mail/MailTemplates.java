package net.moodlepushhub.hub.mail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders messages from the templates in {@code /mail/}: {@code <kind>.txt} (first line {@code Subject: ...}, then a
 * blank line, then the body), wrapped in {@code layout.txt} for the plain-text part and in {@code layout.html} for
 * the HTML part. {@code {{name}}} is replaced by a value (on one line: control characters become spaces) and
 * {@code {{items}}} by the list of folded events. The HTML part is the same text, escaped, with paragraphs, lists
 * and links, so the two parts never say different things.
 */
public final class MailTemplates {

    /** A rendered message. */
    public record Rendered(String subject, String text, String html) {
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-zA-Z]+)}}");
    private static final Pattern LINK = Pattern.compile("https?://[^\\s<>\"]+");
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private MailTemplates() {
    }

    /**
     * @param kind   the kind
     * @param vars   the values
     * @param events how many events are folded into the message
     * @return subject, plain text and HTML
     */
    public static Rendered render(MailKind kind, Map<String, String> vars, int events) {
        String template = resource(kind.template() + ".txt");
        int split = template.indexOf("\n\n");
        String subjectLine = template.substring(0, split).strip();
        if (!subjectLine.startsWith("Subject:")) {
            throw new IllegalStateException("template " + kind.template() + " has no Subject line");
        }
        List<String> items = MailVars.lines(vars.get(MailVars.ITEMS));
        String folded = "";
        if (kind == MailKind.ADMIN_DIGEST) {
            folded = "{{items}}\n" + (events > items.size() ? "\n... and " + (events - items.size()) + " more.\n" : "");
        } else if (events > 1 && !items.isEmpty()) {
            boolean successor = "true".equals(vars.get("successor"));
            int more = successor ? events : events - 1;
            folded = more + " more " + kind.noun() + " since " + (successor ? "the last message" : "the first one")
                    + (events > items.size() ? " (the first " + items.size() + " are listed)" : "") + ":\n\n{{items}}\n";
        }
        String body = template.substring(split + 2).replace("{{folded}}", folded);
        // An empty {{folded}} leaves blank lines behind; one blank line between paragraphs is enough.
        String text = fill(resource("layout.txt").replace("{{body}}", body), vars, items).replaceAll("\n{3,}", "\n\n");
        String subject = MailVars.oneLine(fill(subjectLine.substring("Subject:".length()), vars, List.of()));
        String layout = resource("layout.html");
        int content = layout.indexOf("{{content}}");
        String html = fill(layout.substring(0, content), vars, List.of()) + html(text) + fill(layout.substring(content + "{{content}}".length()), vars, List.of());
        return new Rendered(subject, text, html);
    }

    private static String fill(String template, Map<String, String> vars, List<String> items) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            if (MailVars.ITEMS.equals(name)) {
                StringBuilder list = new StringBuilder();
                for (String item : items) {
                    list.append(list.length() == 0 ? "" : "\n").append("- ").append(MailVars.oneLine(item));
                }
                value = list.toString();
            } else {
                String v = vars.get(name);
                value = v == null ? "" : MailVars.oneLine(v);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The plain text as HTML: escaped, blank-line paragraphs, "- " lines as lists, http(s) URLs as links. */
    private static String html(String text) {
        StringBuilder body = new StringBuilder();
        for (String paragraph : text.strip().split("\n\\s*\n")) {
            String[] lines = paragraph.split("\n");
            boolean list = lines.length > 0 && java.util.Arrays.stream(lines).allMatch(l -> l.startsWith("- "));
            if (paragraph.startsWith("-- ")) {
                body.append("<hr>\n<p class=\"footer\">").append(linked(String.join("<br>\n", escapeAll(lines, 0).subList(1, lines.length)))).append("</p>\n");
            } else if (list) {
                body.append("<ul>\n");
                for (String l : lines) {
                    body.append("<li>").append(linked(escape(l.substring(2)))).append("</li>\n");
                }
                body.append("</ul>\n");
            } else {
                body.append("<p>").append(linked(String.join("<br>\n", escapeAll(lines, 0)))).append("</p>\n");
            }
        }
        return body.toString();
    }

    private static List<String> escapeAll(String[] lines, int from) {
        return java.util.Arrays.stream(lines, from, lines.length).map(MailTemplates::escape).toList();
    }

    private static String linked(String escaped) {
        Matcher m = LINK.matcher(escaped);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String url = m.group();
            // A sentence's full stop or comma after a URL is not part of it.
            String trail = "";
            while (url.endsWith(".") || url.endsWith(",") || url.endsWith(")")) {
                trail = url.charAt(url.length() - 1) + trail;
                url = url.substring(0, url.length() - 1);
            }
            m.appendReplacement(out, Matcher.quoteReplacement("<a href=\"" + url + "\">" + url + "</a>" + trail));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    private static String resource(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            try (InputStream in = MailTemplates.class.getResourceAsStream("/mail/" + n)) {
                if (in == null) {
                    throw new IllegalStateException("missing mail template /mail/" + n);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
