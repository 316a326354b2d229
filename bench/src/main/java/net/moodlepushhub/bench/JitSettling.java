package net.moodlepushhub.bench;

import java.util.Locale;
import java.util.Map;

/**
 * Warms a JVM up until its JIT compilers have settled, not for a fixed count. A fixed warm-up is not enough on a
 * small machine: the C2 compiler thread works through a long queue (Payara's own start-up code first), so after
 * 60,000 notifications the gateway still spent half of its CPU compiling in the measured stretch, and the figure
 * measured the compiler, not the gateway. A warm-up round is repeated until the compiler threads took at most
 * {@link #SETTLED_SHARE} of the process's CPU in a round (and at least {@link #MIN_ROUNDS} rounds ran), so both
 * sides of a comparison are measured in the same, settled state.
 */
final class JitSettling {

    /** The compiler threads' share of a process's CPU in a round below which the JIT counts as settled. */
    static final double SETTLED_SHARE = Double.parseDouble(System.getProperty("bench.jit.settled-share", "0.05"));

    /** Rounds always run. */
    static final int MIN_ROUNDS = 2;

    /** Rounds at most; a JIT that never settles is reported as such, not waited for forever. */
    static final int MAX_ROUNDS = Integer.getInteger("bench.jit.max-rounds", 30);

    /** One warm-up round. */
    interface Round {
        void run() throws Exception;
    }

    /** How a warm-up ended. */
    record Result(int rounds, double lastCompilerShare) {
        /** @return e.g. "7 rounds, JIT 3 % of its CPU in the last" */
        String describe() {
            return String.format(Locale.ROOT, "%d rounds, JIT %.0f %% of its CPU in the last%s", rounds, 100 * lastCompilerShare,
                    lastCompilerShare > SETTLED_SHARE ? " (NOT settled)" : "");
        }
    }

    private JitSettling() {
    }

    /**
     * Runs rounds until the process's JIT has settled.
     *
     * @param pid   the process to watch (the gateway, or this JVM for Pushy direct)
     * @param round one warm-up round, about a second or more of work
     * @return how many rounds ran and the compiler share of the last
     */
    static Result warm(long pid, Round round) throws Exception {
        double share = 1;
        int rounds = 0;
        while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || share > SETTLED_SHARE)) {
            Map<String, Long> before = CpuMeter.threads(pid);
            round.run();
            Map<String, Long> after = CpuMeter.threads(pid);
            long all = 0;
            long compilers = 0;
            for (Map.Entry<String, Long> t : CpuMeter.used(before, after).entrySet()) {
                long used = Math.max(0, t.getValue());
                all += used;
                if (t.getKey().contains("CompilerThre")) {
                    compilers += used;
                }
            }
            share = all == 0 ? 1 : (double) compilers / all;
            rounds++;
        }
        return new Result(rounds, share);
    }
}
