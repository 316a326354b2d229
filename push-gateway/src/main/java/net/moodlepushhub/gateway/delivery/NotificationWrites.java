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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes accepted notifications: the notification and the batches that hold its recipients (at most
 * {@link #BATCH_SIZE} of one platform each), in the caller's transaction, so what was accepted is durable before
 * the answer. Batch {@code seq} numbers are {@code index * platforms + platform.ordinal()}.
 */
@ApplicationScoped
public class NotificationWrites {

    /** Most recipients in one batch: the unit of claiming. */
    public static final int BATCH_SIZE = 1000;

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
        for (int from = 0; from < all.size(); from += 1000) {
            List<String> page = all.subList(from, Math.min(all.size(), from + 1000));
            try (PreparedStatement st = c.prepareStatement("select token, platform from device_token where site_id = ? and confirmed = true and token in " + Sql.placeholders(page.size()))) {
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
     * Stores a notification and its recipients, cut into batches, in the caller's transaction: one row per batch
     * of up to {@link #BATCH_SIZE} recipients of one platform, each holding its recipients (see {@link BatchTargets}).
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
        insertBatches(c, id, siteId, 0, targets, now);
    }

    /**
     * Cuts recipients into batches of one platform and at most {@link #BATCH_SIZE} each, in their order, and
     * stores them.
     *
     * @param firstIndex the index (per platform) of the first batch: batches of one notification never share a seq
     */
    private static void insertBatches(Connection c, String id, String siteId, int firstIndex, List<Target> targets, Instant now) throws SQLException {
        Map<Integer, List<BatchTargets.Target>> batches = new TreeMap<>();
        Map<Platform, Integer> perPlatform = new EnumMap<>(Platform.class);
        for (Target t : targets) {
            int index = perPlatform.merge(t.platform(), 1, Integer::sum) - 1;
            batches.computeIfAbsent(seq(firstIndex + index / BATCH_SIZE, t.platform()), s -> new ArrayList<>())
                    .add(new BatchTargets.Target(t.recipient(), t.token()));
        }
        if (batches.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(now);
        try (PreparedStatement st = c.prepareStatement("insert into delivery_batch (notification_id, seq, site_id, platform, recipients, status, targets, answered, answered_count, delivered, created_at, updated_at) "
                + "values (?, ?, ?, ?, ?, 'QUEUED', ?, ?, 0, 0, ?, ?)")) {
            for (Map.Entry<Integer, List<BatchTargets.Target>> b : batches.entrySet()) {
                st.setString(1, id);
                st.setInt(2, b.getKey());
                st.setString(3, siteId);
                st.setString(4, platformOf(b.getKey()).name());
                st.setInt(5, b.getValue().size());
                st.setBytes(6, BatchTargets.encode(b.getValue()));
                st.setBytes(7, new byte[0]);
                st.setTimestamp(8, ts);
                st.setTimestamp(9, ts);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Most devices a broadcast's expansion writes in one transaction: a whole number of batches per platform. */
    public static final int EXPANSION_CHUNK = 5 * BATCH_SIZE;

    /** Batches of one platform a chunk can fill: chunk {@code k} numbers its batches from {@code k} times this. */
    static final int BATCHES_PER_CHUNK = EXPANSION_CHUNK / BATCH_SIZE;

    /**
     * Accepts a broadcast: stores the notification and its audience (the site's confirmed devices, in the channel
     * unless it is the site's default channel, registered up to now) in one short transaction. Its recipients
     * are written afterwards, chunk by chunk, by {@link #expandNextChunk()}.
     *
     * @param id             the notification id
     * @param siteId         the site
     * @param channel        the channel
     * @param defaultChannel whether it is the site's default channel (every confirmed token)
     * @param message        what to send
     * @return the number of recipients (the devices in the audience when it was accepted)
     */
    public int acceptBroadcast(String id, String siteId, String channel, boolean defaultChannel, NotificationMessage message) {
        return db.inTransaction(c -> {
            Instant now = Instant.now();
            int count;
            long lastTokenId;
            try (PreparedStatement st = c.prepareStatement("select count(*), coalesce(max(t.id), 0) from device_token t where " + audience(defaultChannel))) {
                bindAudience(st, 1, siteId, defaultChannel ? null : channel);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    count = rs.getInt(1);
                    lastTokenId = rs.getLong(2);
                }
            }
            insertNotificationRow(c, id, siteId, "broadcast", channel, message, count, now);
            if (count > 0) {
                try (PreparedStatement st = c.prepareStatement("insert into broadcast_expansion (notification_id, site_id, channel, last_token_id, after_token_id, chunks, expanded, created_at) values (?, ?, ?, ?, 0, 0, 0, ?)")) {
                    st.setString(1, id);
                    st.setString(2, siteId);
                    st.setString(3, defaultChannel ? null : channel);
                    st.setLong(4, lastTokenId);
                    st.setTimestamp(5, Timestamp.from(now));
                    st.executeUpdate();
                }
            }
            return count;
        });
    }

    /** The devices of a broadcast's audience, as a condition on {@code device_token t}: site, then channel. */
    private static String audience(boolean everyDevice) {
        return "t.site_id = ? and t.confirmed = true" + (everyDevice ? "" : " and t.id in (select s.token_id from channel_subscription s where s.site_id = ? and s.channel = ?)");
    }

    private static int bindAudience(PreparedStatement st, int from, String siteId, String channel) throws SQLException {
        st.setString(from++, siteId);
        if (channel != null) {
            st.setString(from++, siteId);
            st.setString(from++, channel);
        }
        return from;
    }

    /**
     * Writes the next chunk of one accepted broadcast's recipients (at most {@link #EXPANSION_CHUNK} devices, in
     * device id order) and their batches, and advances its cursor, in one transaction. Several instances expand
     * different broadcasts at once: a broadcast being expanded is skipped by the others. The batches of chunk
     * {@code k} are numbered from {@code k * 5} per platform (see {@link #seq}), so chunks never share a batch.
     *
     * @return whether a chunk was written (more may follow), false when no broadcast waits for expansion
     */
    public boolean expandNextChunk() {
        return db.inTransaction(c -> {
            String id;
            String siteId;
            String channel;
            long lastTokenId;
            long after;
            int chunk;
            int expanded;
            try (PreparedStatement st = c.prepareStatement("select notification_id, site_id, channel, last_token_id, after_token_id, chunks, expanded from broadcast_expansion order by created_at limit 1 for update skip locked");
                 ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                id = rs.getString(1);
                siteId = rs.getString(2);
                channel = rs.getString(3);
                lastTokenId = rs.getLong(4);
                after = rs.getLong(5);
                chunk = rs.getInt(6);
                expanded = rs.getInt(7);
            }
            List<Target> devices = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select t.id, t.token, t.platform from device_token t where " + audience(channel == null)
                    + " and t.id > ? and t.id <= ? order by t.id limit " + EXPANSION_CHUNK)) {
                int i = bindAudience(st, 1, siteId, channel);
                st.setLong(i++, after);
                st.setLong(i, lastTokenId);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        // A broadcast's recipient numbers are device ids.
                        devices.add(new Target(rs.getLong(1), rs.getString(2), Platform.valueOf(rs.getString(3))));
                    }
                }
            }
            int written = devices.size();
            long reached = written == 0 ? after : devices.get(written - 1).recipient();
            insertBatches(c, id, siteId, chunk * BATCHES_PER_CHUNK, devices, Instant.now());
            if (written < EXPANSION_CHUNK) {
                // The audience is exhausted: the broadcast's recipients are what was written (devices removed since it
                // was accepted are not among them).
                try (PreparedStatement st = c.prepareStatement("delete from broadcast_expansion where notification_id = ?")) {
                    st.setString(1, id);
                    st.executeUpdate();
                }
                try (PreparedStatement st = c.prepareStatement("update notification set recipients = ? where id = ?")) {
                    st.setInt(1, expanded + written);
                    st.setString(2, id);
                    st.executeUpdate();
                }
            } else {
                try (PreparedStatement st = c.prepareStatement("update broadcast_expansion set after_token_id = ?, chunks = chunks + 1, expanded = expanded + ? where notification_id = ?")) {
                    st.setLong(1, reached);
                    st.setInt(2, written);
                    st.setString(3, id);
                    st.executeUpdate();
                }
            }
            return true;
        });
    }

    /** @return the platform of a batch, from its seq (see {@link #seq}) */
    static Platform platformOf(int seq) {
        return Platform.values()[seq % Platform.values().length];
    }

    /**
     * @param index    the batch's index among the notification's batches of that platform
     * @param platform the platform
     * @return the batch's seq within its notification
     */
    static int seq(int index, Platform platform) {
        return index * Platform.values().length + platform.ordinal();
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
     * Loads stored messages.
     *
     * @param notificationIds the notifications
     * @return id to message
     */
    public Map<String, NotificationMessage> messages(Collection<String> notificationIds) {
        return db.inTransaction(c -> {
            Map<String, NotificationMessage> found = new HashMap<>();
            List<String> ids = new ArrayList<>(notificationIds);
            try (PreparedStatement st = c.prepareStatement("select id, message from notification where id in " + Sql.placeholders(ids.size()))) {
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
}
