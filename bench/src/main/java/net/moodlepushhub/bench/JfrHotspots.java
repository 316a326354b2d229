package net.moodlepushhub.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Summarises a JFR recording's execution samples (the CPU the JVM's Java threads spent): shares by thread
 * group, by package of the top frame, the hottest methods (self) and the hottest methods of our own code and of
 * the main libraries (inclusive: the method anywhere on the stack).
 *
 * <pre>
 *   java -cp bench/target/classes net.moodlepushhub.bench.JfrHotspots /tmp/gw.jfr [top] [thread group, e.g. "request"]
 * </pre>
 */
public final class JfrHotspots {

    private JfrHotspots() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        String onlyThreads = args.length > 2 ? args[2] : null;
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> selfMethods = new HashMap<>();
        Map<String, Integer> selfPackages = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int total = 0;
        List<RecordedEvent> samples = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("jdk.ExecutionSample"))
                .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)).toList();
        // Payara Micro's start-up (deployment on the main thread, class scanning) is not what is measured: count
        // from the first request the gateway served after the deployment finished.
        java.time.Instant deployed = samples.stream().filter(e -> Set.of("main", "RunLevelControllerThread").contains(threadName(e)))
                .map(RecordedEvent::getStartTime).reduce((a, b) -> b).orElse(java.time.Instant.MIN);
        java.time.Instant from = samples.stream().filter(e -> threadGroup(threadName(e)).startsWith("payara request"))
                .map(RecordedEvent::getStartTime).filter(t -> t.isAfter(deployed)).findFirst().orElse(deployed);
        java.time.Instant to = samples.isEmpty() ? from : samples.get(samples.size() - 1).getStartTime();
        for (RecordedEvent e : samples) {
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty() || e.getStartTime().isBefore(from)) {
                continue;
            }
            String thread = threadName(e);
            if (onlyThreads != null && !threadGroup(thread).contains(onlyThreads)) {
                continue;
            }
            total++;
            threads.merge(threadGroup(thread), 1, Integer::sum);
            List<RecordedFrame> frames = st.getFrames();
            RecordedFrame topFrame = frames.get(0);
            selfMethods.merge(name(topFrame), 1, Integer::sum);
            selfPackages.merge(pkg(topFrame), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String n = name(f);
                if (interesting(n) && seen.add(n)) {
                    inclusive.merge(n, 1, Integer::sum);
                }
            }
        }
        System.out.printf(Locale.ROOT, "JFR hotspots of %s: %,d execution samples (Java threads running Java code), %.0f s from the first request served%n",
                file.getFileName(), total, java.time.Duration.between(from, to).toMillis() / 1000.0);
        print("by thread group", threads, total, top);
        print("by package of the executing method (self)", selfPackages, total, top);
        print("hottest methods (self)", selfMethods, total, top);
        print("our code and the main libraries (inclusive: anywhere on the stack)", inclusive, total, top * 2);
    }

    private static String threadName(RecordedEvent e) {
        return e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
    }

    private static boolean interesting(String method) {
        return method.startsWith("net.moodlepushhub.") || method.startsWith("com.eatthepath.") || method.startsWith("org.mariadb.")
                || method.startsWith("com.zaxxer.") || method.startsWith("org.glassfish.jersey.server.ServerRuntime")
                || method.startsWith("org.glassfish.grizzly.http.server.HttpHandler.") || method.startsWith("sun.security.ssl.SSLEngineImpl.")
                || method.startsWith("io.netty.handler.ssl.SslHandler.") || method.startsWith("io.netty.handler.codec.http2.");
    }

    private static String threadGroup(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.contains("http-thread-pool") || n.contains("http-listener")) {
            return "payara request threads (http-thread-pool)";
        }
        if (n.startsWith("delivery-")) {
            return "delivery engine: " + name;
        }
        if (n.contains("nioeventloop") || n.contains("epoll") || n.startsWith("pushy") || n.contains("apns")) {
            return "netty event loops (Pushy: TLS, HTTP/2)";
        }
        if (n.contains("kernel") || n.contains("selector") || n.contains("grizzly")) {
            return "grizzly selector/kernel";
        }
        return name.replaceAll("[-#]?\\d+", "");
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String pkg(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        String[] parts = type.split("\\.");
        int keep = Math.min(parts.length - 1, type.startsWith("net.moodlepushhub") ? 4 : 3);
        return keep <= 0 ? type : String.join(".", java.util.Arrays.copyOf(parts, keep));
    }

    private static void print(String title, Map<String, Integer> counts, int total, int top) {
        System.out.printf(Locale.ROOT, "%n  %s%n", title);
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top).forEach(x -> sorted.put(x.getKey(), x.getValue()));
        sorted.forEach((k, v) -> System.out.printf(Locale.ROOT, "    %5.1f %%  %7d  %s%n", 100.0 * v / total, v, k));
    }
}
