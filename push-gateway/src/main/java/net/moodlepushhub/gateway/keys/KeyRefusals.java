package net.moodlepushhub.gateway.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Tells the operator why keys are refused: every refusal is counted in the MicroProfile Metrics counter
 * {@value #COUNTER} with a {@code reason} tag, and logged with its reason and the key's {@code jti} and
 * {@code sub}, at most once per key per minute (a site retrying a bad key every second must not flood the log).
 * The key itself is never logged: it is a bearer credential (only a short prefix of its SHA-256 is).
 */
@ApplicationScoped
public class KeyRefusals {

    private static final Logger LOG = Logger.getLogger(KeyRefusals.class.getName());

    /** The counter's name (Prometheus: {@code gateway_keys_refused_total{reason="..."}}). */
    public static final String COUNTER = "gateway.keys.refused";

    /** How long one key's refusal is not logged again. */
    static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

    @Inject
    MetricRegistry metrics;

    private Consumer<String> counter;
    private Cache<String, Boolean> recentlyLogged;

    /** For the container. */
    public KeyRefusals() {
    }

    /**
     * Outside the container (tests, benchmarks).
     *
     * @param counter counts one refusal for a reason
     * @param ticker  the clock of the once-a-minute rule
     */
    public KeyRefusals(Consumer<String> counter, Ticker ticker) {
        this.counter = counter;
        this.recentlyLogged = newLogCache(ticker);
    }

    @PostConstruct
    void start() {
        counter = reason -> metrics.counter(COUNTER, new Tag("reason", reason)).inc();
        recentlyLogged = newLogCache(Ticker.systemTicker());
    }

    private static Cache<String, Boolean> newLogCache(Ticker ticker) {
        // Bounded: a flood of distinct bad keys may lose some log lines, never memory; the counter still counts.
        return Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(LOG_INTERVAL).ticker(ticker).build();
    }

    /**
     * Records one refusal.
     *
     * @param reason   the reason code (see {@link AccessKeyVerifier.InvalidKeyException#reason()})
     * @param keyHash  the hash the verifier keys its cache by, or null when no key was sent
     * @param jti      the key's {@code jti}, or null when unknown (not verified when the signature was not)
     * @param sub      the key's {@code sub} (site id), or null
     * @param detail   what the operator needs beyond the reason (for example both issuers), or null
     */
    public void refused(String reason, String keyHash, String jti, String sub, String detail) {
        counter.accept(reason);
        if (keyHash == null || recentlyLogged.asMap().putIfAbsent(keyHash, Boolean.TRUE) != null) {
            return;
        }
        LOG.info(() -> "Access key refused: " + reason + (detail == null ? "" : " (" + detail + ")")
                + "; jti=" + (jti == null ? "?" : jti) + " sub=" + (sub == null ? "?" : sub)
                + " key-sha256=" + keyHash.substring(0, Math.min(12, keyHash.length()))
                + " (logged once a minute per key)");
    }
}
