package net.moodlepushhub.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the machine's CPU went during a measured stretch, per process (Linux {@code /proc}): the gateway, the
 * hub, MariaDB, this benchmark's own JVM (the HTTP clients and the MockApnsServer) and everything else, as CPU
 * time per operation. On a small machine all of them share the cores, so a figure is only as good as the
 * share the gateway got; this says what that share was.
 */
final class CpuMeter {

    /** Clock ticks per second of {@code /proc} times (USER_HZ, 100 on Linux). */
    private static final double HZ = 100.0;

    private final Map<String, Long> pids = new LinkedHashMap<>();
    private final Map<String, Long> start = new LinkedHashMap<>();
    private long machineStart;
    private long idleStart;
    private Map<String, Long> gatewayThreadsStart = Map.of();
    private Map<String, Long> benchThreadsStart = Map.of();

    CpuMeter(Stack stack) {
        if (stack.gateway != null) {
            pids.put("gateway", stack.gateway.pid());
        }
        pids.put("hub", stack.hub.pid());
        long mariadb = mariadb();
        if (mariadb > 0) {
            pids.put("mariadb", mariadb);
        }
        pids.put("bench JVM (clients, mock APNs)", ProcessHandle.current().pid());
    }

    /** Starts a stretch. */
    CpuMeter start() {
        pids.forEach((name, pid) -> start.put(name, ticks(pid)));
        long[] m = machine();
        machineStart = m[0];
        idleStart = m[1];
        gatewayThreadsStart = threads(pids.getOrDefault("gateway", 0L));
        benchThreadsStart = threads(ProcessHandle.current().pid());
        return this;
    }

    /**
     * @param what       the operation, e.g. "notification"
     * @param operations how many were done since {@link #start()}
     * @return one line: CPU microseconds per operation by process, and the machine's idle share
     */
    String per(String what, long operations) {
        long[] m = machine();
        double machineTicks = m[0] - machineStart;
        double idle = m[1] - idleStart;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  cpu       per %s (us of CPU):", what));
        double accounted = 0;
        for (Map.Entry<String, Long> p : pids.entrySet()) {
            double t = ticks(p.getValue()) - start.get(p.getKey());
            accounted += t;
            line.append(String.format(Locale.ROOT, " %s %.0f,", p.getKey(), t / HZ * 1e6 / operations));
        }
        double other = Math.max(0, machineTicks - idle - accounted);
        line.append(String.format(Locale.ROOT, " other %.0f; machine idle %.0f %%", other / HZ * 1e6 / operations,
                machineTicks == 0 ? 0 : 100 * idle / machineTicks));
        if (pids.containsKey("gateway")) {
            byThread(line, "gateway", what, gatewayThreadsStart, threads(pids.get("gateway")), operations);
        }
        // The benchmark's own JVM too: it hosts the MockApnsServer both sides send to, so its swings move both.
        byThread(line, "bench JVM", what, benchThreadsStart, threads(ProcessHandle.current().pid()), operations);
        return line.toString();
    }

    private static void byThread(StringBuilder line, String process, String what, Map<String, Long> before, Map<String, Long> after, long operations) {
        line.append(String.format(Locale.ROOT, "%n  cpu       %s by thread (us per %s):", process, what));
        used(before, after).entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(8)
                .forEach(e -> line.append(String.format(Locale.ROOT, " %s %.1f,", e.getKey(), e.getValue() / HZ * 1e6 / operations)));
    }

    /**
     * @param before {@link #threads} at the start of a stretch
     * @param after  {@link #threads} at its end
     * @return the ticks each thread name used in between (a name whose threads ended may come out negative)
     */
    static Map<String, Long> used(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> used = new java.util.TreeMap<>();
        after.forEach((name, ticks) -> used.put(name, ticks - before.getOrDefault(name, 0L)));
        return used;
    }

    /**
     * CPU ticks of a process's threads, summed by thread name without its number (so that the JIT compiler,
     * the APNs event loops or the request threads show as one each): whether the JIT is still compiling in a
     * measured stretch, and which of the gateway's jobs the CPU went to.
     */
    static Map<String, Long> threads(long pid) {
        Map<String, Long> byName = new java.util.TreeMap<>();
        if (pid <= 0) {
            return byName;
        }
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            tasks.forEach(t -> {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[-#_ ]?\\d+$", "");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    byName.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (Exception e) {
                    // the thread ended meanwhile
                }
            });
        } catch (Exception e) {
            // the process ended
        }
        return byName;
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (Exception e) {
            return 0;
        }
    }

    /** The machine counts as quiet when, over half a second, at most this share of its CPU was busy. */
    static final double QUIET_SHARE = Double.parseDouble(System.getProperty("bench.quiet-share", "0.10"));

    /**
     * Waits until the machine is quiet (see {@link #QUIET_SHARE}), at most {@code max}: the background work an
     * earlier step left behind (MariaDB purging and flushing after a seeding or a measured stretch, a GC) must not
     * land in the next measured stretch, on either side of a comparison.
     *
     * @param max the longest wait
     * @return seconds waited; {@code max} when the machine never got quiet
     */
    static double awaitQuiet(java.time.Duration max) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        while (System.nanoTime() < deadline) {
            long[] a = machine();
            Thread.sleep(500);
            long[] b = machine();
            double total = b[0] - a[0];
            if (total > 0 && (total - (b[1] - a[1])) / total <= QUIET_SHARE) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** @return total and idle ticks of all CPUs (the first line of /proc/stat) */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            // idle + iowait
            return new long[]{total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        } catch (Exception e) {
            return new long[]{0, 0};
        }
    }

    private static long mariadb() {
        try (var dirs = Files.list(Path.of("/proc"))) {
            return dirs.filter(d -> d.getFileName().toString().matches("\\d+")).filter(d -> {
                try {
                    String comm = Files.readString(d.resolve("comm")).trim();
                    return comm.equals("mariadbd") || comm.equals("mysqld");
                } catch (Exception e) {
                    return false;
                }
            }).mapToLong(d -> Long.parseLong(d.getFileName().toString())).findFirst().orElse(0);
        } catch (Exception e) {
            return 0;
        }
    }
}
