package net.moodlepushhub.gateway.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.provider.Platform;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a site reads about its notifications: per-notification summaries, recipients by state, tokens the push
 * services invalidated. Read only; the queue's writes are {@link DeliveryQueue}'s and {@link NotificationWrites}'.
 *
 * <p>A recipient's state is in one of two places (see {@link DeliveryQueue}): its batch, while it waits
 * ({@code queued}, also while its batch is being sent) and once delivered on its first attempt ({@code delivered});
 * or a delivery row of its own for any other state. Recipients read from their batch have no
 * {@code deliveryId}.</p>
 */
@ApplicationScoped
public class DeliveryReadModel {

    @Inject
    GatewayDatabase db;

    /**
     * One recipient's state, for the site.
     *
     * @param deliveryId its delivery row, or null while it is only an entry of its batch (queued, or delivered at
     *                   the first attempt)
     */
    public record RecipientState(Long deliveryId, String notificationId, long recipient, String token, String platform, String status, int attempts, String lastError, Instant updatedAt) {
    }

    /**
     * A notification as its site sees it.
     *
     * @param notificationId its id
     * @param kind           {@code send} or {@code broadcast}
     * @param channel        a broadcast's channel, else null
     * @param recipients     how many recipients it was queued for
     * @param createdAt      when it was accepted
     * @param counts         recipients by status (lower case)
     * @param deliveries     the first 1,000 recipients' states, by recipient
     */
    public record NotificationState(String notificationId, String kind, String channel, int recipients, Instant createdAt,
                                    Map<String, Long> counts, List<RecipientState> deliveries) {
    }

    /**
     * A token a push service rejected as dead; the gateway deleted it.
     *
     * @param token         the token
     * @param platform      {@code apns} or {@code fcm}
     * @param reason        the push service's reason
     * @param invalidatedAt when
     */
    public record InvalidatedToken(String token, String platform, String reason, Instant invalidatedAt) {
    }

