package net.moodlepushhub.gateway.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.provider.Platform;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The durable delivery queue's operations: claiming work with a lease, recording answers, returning work whose
 * lease ran out. The unit claimed is a <em>batch</em> (up to 1,000 recipients of one notification on one
 * platform: one row written to claim them all); recipients to retry leave their batch and are claimed row by
 * row when due. Claims use {@code SELECT ... FOR UPDATE SKIP LOCKED}, so several instances share the queue. A
 * recipient's row is written once more with its answer, in batches; a batch row is deleted with the last answer
 * of its recipients, so a crash repeats at most the sends whose answers were not recorded yet.
 */
@ApplicationScoped
public class DeliveryQueue {

    @Inject
    GatewayDatabase db;

    /** A batch of one notification's recipients. */
    public record BatchKey(String notificationId, int seq) {
    }

    /**
     * Claims due batches of a platform, with their unanswered recipients. A batch whose recipients were all
     * answered already (its instance died after recording them) is deleted instead.
     *
     * @param platform the platform
     * @param batches  most batches
     * @param claimId  the claiming instance's id (see {@link #renewLeases})
     * @param lease    how long they stay ours
     * @return the claimed recipients, batch by batch
     */
    public List<Delivery> claimBatches(Platform platform, int batches, String claimId, Duration lease) {
        return db.inTransaction(c -> {
            Instant now = Instant.now();
            List<BatchKey> keys = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select notification_id, seq from delivery_batch where platform = ? and status = 'QUEUED' order by created_at limit ? for update skip locked")) {
                st.setString(1, platform.name());
                st.setInt(2, batches);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        keys.add(new BatchKey(rs.getString(1), rs.getInt(2)));
                    }
                }
            }
            List<Delivery> claimed = new ArrayList<>();
            if (keys.isEmpty()) {
                return claimed;
            }
            try (PreparedStatement mark = c.prepareStatement("update delivery_batch set status = 'CLAIMED', claim_id = ?, lease_until = ? where notification_id = ? and seq = ?");
                 PreparedStatement rows = c.prepareStatement("select id, notification_id, recipient, site_id, token, platform, attempts, batch_seq from delivery where notification_id = ? and batch_seq = ? and status = 'QUEUED'")) {
                List<BatchKey> empty = new ArrayList<>();
                for (BatchKey k : keys) {
                    rows.setString(1, k.notificationId());
                    rows.setInt(2, k.seq());
                    int before = claimed.size();
                    try (ResultSet rs = rows.executeQuery()) {
                        while (rs.next()) {
                            claimed.add(delivery(rs));
                        }
                    }
                    if (claimed.size() == before) {
                        empty.add(k);
                        continue;
                    }
                    mark.setString(1, claimId);
                    mark.setTimestamp(2, Timestamp.from(now.plus(lease)));
                    mark.setString(3, k.notificationId());
                    mark.setInt(4, k.seq());
                    mark.addBatch();
                }
                mark.executeBatch();
                deleteBatches(c, empty);
            }
            return claimed;
        });
    }

    /**
     * Claims due recipients outside any batch (retries, released and re-queued ones), row by row.
     *
     * @param platform the platform
     * @param limit    most rows
     * @param claimId  the claiming instance's id (see {@link #renewLeases})
     * @param lease    how long they stay ours
     * @return the claimed deliveries
     */
    public List<Delivery> claimRows(Platform platform, int limit, String claimId, Duration lease) {
        return db.inTransaction(c -> {
            Instant now = Instant.now();
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select id from delivery where status = 'QUEUED' and batch_seq is null and next_attempt_at <= ? and platform = ? order by next_attempt_at, id limit ? for update skip locked")) {
                st.setTimestamp(1, Timestamp.from(now));
                st.setString(2, platform.name());
                st.setInt(3, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            List<Delivery> claimed = new ArrayList<>(ids.size());
            if (ids.isEmpty()) {
                return claimed;
            }
            Sql.updateIdRanges(c, "update delivery set status = 'CLAIMED', claim_id = ?, lease_until = ? where status = 'QUEUED' and", ids,
                    claimId, Timestamp.from(now.plus(lease)));
            try (PreparedStatement st = c.prepareStatement("select id, notification_id, recipient, site_id, token, platform, attempts, batch_seq from delivery where id in " + Sql.placeholders(ids.size()))) {
                for (int i = 0; i < ids.size(); i++) {
                    st.setLong(i + 1, ids.get(i));
                }
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(delivery(rs));
                    }
                }
            }
            return claimed;
        });
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        int seq = rs.getInt(8);
        Integer batchSeq = rs.wasNull() ? null : seq;
        return new Delivery(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                Platform.valueOf(rs.getString(6)), rs.getInt(7), batchSeq);
    }

    /** What became of one delivery attempt. */
    public sealed interface Result {
        /** @return the delivery */
        Delivery delivery();
    }

    /** Accepted by the push service. */
    public record Delivered(Delivery delivery) implements Result {
    }

    /** To be tried again at a time; the attempt counts. */
    public record Retry(Delivery delivery, Instant at, String error) implements Result {
    }

    /** Not sent for a local reason (the gateway's own back-pressure): queued again, no attempt consumed. */
    public record Deferred(Delivery delivery, Instant at) implements Result {
    }

    /** Given up. */
    public record Failed(Delivery delivery, String error) implements Result {
    }

    /** The token is dead: delete it and record why. */
    public record InvalidToken(Delivery delivery, String reason) implements Result {
    }

    /** The site is suspended: hold. */
    public record Held(Delivery delivery) implements Result {
    }

    /**
     * Writes a batch of results in one transaction, and deletes the batches they complete.
     *
     * @param results   the results
     * @param completed batches whose last unanswered recipients are among {@code results}
     */
    public void record(List<Result> results, Collection<BatchKey> completed) {
        if (results.isEmpty() && completed.isEmpty()) {
            return;
        }
        db.inTransaction(c -> {
            Timestamp now = Timestamp.from(Instant.now());
            List<Long> delivered = new ArrayList<>();
            List<Long> held = new ArrayList<>();
            try (PreparedStatement retry = c.prepareStatement("update delivery set status = 'QUEUED', batch_seq = null, attempts = attempts + ?, next_attempt_at = ?, last_error = ?, claim_id = null, lease_until = null, updated_at = ? where id = ?");
                 PreparedStatement fail = c.prepareStatement("update delivery set status = ?, attempts = attempts + 1, last_error = ?, claim_id = null, lease_until = null, updated_at = ? where id = ?");
                 PreparedStatement deleteToken = c.prepareStatement("delete from device_token where site_id = ? and token = ?");
                 PreparedStatement invalidated = c.prepareStatement("insert into invalidated_token (site_id, token, platform, reason, invalidated_at) values (?, ?, ?, ?, ?)")) {
                boolean retries = false;
                boolean fails = false;
                boolean invalids = false;
                for (Result r : results) {
                    Delivery d = r.delivery();
                    if (r instanceof Delivered) {
                        delivered.add(d.id());
                    } else if (r instanceof Held) {
                        held.add(d.id());
                    } else if (r instanceof Retry x) {
                        retries = true;
                        retry.setInt(1, 1);
                        retry.setTimestamp(2, Timestamp.from(x.at()));
                        retry.setString(3, Sql.truncate(x.error(), 255));
                        retry.setTimestamp(4, now);
                        retry.setLong(5, d.id());
                        retry.addBatch();
                    } else if (r instanceof Deferred x) {
                        retries = true;
                        retry.setInt(1, 0);
                        retry.setTimestamp(2, Timestamp.from(x.at()));
                        retry.setString(3, null);
                        retry.setTimestamp(4, now);
                        retry.setLong(5, d.id());
                        retry.addBatch();
                    } else if (r instanceof Failed x) {
                        fails = true;
                        fail.setString(1, DeliveryStatus.FAILED.name());
                        fail.setString(2, Sql.truncate(x.error(), 255));
                        fail.setTimestamp(3, now);
                        fail.setLong(4, d.id());
                        fail.addBatch();
                    } else if (r instanceof InvalidToken x) {
                        fails = true;
                        invalids = true;
                        fail.setString(1, DeliveryStatus.INVALID_TOKEN.name());
                        fail.setString(2, Sql.truncate(x.reason(), 255));
                        fail.setTimestamp(3, now);
                        fail.setLong(4, d.id());
                        fail.addBatch();
                        deleteToken.setString(1, d.siteId());
                        deleteToken.setString(2, d.token());
                        deleteToken.addBatch();
                        invalidated.setString(1, d.siteId());
                        invalidated.setString(2, d.token());
                        invalidated.setString(3, d.platform().name());
                        invalidated.setString(4, Sql.truncate(x.reason(), 64));
                        invalidated.setTimestamp(5, now);
                        invalidated.addBatch();
                    }
                }
                if (retries) {
                    retry.executeBatch();
                }
                if (fails) {
                    fail.executeBatch();
                }
                if (invalids) {
                    deleteToken.executeBatch();
                    invalidated.executeBatch();
                }
            }
            Sql.updateIdRanges(c, "update delivery set status = 'DELIVERED', attempts = attempts + 1, claim_id = null, lease_until = null, updated_at = ? where", delivered, now);
            Sql.updateIdRanges(c, "update delivery set status = 'HELD', claim_id = null, lease_until = null, updated_at = ? where", held, now);
            deleteBatches(c, completed);
            return null;
        });
    }

    private static void deleteBatches(Connection c, Collection<BatchKey> batches) throws SQLException {
        if (batches.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("delete from delivery_batch where notification_id = ? and seq = ?")) {
            for (BatchKey k : batches) {
                st.setString(1, k.notificationId());
                st.setInt(2, k.seq());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /**
     * Extends the lease of everything an instance still holds. A lease only has to outlive a dead instance's
     * work, not the slowest send of a live one: a live instance renews its leases well before they run out, so
     * work it is still sending (behind a slow push service, or while the database was away) is not handed to
     * another instance and sent twice.
     *
     * @param claimId the instance's claim id
     * @param lease   how long from now they stay its
     * @return how many batches and rows were renewed
     */
    public int renewLeases(String claimId, Duration lease) {
        Timestamp until = Timestamp.from(Instant.now().plus(lease));
        // Two single statements, each its own transaction: renewal never holds locks on batches while it waits for
        // rows (the recorder takes them the other way round), and each finds its rows through an index.
        int batches = db.autoCommit(c -> {
            try (PreparedStatement st = c.prepareStatement("update delivery_batch set lease_until = ? where claim_id = ? and status = 'CLAIMED'")) {
                st.setTimestamp(1, until);
                st.setString(2, claimId);
                return st.executeUpdate();
            }
        });
        // Claimed rows are few (retries); the status index finds them without reading the queued ones.
        int rows = db.autoCommit(c -> {
            try (PreparedStatement st = c.prepareStatement("update delivery set lease_until = ? where status = 'CLAIMED' and claim_id = ?")) {
                st.setTimestamp(1, until);
                st.setString(2, claimId);
                return st.executeUpdate();
            }
        });
        return batches + rows;
    }

    /**
     * Returns work whose lease ran out (its instance died) to the queue: batches and single rows.
     *
     * @return how many batches and rows
     */
    public int requeueExpiredLeases() {
        return db.inTransaction(c -> {
            Timestamp now = Timestamp.from(Instant.now());
            int n;
            try (PreparedStatement st = c.prepareStatement("update delivery_batch set status = 'QUEUED', claim_id = null, lease_until = null where status = 'CLAIMED' and lease_until < ?")) {
                st.setTimestamp(1, now);
                n = st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("update delivery set status = 'QUEUED', claim_id = null, lease_until = null where status = 'CLAIMED' and lease_until < ?")) {
                st.setTimestamp(1, now);
                n += st.executeUpdate();
            }
            return n;
        });
    }

    /**
     * Releases a site's held deliveries back to the queue (the site was reinstated).
     *
     * @param siteId the site
     * @return how many
     */
    public int releaseHeld(String siteId) {
        return db.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("update delivery set status = 'QUEUED', batch_seq = null, next_attempt_at = ? where site_id = ? and status = 'HELD'")) {
                st.setTimestamp(1, Timestamp.from(Instant.now()));
                st.setString(2, siteId);
                return st.executeUpdate();
            }
        });
    }

    /**
     * Puts a site's failed deliveries of one notification (or all, when null) back in the queue.
     *
     * @param siteId         the site
     * @param notificationId the notification, or null for every failure of the site
     * @return how many
     */
    public int retryFailed(String siteId, String notificationId) {
        return db.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("update delivery set status = 'QUEUED', batch_seq = null, attempts = 0, next_attempt_at = ?, last_error = null where site_id = ? and status = 'FAILED'"
                    + (notificationId == null ? "" : " and notification_id = ?"))) {
                st.setTimestamp(1, Timestamp.from(Instant.now()));
                st.setString(2, siteId);
                if (notificationId != null) {
                    st.setString(3, notificationId);
                }
                return st.executeUpdate();
            }
        });
    }
}
