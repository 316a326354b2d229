package net.moodlepushhub.gateway.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Which hub to call, when {@code gateway.hub-url} lists several: the selection and fail-over rules, apart from
 * HTTP so that they can be tested on their own.
 *
 * <ul>
 *   <li>Sticky: the hub that answered last is tried first, until it fails. Switching back to the first hub as
 *       soon as it is up again would move the revocation feed's long poll back and forth for nothing (every hub
 *       of a deployment reads the same database and serves the same feed, keys and limits).</li>
 *   <li>A hub that failed is put behind the others for {@code gateway.hub-backoff}: tried only when every
 *       other hub failed too, so a dead hub costs at most one refused connection per back-off period, and a
 *       call still reaches a hub whenever one is up.</li>
 *   <li>With a single hub, every call goes to it, as before several could be listed.</li>
 * </ul>
 *
 * <p>Thread-safe.</p>
 */
public final class HubEndpoints {

    private final List<String> urls;
    private final long backoffNanos;
    private final LongSupplier nanoClock;
    private final long[] skipUntil;
    private final boolean[] failed;
    private int current;

    /**
     * @param urls      the hubs' base URLs, in configured order (at least one)
     * @param backoff   how long a failed hub is tried only after the others
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime})
     */
    public HubEndpoints(List<String> urls, Duration backoff, LongSupplier nanoClock) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no hub URL");
        }
        this.urls = List.copyOf(urls);
        this.backoffNanos = backoff.toNanos();
        this.nanoClock = nanoClock;
        this.skipUntil = new long[urls.size()];
        this.failed = new boolean[urls.size()];
    }

    /**
     * Splits {@code gateway.hub-url}: comma-separated base URLs; blanks around them, trailing slashes, empty
     * items and repeats are dropped.
     *
     * @param setting the configured value
     * @return the base URLs, in order
     * @throws IllegalArgumentException when no URL is left
     */
    public static List<String> parse(String setting) {
        Set<String> urls = new LinkedHashSet<>();
        for (String item : setting.split(",")) {
            String url = item.strip();
            while (url.endsWith("/")) {
                url = url.substring(0, url.length() - 1);
            }
            if (!url.isEmpty()) {
                urls.add(url);
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("gateway.hub-url names no hub");
        }
        return List.copyOf(urls);
    }

    /** @return every hub, in configured order */
    public List<String> all() {
        return urls;
    }

    /** @return the hub tried first now */
    public synchronized String current() {
        return urls.get(current);
    }

    /**
     * @return the hubs to try for one call, in order: the current one and the others that are not backing off
     *         (in configured order after the current one), then those backing off, the one whose back-off ends
     *         first before the others
     */
    public synchronized List<String> order() {
        long now = nanoClock.getAsLong();
        List<Integer> ready = new ArrayList<>();
        List<Integer> backingOff = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            int index = (current + i) % urls.size();
            (backingOff(index, now) ? backingOff : ready).add(index);
        }
        backingOff.sort(Comparator.comparingLong(i -> skipUntil[i] - now));
        List<String> order = new ArrayList<>(urls.size());
        ready.forEach(i -> order.add(urls.get(i)));
        backingOff.forEach(i -> order.add(urls.get(i)));
        return order;
    }

    /**
     * A hub answered: it becomes the current one and its back-off ends.
     *
     * @param url the hub's base URL
     */
    public synchronized void succeeded(String url) {
        int index = urls.indexOf(url);
        if (index >= 0) {
            failed[index] = false;
            current = index;
        }
    }

    /**
     * A hub could not be reached or said it is unavailable: it backs off, and when it was the current one the
     * next hub that is not backing off becomes current.
     *
     * @param url the hub's base URL
     */
    public synchronized void failed(String url) {
        int index = urls.indexOf(url);
        if (index < 0) {
            return;
        }
        long now = nanoClock.getAsLong();
        failed[index] = true;
        skipUntil[index] = now + backoffNanos;
        if (index == current) {
            for (int i = 1; i < urls.size(); i++) {
                int next = (index + i) % urls.size();
                if (!backingOff(next, now)) {
                    current = next;
                    return;
                }
            }
        }
    }

    private boolean backingOff(int index, long now) {
        return failed[index] && skipUntil[index] - now > 0;
    }
}
