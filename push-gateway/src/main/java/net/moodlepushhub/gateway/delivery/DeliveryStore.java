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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The durable delivery queue in the gateway's database: one row per recipient, claimed by one instance at a
 * time with a lease, updated in batches as the push services answer.
 */
@ApplicationScoped
public class DeliveryStore {

    @Inject
    GatewayDatabase db;

    /** A recipient of a send request that resolved to a confirmed token of the site. */
    public record Target(long recipient, String token, Platform platform) {
    }

    /**
     * Finds which of the given tokens are confirmed for the site.
     *
     * @param c      the transaction
     * @param siteId the site
     * @param tokens candidate tokens
     * @return token to platform, for those confirmed
     * @throws SQLException on failure
     */
    public Map<String, Platform> confirmedTokens(Connection c, String siteId, Collection<String> tokens) throws SQLException {
        Map<String, Platform> found = new HashMap<>();
        List<String> all = new ArrayList<>(tokens);
        for (int from = 0; from < all.size(); from += 500) {
            List<String> page = all.subList(from, Math.min(all.size(), from + 500));
            try (PreparedStatement st = c.prepareStatement("select token, platform from device_token where site_id = ? and confirmed = true and token in " + placeholders(page.size()))) {
                st.setString(1, siteId);
                for (int i = 0; i < page.size(); i++) {
                    st.setString(i + 2, page.get(i));
                }
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getString(1), Platform.valueOf(rs.getString(2)));
                    }
                }
            }
        }
        return found;
    }

    /**
     * Stores a notification and its recipients in the caller's transaction.
     *
     * @param c       the transaction
     * @param id      the notification id
     * @param siteId  the site
     * @param kind    "send" or "broadcast"
     * @param channel the broadcast channel, or null
     * @param message what to send
     * @param targets the recipients
     * @throws SQLException on failure
     */
    public void insertNotification(Connection c, String id, String siteId, String kind, String channel, NotificationMessage message, List<Target> targets) throws SQLException {
        Instant now = Instant.now();
        insertNotificationRow(c, id, siteId, kind, channel, message, targets.size(), now);
        try (PreparedStatement st = c.prepareStatement("insert into delivery (notification_id, recipient, site_id, token, platform, status, attempts, next_attempt_at, updated_at) values (?, ?, ?, ?, ?, 'QUEUED', 0, ?, ?)")) {
            Timestamp ts = Timestamp.from(now);
            for (Target t : targets) {
                st.setString(1, id);
                st.setLong(2, t.recipient());
                st.setString(3, siteId);
                st.setString(4, t.token());
                st.setString(5, t.platform().name());
                st.setTimestamp(6, ts);
                st.setTimestamp(7, ts);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /**
     * Stores a broadcast: one delivery per confirmed token of the site (in the channel, unless it is the
     * site's default channel), in one statement.
     *
     * @param id             the notification id
     * @param siteId         the site
     * @param channel        the channel
     * @param defaultChannel whether it is the site's default channel (every confirmed token)
     * @param message        what to send
     * @return the number of recipients
     */
    public int insertBroadcast(String id, String siteId, String channel, boolean defaultChannel, NotificationMessage message) {
        return db.inTransaction(c -> {
            Instant now = Instant.now();
            insertNotificationRow(c, id, siteId, "broadcast", channel, message, 0, now);
            String select = "select ?, t.id, t.site_id, t.token, t.platform, 'QUEUED', 0, ?, ? from device_token t where t.site_id = ? and t.confirmed = true"
                    + (defaultChannel ? "" : " and t.id in (select s.token_id from channel_subscription s where s.site_id = ? and s.channel = ?)");
            int count;
            try (PreparedStatement st = c.prepareStatement("insert into delivery (notification_id, recipient, site_id, token, platform, status, attempts, next_attempt_at, updated_at) " + select)) {
                Timestamp ts = Timestamp.from(now);
                st.setString(1, id);
                st.setTimestamp(2, ts);
                st.setTimestamp(3, ts);
                st.setString(4, siteId);
                if (!defaultChannel) {
                    st.setString(5, siteId);
                    st.setString(6, channel);
                }
                count = st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("update notification set recipients = ? where id = ?")) {
                st.setInt(1, count);
                st.setString(2, id);
                st.executeUpdate();
            }
            return count;
        });
    }

    private static void insertNotificationRow(Connection c, String id, String siteId, String kind, String channel, NotificationMessage message, int recipients, Instant now) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("insert into notification (id, site_id, kind, channel, message, recipients, created_at) values (?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, id);
            st.setString(2, siteId);
            st.setString(3, kind);
            st.setString(4, channel);
            st.setString(5, message.toJson());
            st.setInt(6, recipients);
            st.setTimestamp(7, Timestamp.from(now));
            st.executeUpdate();
        }
    }

    /**
     * Claims up to {@code limit} due deliveries for this instance.
     *
     * @param limit most rows
     * @param lease how long they stay ours
     * @return the claimed deliveries
     */
    public List<Delivery> claim(int limit, Duration lease) {
        String claimId = UUID.randomUUID().toString();
        return db.inTransaction(c -> {
            Instant now = Instant.now();
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select id from delivery where status = 'QUEUED' and next_attempt_at <= ? order by next_attempt_at, id limit ? for update skip locked")) {
                st.setTimestamp(1, Timestamp.from(now));
                st.setInt(2, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            if (ids.isEmpty()) {
                return List.<Delivery>of();
            }
            updateIn(c, "update delivery set status = 'CLAIMED', claim_id = ?, lease_until = ? where status = 'QUEUED' and id in ", ids,
                    claimId, Timestamp.from(now.plus(lease)));
            List<Delivery> claimed = new ArrayList<>(ids.size());
            try (PreparedStatement st = c.prepareStatement("select id, notification_id, recipient, site_id, token, platform, attempts from delivery where claim_id = ?")) {
                st.setString(1, claimId);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(new Delivery(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                                Platform.valueOf(rs.getString(6)), rs.getInt(7)));
                    }
                }
            }
            return claimed;
        });
    }

    /**
     * Loads stored messages.
     *
     * @param notificationIds the notifications
     * @return id to message
     */
    public Map<String, NotificationMessage> messages(Collection<String> notificationIds) {
        return db.inTransaction(c -> {
            Map<String, NotificationMessage> found = new HashMap<>();
            List<String> ids = new ArrayList<>(notificationIds);
            try (PreparedStatement st = c.prepareStatement("select id, message from notification where id in " + placeholders(ids.size()))) {
                for (int i = 0; i < ids.size(); i++) {
                    st.setString(i + 1, ids.get(i));
                }
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getString(1), NotificationMessage.fromJson(rs.getString(2)));
                    }
                }
            }
            return found;
        });
    }

    /** What became of one delivery attempt. */
    public sealed interface Result {
        /** @return the delivery */
        Delivery delivery();
    }

    /** Accepted by the push service. */
    public record Delivered(Delivery delivery) implements Result {
    }

    /** To be tried again at a time. */
    public record Retry(Delivery delivery, Instant at, String error) implements Result {
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
     * Writes a batch of results in one transaction.
     *
     * @param results the results
     */
    public void record(List<Result> results) {
        if (results.isEmpty()) {
            return;
        }
        db.inTransaction(c -> {
            Timestamp now = Timestamp.from(Instant.now());
            List<Long> delivered = new ArrayList<>();
            List<Long> held = new ArrayList<>();
            try (PreparedStatement retry = c.prepareStatement("update delivery set status = 'QUEUED', attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claim_id = null, lease_until = null, updated_at = ? where id = ?");
                 PreparedStatement fail = c.prepareStatement("update delivery set status = ?, attempts = attempts + 1, last_error = ?, claim_id = null, lease_until = null, updated_at = ? where id = ?");
                 PreparedStatement deleteToken = c.prepareStatement("delete from device_token where site_id = ? and token = ?");
                 PreparedStatement invalidated = c.prepareStatement("insert into invalidated_token (site_id, token, platform, reason, invalidated_at) values (?, ?, ?, ?, ?)")) {
                for (Result r : results) {
                    Delivery d = r.delivery();
                    if (r instanceof Delivered) {
                        delivered.add(d.id());
                    } else if (r instanceof Held) {
                        held.add(d.id());
                    } else if (r instanceof Retry x) {
                        retry.setTimestamp(1, Timestamp.from(x.at()));
                        retry.setString(2, truncate(x.error()));
                        retry.setTimestamp(3, now);
                        retry.setLong(4, d.id());
                        retry.addBatch();
                    } else if (r instanceof Failed x) {
                        fail.setString(1, DeliveryStatus.FAILED.name());
                        fail.setString(2, truncate(x.error()));
                        fail.setTimestamp(3, now);
                        fail.setLong(4, d.id());
                        fail.addBatch();
                    } else if (r instanceof InvalidToken x) {
                        fail.setString(1, DeliveryStatus.INVALID_TOKEN.name());
                        fail.setString(2, truncate(x.reason()));
                        fail.setTimestamp(3, now);
                        fail.setLong(4, d.id());
                        fail.addBatch();
                        deleteToken.setString(1, d.siteId());
                        deleteToken.setString(2, d.token());
                        deleteToken.addBatch();
                        invalidated.setString(1, d.siteId());
                        invalidated.setString(2, d.token());
                        invalidated.setString(3, d.platform().name());
                        invalidated.setString(4, truncateTo(x.reason(), 64));
                        invalidated.setTimestamp(5, now);
                        invalidated.addBatch();
                    }
                }
                retry.executeBatch();
                fail.executeBatch();
                deleteToken.executeBatch();
                invalidated.executeBatch();
            }
            updateIn(c, "update delivery set status = 'DELIVERED', attempts = attempts + 1, claim_id = null, lease_until = null, updated_at = ? where id in ", delivered, now);
            updateIn(c, "update delivery set status = 'HELD', claim_id = null, lease_until = null, updated_at = ? where id in ", held, now);
            return null;
        });
    }

    /**
     * Returns deliveries whose lease ran out (their instance died) to the queue.
     *
     * @return how many
     */
    public int requeueExpiredLeases() {
        return db.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("update delivery set status = 'QUEUED', claim_id = null, lease_until = null where status = 'CLAIMED' and lease_until < ?")) {
                st.setTimestamp(1, Timestamp.from(Instant.now()));
                return st.executeUpdate();
            }
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

    /** One recipient's state, for the site. */
    public record RecipientState(long deliveryId, String notificationId, long recipient, String token, String platform, String status, int attempts, String lastError, Instant updatedAt) {
    }

    /**
     * @param siteId         the site (a site only sees its own notifications)
     * @param notificationId the notification
     * @return its summary (null when it is not the site's) and recipient states
     */
    public Map<String, Object> notificationState(String siteId, String notificationId) {
        return db.inTransaction(c -> {
            Map<String, Object> out = new LinkedHashMap<>();
            try (PreparedStatement st = c.prepareStatement("select kind, channel, recipients, created_at from notification where id = ? and site_id = ?")) {
                st.setString(1, notificationId);
                st.setString(2, siteId);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    out.put("notificationId", notificationId);
                    out.put("kind", rs.getString(1));
                    out.put("channel", rs.getString(2));
                    out.put("recipients", rs.getInt(3));
                    out.put("createdAt", rs.getTimestamp(4).toInstant().toString());
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
            out.put("counts", counts);
            out.put("deliveries", query(c, "select id, notification_id, recipient, token, platform, status, attempts, last_error, updated_at from delivery where notification_id = ? order by recipient limit 1000", notificationId));
            return out;
        });
    }

    /**
     * @param siteId the site
     * @param status which status
     * @param limit  most rows
     * @return the site's deliveries in that status, newest first
     */
    public List<RecipientState> bySiteAndStatus(String siteId, DeliveryStatus status, int limit) {
        return db.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("select id, notification_id, recipient, token, platform, status, attempts, last_error, updated_at from delivery where site_id = ? and status = ? order by updated_at desc limit ?")) {
                st.setString(1, siteId);
                st.setString(2, status.name());
                st.setInt(3, limit);
                return states(st);
            }
        });
    }

    /**
     * @param siteId the site
     * @param limit  most rows
     * @return tokens the push services invalidated, newest first
     */
    public List<Map<String, Object>> invalidatedTokens(String siteId, int limit) {
        return db.inTransaction(c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select token, platform, reason, invalidated_at from invalidated_token where site_id = ? order by invalidated_at desc limit ?")) {
                st.setString(1, siteId);
                st.setInt(2, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("token", rs.getString(1));
                        m.put("platform", rs.getString(2).toLowerCase());
                        m.put("reason", rs.getString(3));
                        m.put("invalidatedAt", rs.getTimestamp(4).toInstant().toString());
                        out.add(m);
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

    private static void updateIn(Connection c, String sqlPrefix, List<Long> ids, Object... leading) throws SQLException {
        for (int from = 0; from < ids.size(); from += 1000) {
            List<Long> page = ids.subList(from, Math.min(ids.size(), from + 1000));
            try (PreparedStatement st = c.prepareStatement(sqlPrefix + placeholders(page.size()))) {
                int i = 1;
                for (Object o : leading) {
                    st.setObject(i++, o);
                }
                for (Long id : page) {
                    st.setLong(i++, id);
                }
                st.executeUpdate();
            }
        }
    }

    /** @return {@code (?, ?, ...)} with n parameters, for an {@code IN} list */
    private static String placeholders(int n) {
        return "(" + String.join(",", java.util.Collections.nCopies(n, "?")) + ")";
    }

    private static String truncate(String s) {
        return truncateTo(s, 255);
    }

    private static String truncateTo(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