    /**
     * @param siteId         the site (a site only sees its own notifications)
     * @param notificationId the notification
     * @return its summary (null when it is not the site's) and recipient states
     */
    public NotificationState notificationState(String siteId, String notificationId) {
        return db.inTransaction(c -> {
            String kind;
            String channel;
            int recipients;
            Instant createdAt;
            try (PreparedStatement st = c.prepareStatement("select kind, channel, recipients, created_at from notification where id = ? and site_id = ?")) {
                st.setString(1, notificationId);
                st.setString(2, siteId);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    kind = rs.getString(1);
                    channel = rs.getString(2);
                    recipients = rs.getInt(3);
                    createdAt = rs.getTimestamp(4).toInstant();
                }
            }
            Map<String, Long> counts = new LinkedHashMap<>();
            try (PreparedStatement st = c.prepareStatement("select status, count(*) from delivery where notification_id = ? group by status")) {
                st.setString(1, notificationId);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        counts.put(rs.getString(1).toLowerCase(), rs.getLong(2));
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("select coalesce(sum(delivered), 0), coalesce(sum(case when status <> 'DONE' then recipients - answered_count else 0 end), 0) from delivery_batch where notification_id = ?")) {
                st.setString(1, notificationId);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        counts.merge(DeliveryStatus.DELIVERED.wire(), rs.getLong(1), Long::sum);
                    }
                    if (rs.getLong(2) > 0) {
                        counts.merge(DeliveryStatus.QUEUED.wire(), rs.getLong(2), Long::sum);
                    }
                }
            }
            int notWritten = notExpanded(c, notificationId);
            if (notWritten > 0) {
                counts.put("expanding", (long) notWritten);
            }
            return new NotificationState(notificationId, kind, channel, recipients, createdAt, counts, firstRecipients(c, notificationId));
        });
    }

    /** The most recipients {@link NotificationState#deliveries()} lists. */
    static final int LISTED = 1000;

    /**
     * A notification's first {@link #LISTED} recipients, by recipient number. They are all in the batches of its
     * first chunk (a send's batches of index 0 hold its first 1,000 recipients per platform; a broadcast's first
     * chunk holds the lowest device ids) or among its rows.
     */
    private static List<RecipientState> firstRecipients(Connection c, String notificationId) throws SQLException {
        Map<Long, RecipientState> byRecipient = new TreeMap<>();
        try (PreparedStatement st = c.prepareStatement("select notification_id, seq, platform, targets, answered, updated_at from delivery_batch where notification_id = ? and seq < ?")) {
            st.setString(1, notificationId);
            // The first seq of chunk 1 (see NotificationWrites.seq): every batch before it is chunk 0's.
            st.setInt(2, NotificationWrites.seq(NotificationWrites.BATCHES_PER_CHUNK, Platform.values()[0]));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    for (RecipientState r : batchStates(rs, null)) {
                        byRecipient.put(r.recipient(), r);
                    }
                }
            }
        }
        // The rows win: a recipient that left its batch has its bit set there and its state here. Only the first
        // LISTED rows are needed: if there are more, every recipient after them is past the list's end anyway.
        for (RecipientState r : query(c, "select id, notification_id, recipient, token, platform, status, attempts, last_error, updated_at from delivery where notification_id = ? order by recipient limit " + LISTED, notificationId)) {
            byRecipient.put(r.recipient(), r);
        }
        return byRecipient.values().stream().limit(LISTED).toList();
    }

    /**
     * The recipients of the batch at the result set's row ({@code notification_id, seq, platform, targets,
     * answered, updated_at}) as their batch knows them: {@code queued} or, when answered, {@code delivered} (the
     * caller overrides those that have a row).
     *
     * @param only {@code queued} or {@code delivered} to keep only those, or null for both
     */
    private static List<RecipientState> batchStates(ResultSet rs, DeliveryStatus only) throws SQLException {
        String notificationId = rs.getString(1);
        String platform = rs.getString(3).toLowerCase();
        List<BatchTargets.Target> targets = BatchTargets.decode(rs.getBytes(4));
        BitSet answered = BitSet.valueOf(rs.getBytes(5));
        Instant updatedAt = rs.getTimestamp(6).toInstant();
        List<RecipientState> out = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            DeliveryStatus status = answered.get(i) ? DeliveryStatus.DELIVERED : DeliveryStatus.QUEUED;
            if (only == null || only == status) {
                BatchTargets.Target t = targets.get(i);
                out.add(new RecipientState(null, notificationId, t.recipient(), t.token(), platform, status.wire(),
                        status == DeliveryStatus.DELIVERED ? 1 : 0, null, updatedAt));
            }
        }
        return out;
    }

    /**
     * @param siteId the site
     * @param status which status
     * @param limit  most rows
     * @return the site's deliveries in that status, newest first
     */
    public List<RecipientState> bySiteAndStatus(String siteId, DeliveryStatus status, int limit) {
        if (status != DeliveryStatus.QUEUED && status != DeliveryStatus.DELIVERED) {
            // Only rows have these states: one statement, no transaction of its own (GatewayDatabase.autoCommit).
            return db.autoCommit(c -> rowsBySiteAndStatus(c, siteId, status, limit));
        }
        return db.inTransaction(c -> {
            List<RecipientState> all = new ArrayList<>(rowsBySiteAndStatus(c, siteId, status, limit));
            all.addAll(batchRecipientsBySite(c, siteId, status, limit));
            all.sort(Comparator.comparing(RecipientState::updatedAt).reversed());
            return all.size() > limit ? new ArrayList<>(all.subList(0, limit)) : all;
        });
    }

    private static List<RecipientState> rowsBySiteAndStatus(Connection c, String siteId, DeliveryStatus status, int limit) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("select id, notification_id, recipient, token, platform, status, attempts, last_error, updated_at from delivery where site_id = ? and status = ? order by updated_at desc limit ?")) {
            st.setString(1, siteId);
            st.setString(2, status.name());
            st.setInt(3, limit);
            return states(st);
        }
    }

    /**
     * The newest of a site's recipients that are queued or delivered in their batches: enough of the most recently
     * updated batches to hold {@code limit} of them. Delivered recipients that left their batch (their row says
     * how they ended) are not counted twice: a batch whose answers are all deliveries has none.
     */
    private static List<RecipientState> batchRecipientsBySite(Connection c, String siteId, DeliveryStatus status, int limit) throws SQLException {
        boolean delivered = status == DeliveryStatus.DELIVERED;
        // First the batches' sizes only, newest first, then the recipients of as many as are needed.
        List<BatchRef> batches = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(delivered
                ? "select notification_id, seq, delivered, answered_count from delivery_batch where site_id = ? and delivered > 0 order by updated_at desc limit ?"
                : "select notification_id, seq, recipients - answered_count, 0 from delivery_batch where site_id = ? and status <> 'DONE' order by updated_at desc limit ?")) {
            st.setString(1, siteId);
            st.setInt(2, limit);
            try (ResultSet rs = st.executeQuery()) {
                long found = 0;
                while (rs.next() && found < limit) {
                    batches.add(new BatchRef(new DeliveryQueue.BatchKey(rs.getString(1), rs.getInt(2)), delivered && rs.getInt(3) < rs.getInt(4)));
                    found += rs.getInt(3);
                }
            }
        }
        List<RecipientState> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("select notification_id, seq, platform, targets, answered, updated_at from delivery_batch where notification_id = ? and seq = ?")) {
            for (BatchRef b : batches) {
                st.setString(1, b.key().notificationId());
                st.setInt(2, b.key().seq());
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        List<RecipientState> states = batchStates(rs, status);
                        if (b.someLeft()) {
                            Set<Long> left = leftTheirBatch(c, b.key().notificationId(), states);
                            states = states.stream().filter(r -> !left.contains(r.recipient())).toList();
                        }
                        out.addAll(states);
                    }
                }
            }
        }
        return out;
    }

    /**
     * A batch to read recipients from.
     *
     * @param key      the batch
     * @param someLeft whether some of its answered recipients left it for a row of their own (answered, not delivered)
     */
    private record BatchRef(DeliveryQueue.BatchKey key, boolean someLeft) {
    }

    /** @return which of a notification's recipients have a row of their own */
    private static Set<Long> leftTheirBatch(Connection c, String notificationId, List<RecipientState> recipients) throws SQLException {
        Set<Long> left = new HashSet<>();
        if (recipients.isEmpty()) {
            return left;
        }
        try (PreparedStatement st = c.prepareStatement("select recipient from delivery where notification_id = ? and recipient in " + Sql.placeholders(recipients.size()))) {
            st.setString(1, notificationId);
            for (int i = 0; i < recipients.size(); i++) {
                st.setLong(i + 2, recipients.get(i).recipient());
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    left.add(rs.getLong(1));
                }
            }
        }
        return left;
    }

    /**
     * @param siteId the site
     * @param limit  most rows
     * @return tokens the push services invalidated, newest first
     */
    public List<InvalidatedToken> invalidatedTokens(String siteId, int limit) {
        return db.autoCommit(c -> {
            List<InvalidatedToken> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select token, platform, reason, invalidated_at from invalidated_token where site_id = ? order by invalidated_at desc limit ?")) {
                st.setString(1, siteId);
                st.setInt(2, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(new InvalidatedToken(rs.getString(1), rs.getString(2).toLowerCase(), rs.getString(3),
                                rs.getTimestamp(4).toInstant()));
                    }
                }
            }
            return out;
        });
    }

    private static List<RecipientState> query(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, arg);
            return states(st);
        }
    }

    private static List<RecipientState> states(PreparedStatement st) throws SQLException {
        List<RecipientState> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new RecipientState(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5).toLowerCase(),
                        rs.getString(6).toLowerCase(), rs.getInt(7), rs.getString(8), rs.getTimestamp(9).toInstant()));
            }
        }
        return out;
    }

    /**
     * @param notificationId a broadcast
     * @return how many of its recipients are not written yet (0 once expanded, or for a send)
     */
    private static int notExpanded(Connection c, String notificationId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("select n.recipients - e.expanded from broadcast_expansion e join notification n on n.id = e.notification_id where e.notification_id = ?")) {
            st.setString(1, notificationId);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Math.max(0, rs.getInt(1)) : 0;
            }
        }
    }
}
