package net.moodlepushhub.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a service's {@code /metrics} in the Prometheus text format (what MicroProfile Metrics 5 serves),
 * read the way Prometheus reads it: series name, labels, value. The metrics tests compare two scrapes taken
 * around real work.
 */
public final class PrometheusText {

    /** {@code name{labels} value} or {@code name value}, optionally followed by a timestamp. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+\\S+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** One series' sample. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(String text, List<Sample> samples, Map<String, String> types) {
        this.text = text;
        this.samples = samples;
        this.types = types;
    }

    /**
     * Scrapes {@code <serverRoot>/metrics} as Prometheus does (plain text).
     *
     * @param serverRoot the server's root URL, e.g. {@code http://127.0.0.1:8080/}
     * @return the parsed scrape
     * @throws AssertionError when the endpoint does not answer 200 in the Prometheus text format
     */
    public static PrometheusText scrape(String serverRoot) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(URI.create(serverRoot.replaceAll("/?$", "/") + "metrics"))
                            .header("Accept", "text/plain").timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain")) {
                throw new AssertionError("/metrics answered " + r.statusCode() + " " + r.headers().firstValue("Content-Type").orElse("") + ": " + r.body());
            }
            return parse(r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot scrape " + serverRoot + "metrics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * @param text a scrape's body
     * @return its samples
     */
    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split("\\s+");
                if (parts.length >= 4) {
                    types.put(parts[2], parts[3]);
                }
                continue;
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
                }
            }
            samples.add(new Sample(m.group(1), Collections.unmodifiableMap(labels), Double.parseDouble(m.group(3))));
        }
        return new PrometheusText(text, List.copyOf(samples), types);
    }

    /**
     * @param name   the series name as Prometheus shows it (e.g. {@code gateway_deliveries_total})
     * @param labels label pairs the series must have (others are ignored): {@code "platform", "apns", ...}
     * @return the samples of that name carrying those labels
     */
    public List<Sample> series(String name, String... labels) {
        Map<String, String> wanted = pairs(labels);
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(wanted.entrySet())) {
                found.add(s);
            }
        }
        return found;
    }

    /**
     * @param name   the series name
     * @param labels label pairs that identify one series
     * @return its value, 0 when the series is absent (a counter not incremented yet)
     * @throws AssertionError when the labels match several series
     */
    public double value(String name, String... labels) {
        List<Sample> found = series(name, labels);
        if (found.size() > 1) {
            throw new AssertionError(name + " " + pairs(labels) + " matches " + found.size() + " series: " + found);
        }
        return found.isEmpty() ? 0 : found.get(0).value();
    }

    /**
     * @param name a metric family name (without {@code _bucket} etc.)
     * @return its {@code # TYPE}, or null
     */
    public String type(String name) {
        return types.get(name);
    }

    /** @return the raw text */
    public String text() {
        return text;
    }

    /** @return every sample */
    public List<Sample> samples() {
        return samples;
    }

    private static Map<String, String> pairs(String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            m.put(labels[i], labels[i + 1]);
        }
        return m;
    }
}
