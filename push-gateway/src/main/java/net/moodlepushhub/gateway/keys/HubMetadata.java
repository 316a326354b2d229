package net.moodlepushhub.gateway.keys;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.GatewaySettings;
import net.moodlepushhub.gateway.hub.HubApi;
import net.moodlepushhub.gateway.hub.HubConnection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The issuer the gateway expects in access keys, and where it comes from.
 *
 * <p>The keys' {@code iss} is the hub's public URL, which need not be the URL the gateway reaches the hub by
 * ({@code gateway.hub-url}: a container network, a reverse proxy, {@code 127.0.0.1} against {@code localhost}).
 * So, unless {@code gateway.keys.issuer} sets it, the issuer is read from the hub's metadata
 * ({@code GET /.well-known/moodle-push-hub}) at start, and read again when a key names another issuer (at most
 * once per {@code gateway.keys.jwks-refresh-min-interval}: the hub may have been reconfigured, or unreachable
 * at start). Until the metadata has been read, the hub URL is assumed, as before the metadata existed, and it is
 * tried again every {@link #UNREAD_RETRY} in the background: a gateway started before its hub (as {@code ./run}
 * starts them, side by side) learns the issuer as soon as the hub answers, not at the first key that names it.
 * Until then a key naming another issuer reads the metadata again at once (at most once per
 * {@link #UNREAD_RETRY}): restarted side by side on the same data, the gateway was ready 0.5 s before its hub and
 * refused a good key as {@code wrong-issuer} 2 s later, when the hub had been answering for 1.7 s.</p>
 */
@ApplicationScoped
public class HubMetadata {

    private static final Logger LOG = Logger.getLogger(HubMetadata.class.getName());

    /** Where the hub publishes its metadata. */
    public static final String PATH = "/.well-known/moodle-push-hub";

    /** The expected issuer and its origin, as shown in {@code /health}. */
    public record Issuer(String issuer, String source) {
    }

    @Inject
    GatewaySettings settings;

    @Inject
    HubConnection hub;

    /** How often metadata not read yet is tried again. */
    static final Duration UNREAD_RETRY = Duration.ofSeconds(1);

    @Resource
    ManagedScheduledExecutorService scheduler;

    private volatile ScheduledFuture<?> retry;
    private volatile boolean read;

    private Clock clock = Clock.systemUTC();
    private volatile Issuer current;
    private volatile boolean fixed;
    private volatile Instant lastFetch = Instant.EPOCH;
    private volatile String hubAudience;

    /** For the container. */
    public HubMetadata() {
    }

    /**
     * An issuer that never changes, as {@code gateway.keys.issuer} makes it (also for tools and tests).
     *
     * @param issuer the expected issuer
     * @return the fixed source
     */
    public static HubMetadata fixed(String issuer) {
        HubMetadata m = new HubMetadata();
        m.current = new Issuer(issuer, "gateway.keys.issuer");
        m.fixed = true;
        return m;
    }

    @PostConstruct
    void start() {
        if (settings.issuer().isPresent()) {
            current = new Issuer(settings.issuer().get(), "gateway.keys.issuer");
            fixed = true;
            return;
        }
        current = new Issuer(settings.hubUrl(), "gateway.hub-url (the hub's metadata not read yet)");
        fetch();
        if (!read && scheduler != null) {
            retry = scheduler.scheduleWithFixedDelay(this::retryUnread, UNREAD_RETRY.toMillis(), UNREAD_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    void stop() {
        ScheduledFuture<?> task = retry;
        if (task != null) {
            task.cancel(false);
        }
    }

    private void retryUnread() {
        if (!read) {
            fetch();
        }
        ScheduledFuture<?> task = retry;
        if (read && task != null) {
            task.cancel(false);
        }
    }

    /**
     * @return true when the issuer is settled: configured ({@code gateway.keys.issuer}) or read from the hub's
     *         metadata; until then the gateway is not ready, because it may refuse good keys
     */
    public boolean known() {
        return fixed || read;
    }

    /** @return the issuer keys must carry */
    public Issuer issuer() {
        return current;
    }

    /** @return the audience the hub's metadata announced, or null when not known */
    public String hubAudience() {
        return hubAudience;
    }

    /**
     * Called when a verified key names another issuer: reads the hub's metadata again, unless the issuer is
     * configured or the metadata was read less than {@code gateway.keys.jwks-refresh-min-interval} ago.
     *
     * @param seen the key's {@code iss}
     * @return true when the expected issuer is now {@code seen}
     */
    public boolean refreshFor(String seen) {
        if (fixed || seen == null) {
            return false;
        }
        synchronized (this) {
            if (seen.equals(current.issuer())) {
                return true;
            }
            Duration least = read ? settings.jwksRefreshMinInterval() : UNREAD_RETRY;
            if (Duration.between(lastFetch, clock.instant()).compareTo(least) < 0) {
                return false;
            }
            fetch();
            return seen.equals(current.issuer());
        }
    }

    private synchronized void fetch() {
        lastFetch = clock.instant();
        String tried = String.join(", ", settings.hubUrls()) + " (" + PATH + ")";
        try {
            HubConnection.Answer response = hub.call(Duration.ofSeconds(3), true, HubApi::metadata);
            // Whichever of the listed hubs answered.
            String url = response.hub() + PATH;
            if (response.status() != 200) {
                LOG.warning(() -> "The hub's metadata " + url + " answered " + response.status() + "; expecting keys issued by "
                        + current.issuer() + " (" + current.source() + ")");
                return;
            }
            HubApi.Metadata body = response.read(HubApi.Metadata.class);
            String issuer = body.issuer() == null ? "" : body.issuer().trim();
            if (issuer.isEmpty()) {
                LOG.warning(() -> "The hub's metadata " + url + " names no issuer; expecting keys issued by " + current.issuer());
                return;
            }
            hubAudience = body.audience();
            read = true;
            Issuer previous = current;
            current = new Issuer(issuer, "the hub's metadata, " + url);
            if (!issuer.equals(previous.issuer())) {
                LOG.info(() -> "Access keys are expected from issuer " + issuer + " (read from " + url + ")"
                        + (settings.hubUrls().contains(issuer) ? "" : "; the gateway reaches that hub at " + url.substring(0, url.length() - PATH.length())));
            }
            if (hubAudience != null && !hubAudience.equals(settings.audience())) {
                LOG.warning(() -> "The hub issues keys for audience '" + hubAudience + "' but gateway.keys.audience is '"
                        + settings.audience() + "': every key will be refused");
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "The hub's metadata " + tried + " could not be read (" + e + "); expecting keys issued by "
                    + current.issuer() + " (" + current.source() + ") until it can");
        }
    }
}
