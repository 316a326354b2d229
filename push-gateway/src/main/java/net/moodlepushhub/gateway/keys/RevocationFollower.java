package net.moodlepushhub.gateway.keys;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;

import java.io.StringReader;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Follows the hub's revocation feed by long polling, so a revocation or suspension decided on the hub is
 * refused here within a fraction of a second. Every event is also stored in the gateway's database: after a
 * restart the gateway refuses what it already knew was revoked, even while the hub is unreachable.
 */
@ApplicationScoped
public class RevocationFollower {

    private static final Logger LOG = Logger.getLogger(RevocationFollower.class.getName());

    /** How long the hub may hold one poll. */
    static final int WAIT_SECONDS = 20;

    @Inject
    GatewayDatabase db;

    @Inject
    RevocationRegistry registry;

    @Resource
    ManagedThreadFactory threads;

    @Inject
    jakarta.enterprise.event.Event<SiteReinstated> reinstated;

    @Inject
    net.moodlepushhub.gateway.hub.HubConnection hub;

    @Inject
    AccessKeyVerifier verifier;
    private volatile Thread thread;
    private volatile boolean running;
    private volatile Instant lastContact = Instant.EPOCH;
    /** The first failed poll since the last one that succeeded; null while the feed is followed. */
    private volatile Instant failingSince;
    private volatile String lastError = "not started";

    /** Loads the stored revocations and starts following the feed. */
    public synchronized void start() {
        if (running) {
            return;
        }
        loadStored();
        running = true;
        thread = threads.newThread(this::follow);
        thread.setName("revocation-follower");
        thread.setDaemon(true);
        thread.start();
    }

    @PreDestroy
    synchronized void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** @return when the hub last answered the feed */
    public Instant lastContact() {
        return lastContact;
    }

    /**
     * How long the feed has been lost: since the first poll that failed after the last one that succeeded, so
     * that a long poll held open by a quiet hub (up to {@code WAIT_SECONDS}) does not count as lost time; a hub
     * that stops answering is noticed at once when it refuses connections, or when the poll times out.
     *
     * @return zero while the feed is followed; very long before the hub has ever answered
     */
    public Duration lostFor() {
        if (lastContact.equals(Instant.EPOCH)) {
            return Duration.between(Instant.EPOCH, Instant.now());
        }
        Instant since = failingSince;
        return since == null ? Duration.ZERO : Duration.between(since, Instant.now());
    }

    /** @return the last failure, or null when the last poll succeeded */
    public String lastError() {
        return lastError;
    }

    private void loadStored() {
        db.inTransaction(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select seq, subject_type, subject, action, not_after from revocation order by seq")) {
                while (rs.next()) {
                    Timestamp notAfter = rs.getTimestamp(5);
                    registry.apply(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), notAfter == null ? null : notAfter.toInstant());
                }
            }
            return null;
        });
        LOG.info(() -> "Revocation feed: resuming after sequence " + registry.lastSeq());
    }

    private void follow() {
        long backoff = 250;
        while (running) {
            try {
                poll();
                backoff = 250;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (failingSince == null) {
                    failingSince = Instant.now();
                }
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.log(Level.FINE, "revocation feed poll failed", e);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private void poll() throws Exception {
        // The first poll does not wait: it catches up and tells readiness at once that the hub is reachable
        // (a long poll on a quiet feed would keep a fresh gateway "not ready" for WAIT_SECONDS).
        int wait = lastContact.equals(Instant.EPOCH) ? 0 : WAIT_SECONDS;
        HttpResponse<String> response = hub.get("/api/v1/revocations?after=" + registry.lastSeq() + "&wait=" + wait,
                Duration.ofSeconds(wait + 10));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("hub answered " + response.statusCode());
        }
        JsonObject body;
        try (JsonReader reader = Json.createReader(new StringReader(response.body()))) {
            body = reader.readObject();
        }
        var events = body.getJsonArray("events");
        if (!events.isEmpty()) {
            store(events);
            for (JsonValue v : events) {
                JsonObject e = v.asJsonObject();
                registry.apply(e.getJsonNumber("seq").longValue(), e.getString("subjectType"), e.getString("subject"),
                        e.getString("action"), notAfter(e));
                // After the registry knows, so a request racing with this is refused by the registry check anyway.
                dropCached(verifier, e.getString("subjectType"), e.getString("subject"), e.getString("action"));
                if ("site".equals(e.getString("subjectType")) && "reinstate".equals(e.getString("action"))) {
                    reinstated.fire(new SiteReinstated(e.getString("subject")));
                }
            }
        }
        lastContact = Instant.now();
        failingSince = null;
        lastError = null;
    }

    /**
     * Drops the verifier's cached keys that an event refuses: a revoked key, or every key of a site that is
     * suspended or revoked (the verifier checks the registry on every request too; this frees the entries).
     */
    static void dropCached(AccessKeyVerifier verifier, String subjectType, String subject, String action) {
        if ("key".equals(subjectType) && "revoke".equals(action)) {
            verifier.forgetKey(subject);
        } else if ("site".equals(subjectType) && ("revoke".equals(action) || "suspend".equals(action))) {
            verifier.forgetSite(subject);
        }
    }

    private void store(jakarta.json.JsonArray events) {
        db.inTransaction(c -> {
            try (PreparedStatement exists = c.prepareStatement("select count(*) from revocation where seq = ?");
                 PreparedStatement insert = c.prepareStatement(
                         "insert into revocation (seq, subject_type, subject, action, not_after) values (?, ?, ?, ?, ?)")) {
                for (JsonValue v : events) {
                    JsonObject e = v.asJsonObject();
                    long seq = e.getJsonNumber("seq").longValue();
                    exists.setLong(1, seq);
                    try (ResultSet rs = exists.executeQuery()) {
                        rs.next();
                        if (rs.getLong(1) > 0) {
                            continue;
                        }
                    }
                    Instant notAfter = notAfter(e);
                    insert.setLong(1, seq);
                    insert.setString(2, e.getString("subjectType"));
                    insert.setString(3, e.getString("subject"));
                    insert.setString(4, e.getString("action"));
                    insert.setTimestamp(5, notAfter == null ? null : Timestamp.from(notAfter));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return null;
        });
    }

    private static Instant notAfter(JsonObject e) {
        return e.isNull("notAfter") ? null : Instant.parse(e.getString("notAfter"));
    }
}
