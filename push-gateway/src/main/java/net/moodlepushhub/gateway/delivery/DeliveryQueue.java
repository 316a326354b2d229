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
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The durable delivery queue's operations: claiming work with a lease, recording answers, returning work whose
 * lease ran out. The unit claimed is a <em>batch</em> (up to 1,000 recipients of one notification on one
 * platform, held in the batch's row: see {@link BatchTargets}); a recipient that needs anything but one
 * successful send (a retry, a failure, a hold) leaves its batch for a delivery row of its own, claimed row by
 * row when due. Claims use {@code SELECT ... FOR UPDATE SKIP LOCKED}, so several instances share the queue.
 * Answers are written in batches: a batch's row records which of its recipients were answered (a bitmap) and how
 * many were delivered, so a crash repeats at most the sends whose answers were not recorded yet; a batch whose
 * recipients are all answered is {@code DONE} and stays, with its counts, for the read model.
 */
@ApplicationScoped
public class DeliveryQueue {

    @Inject
    GatewayDatabase db;

    /** A batch of one notification's recipients. */
    public record BatchKey(String notificationId, int seq) {
    }

    /**
     * A batch this instance claimed.
     *
     * @param key        the batch
     * @param size       all its recipients
     * @param answered   positions whose answers were recorded before this claim (not to be sent again)
     * @param recipients the recipients to send now: those not answered
     */
    public record ClaimedBatch(BatchKey key, int size, BitSet answered, List<Delivery> recipients) {
    }

    /**
     * Claims due batches of a platform, with their unanswered recipients. A batch whose recipients were all
     * answered already is marked done instead (it cannot happen through {@link #record}, which does that itself;
     * it guards against a batch written with no recipients).
     *
     * @param platform the platform
     * @param batches  most batches
     * @param claimId  the claiming instance's id (see {@link #renewLeases})
     * @param lease    how long they stay ours
     * @return the claimed batches
     */
    public List<ClaimedBatch> claimBatches(Platform platform, int batches, String claimId, Duration lease) {
        return db.inTransaction(c -> {
            Instant now = Instant.now();
            List<ClaimedBatch> claimed = new ArrayList<>();
            List<BatchKey> done = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select notification_id, seq, site_id, targets, answered from delivery_batch where platform = ? and status = 'QUEUED' order by created_at limit ? for update skip locked")) {
                st.setString(1, platform.name());
                st.setInt(2, batches);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        BatchKey key = new BatchKey(rs.getString(1), rs.getInt(2));
                        String siteId = rs.getString(3);
                        List<BatchTargets.Target> targets = BatchTargets.decode(rs.getBytes(4));
                        BitSet answered = BitSet.valueOf(rs.getBytes(5));
                        List<Delivery> open = new ArrayList<>(targets.size() - answered.cardinality());
                        for (int i = answered.nextClearBit(0); i < targets.size(); i = answered.nextClearBit(i + 1)) {
                            BatchTargets.Target t = targets.get(i);
                            open.add(Delivery.inBatch(key, i, t.recipient(), siteId, t.token(), platform));
                        }
                        if (open.isEmpty()) {
                            done.add(key);
                        } else {
                            claimed.add(new ClaimedBatch(key, targets.size(), answered, open));
                        }
                    }
                }
            }
            try (PreparedStatement mark = c.prepareStatement("update delivery_batch set status = 'CLAIMED', claim_id = ?, lease_until = ? where notification_id = ? and seq = ?")) {
                for (ClaimedBatch b : claimed) {
                    mark.setString(1, claimId);
                    mark.setTimestamp(2, Timestamp.from(now.plus(lease)));
                    mark.setString(3, b.key().notificationId());
                    mark.setInt(4, b.key().seq());
                    mark.addBatch();
                }
                if (!claimed.isEmpty()) {
                    mark.executeBatch();
                }
            }
            if (!done.isEmpty()) {
                try (PreparedStatement st = c.prepareStatement("update delivery_batch set status = 'DONE' where notification_id = ? and seq = ?")) {
                    for (BatchKey k : done) {
                        st.setString(1, k.notificationId());
                        st.setInt(2, k.seq());
                        st.addBatch();
                    }
                    st.executeBatch();
                }
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
            try (PreparedStatement st = c.prepareStatement("select id from delivery where status = 'QUEUED' and next_attempt_at <= ? and platform = ? order by next_attempt_at, id limit ? for update skip locked")) {
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
            try (PreparedStatement st = c.prepareStatement("select id, notification_id, recipient, site_id, token, platform, attempts from delivery where id in " + Sql.placeholders(ids.size()))) {
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
        return new Delivery(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                Platform.valueOf(rs.getString(6)), rs.getInt(7), null, 0);
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
     * What this instance knows of a batch it claimed.
     *
     * @param size     all its recipients
     * @param answered positions whose answers are recorded
     */
    public record BatchState(int size, BitSet answered) {

        /** @return whether every recipient's answer is recorded */
        public boolean complete() {
            return answered.cardinality() >= size;
        }
    }

    /**
     * What recording answers did to the batches they belong to.
     *
     * @param progress the state of the batches the caller holds, with these answers (the caller's to keep)
     * @param lost     batches the caller no longer holds (its lease ran out and another instance claimed them):
     *                 their answers were not recorded, the new holder sends what it finds unanswered
     */
    public record Recorded(Map<BatchKey, BatchState> progress, Set<BatchKey> lost) {
    }

    /**
     * Writes answers in one transaction. A recipient in a batch has its bit set in the batch's row; one that was
     * not delivered also gets a delivery row of its own with its state (to be retried, failed, held...). A batch
     * whose last answers these are is marked {@code DONE}. Answers for a batch the caller no longer holds are
     * dropped, so that two instances never both write one batch's bitmap.
     *
     * @param claimId the recording instance's claim id
     * @param results the answers
     * @param batches the state of each batch the results' recipients are in, before these answers
     * @return what became of those batches
     */
    public Recorded record(String claimId, List<Result> results, Map<BatchKey, BatchState> batches) {
        if (results.isEmpty()) {
            return new Recorded(Map.of(), Set.of());
        }
        return db.inTransaction(c -> {
            Timestamp now = Timestamp.from(Instant.now());
            List<Long> delivered = new ArrayList<>();
            List<Long> held = new ArrayList<>();
            Set<BatchKey> lost = notHeld(c, claimId, results);
            List<Result> recorded = lost.isEmpty() ? results : results.stream().filter(r -> !lost.contains(r.delivery().batch())).toList();
            Map<BatchKey, BatchState> after = progress(recorded, batches);
            Map<BatchKey, Integer> deliveredInBatch = new HashMap<>();
            try (PreparedStatement retry = c.prepareStatement("update delivery set status = 'QUEUED', attempts = attempts + ?, next_attempt_at = ?, last_error = ?, claim_id = null, lease_until = null, updated_at = ? where id = ?");
                 PreparedStatement fail = c.prepareStatement("update delivery set status = ?, attempts = attempts + 1, last_error = ?, claim_id = null, lease_until = null, updated_at = ? where id = ?");
                 // IGNORE: if the batch was claimed twice (its lease ran out under a live instance), the recipient's row
                 // may exist already; the first answer recorded stands.
                 PreparedStatement leave = c.prepareStatement("insert ignore into delivery (notification_id, recipient, site_id, token, platform, status, attempts, next_attempt_at, last_error, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement deleteToken = c.prepareStatement("delete from device_token where site_id = ? and token = ?");
                 PreparedStatement invalidated = c.prepareStatement("insert into invalidated_token (site_id, token, platform, reason, invalidated_at) values (?, ?, ?, ?, ?)")) {
                boolean retries = false;
                boolean fails = false;
                boolean leaves = false;
                boolean invalids = false;
                for (Result r : recorded) {
                    Delivery d = r.delivery();
                    BatchKey batch = d.batch();
                    if (batch != null) {
                        if (r instanceof Delivered) {
                            deliveredInBatch.merge(batch, 1, Integer::sum);
                        } else {
                            leaves = true;
                            leaveBatch(leave, r, now);
                        }
                    } else if (r instanceof Delivered) {
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
                    } else {
                        fails = true;
                        boolean invalid = r instanceof InvalidToken;
                        fail.setString(1, (invalid ? DeliveryStatus.INVALID_TOKEN : DeliveryStatus.FAILED).name());
                        fail.setString(2, Sql.truncate(error(r), 255));
                        fail.setTimestamp(3, now);
                        fail.setLong(4, d.id());
                        fail.addBatch();
                    }
                    if (r instanceof InvalidToken x) {
                        invalids = true;
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
                if (leaves) {
                    leave.executeBatch();
                }
                if (invalids) {
                    deleteToken.executeBatch();
                    invalidated.executeBatch();
                }
            }
            Sql.updateIdRanges(c, "update delivery set status = 'DELIVERED', attempts = attempts + 1, claim_id = null, lease_until = null, updated_at = ? where", delivered, now);
            Sql.updateIdRanges(c, "update delivery set status = 'HELD', claim_id = null, lease_until = null, updated_at = ? where", held, now);
            recordBatches(c, after, deliveredInBatch, now);
            return new Recorded(after, lost);
        });
    }

    /**
     * Locks the batches the answers belong to that the instance still holds, until the transaction ends (the
     * claimer skips them, a renewal waits); an instance holds a few batches at a time.
     *
     * @return the answers' batches it does not hold
     */
    private static Set<BatchKey> notHeld(Connection c, String claimId, List<Result> results) throws SQLException {
        Set<BatchKey> lost = new HashSet<>();
        for (Result r : results) {
            if (r.delivery().batch() != null) {
                lost.add(r.delivery().batch());
            }
        }
        if (lost.isEmpty()) {
            return lost;
        }
        try (PreparedStatement st = c.prepareStatement("select notification_id, seq from delivery_batch where claim_id = ? and status = 'CLAIMED' for update")) {
            st.setString(1, claimId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    lost.remove(new BatchKey(rs.getString(1), rs.getInt(2)));
                }
            }
        }
        return lost;
    }

    /**
     * @param results answers
     * @param before  the state of each batch the answers' recipients are in
     * @return the state of those batches with these answers (new objects: {@code before} is left as it was)
     */
    static Map<BatchKey, BatchState> progress(List<Result> results, Map<BatchKey, BatchState> before) {
        Map<BatchKey, BatchState> after = new HashMap<>();
        for (Result r : results) {
            BatchKey key = r.delivery().batch();
            if (key != null) {
                after.computeIfAbsent(key, k -> {
                    BatchState state = before.get(k);
                    if (state == null) {
                        throw new IllegalStateException("an answer for batch " + k + ", which this instance does not hold");
                    }
                    return new BatchState(state.size(), (BitSet) state.answered().clone());
                }).answered().set(r.delivery().batchIndex());
            }
        }
        return after;
    }

    /** Adds a batch recipient's row: its answer was not "delivered", so it leaves the batch with its state. */
    private static void leaveBatch(PreparedStatement leave, Result r, Timestamp now) throws SQLException {
        Delivery d = r.delivery();
        DeliveryStatus status;
        int attempts = d.attempts();
        Timestamp next = now;
        String error = error(r);
        if (r instanceof Retry x) {
            status = DeliveryStatus.QUEUED;
            attempts++;
            next = Timestamp.from(x.at());
        } else if (r instanceof Deferred x) {
            status = DeliveryStatus.QUEUED;
            next = Timestamp.from(x.at());
        } else if (r instanceof Held) {
            status = DeliveryStatus.HELD;
        } else {
            status = r instanceof InvalidToken ? DeliveryStatus.INVALID_TOKEN : DeliveryStatus.FAILED;
            attempts++;
        }
        leave.setString(1, d.notificationId());
        leave.setLong(2, d.recipient());
        leave.setString(3, d.siteId());
        leave.setString(4, d.token());
        leave.setString(5, d.platform().name());
        leave.setString(6, status.name());
        leave.setInt(7, attempts);
        leave.setTimestamp(8, next);
        leave.setString(9, error == null ? null : Sql.truncate(error, 255));
        leave.setTimestamp(10, now);
        leave.addBatch();
    }

    /** @return the error an answer records, or null */
    private static String error(Result r) {
        if (r instanceof Retry x) {
            return x.error();
        }
        if (r instanceof Failed x) {
            return x.error();
        }
        if (r instanceof InvalidToken x) {
            return x.reason();
        }
        return null;
    }

    /** Writes each batch's answered positions and deliveries; a batch with every answer recorded is done. */
    private static void recordBatches(Connection c, Map<BatchKey, BatchState> after, Map<BatchKey, Integer> delivered, Timestamp now) throws SQLException {
        if (after.isEmpty()) {
            return;
        }
        try (PreparedStatement progress = c.prepareStatement("update delivery_batch set answered = ?, answered_count = ?, delivered = delivered + ?, updated_at = ? where notification_id = ? and seq = ?");
             PreparedStatement done = c.prepareStatement("update delivery_batch set answered = ?, answered_count = ?, delivered = delivered + ?, updated_at = ?, status = 'DONE', claim_id = null, lease_until = null where notification_id = ? and seq = ?")) {
            boolean anyProgress = false;
            boolean anyDone = false;
            for (Map.Entry<BatchKey, BatchState> e : after.entrySet()) {
                BatchState state = e.getValue();
                PreparedStatement st = state.complete() ? done : progress;
                anyDone |= state.complete();
                anyProgress |= !state.complete();
                st.setBytes(1, state.answered().toByteArray());
                st.setInt(2, state.answered().cardinality());
                st.setInt(3, delivered.getOrDefault(e.getKey(), 0));
                st.setTimestamp(4, now);
                st.setString(5, e.getKey().notificationId());
                st.setInt(6, e.getKey().seq());
                st.addBatch();
            }
            if (anyProgress) {
                progress.executeBatch();
            }
            if (anyDone) {
                done.executeBatch();
            }
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
            try (PreparedStatement st = c.prepareStatement("update delivery set status = 'QUEUED', next_attempt_at = ? where site_id = ? and status = 'HELD'")) {
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
            try (PreparedStatement st = c.prepareStatement("update delivery set status = 'QUEUED', attempts = 0, next_attempt_at = ?, last_error = null where site_id = ? and status = 'FAILED'"
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
