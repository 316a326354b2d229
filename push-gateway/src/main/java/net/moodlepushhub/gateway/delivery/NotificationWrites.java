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

/**
 * Writes accepted notifications: the notification, one delivery row per recipient and the batches the
 * recipients are claimed in (at most {@link #BATCH_SIZE} recipients of one platform each), all in the caller's
 * transaction, so what was accepted is durable before the answer. Batch {@code seq} numbers are
 * {@code index * platforms + platform.ordinal()}: a broadcast's {@code INSERT ... SELECT} computes them itself.
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
     * Stores a notification, its recipients and their batches in the caller's transaction: one bulk statement
     * per 1,000 recipients.
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
        Timestamp ts = Timestamp.from(now);
        insertNotificationRow(c, id, siteId, kind, channel, message, targets.size(), now);
        Map<Platform, Integer> perPlatform = new EnumMap<>(Platform.class);
        Map<Integer, int[]> batches = new HashMap<>(); // seq -> {platform ordinal, recipients}
        int[] seqs = new int[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            Platform p = targets.get(i).platform();
            int index = perPlatform.merge(p, 1, Integer::sum) - 1;
            seqs[i] = seq(index / BATCH_SIZE, p);
            batches.computeIfAbsent(seqs[i], s -> new int[]{p.ordinal(), 0})[1]++;
        }
        // One batched statement, which the MariaDB driver sends as a single COM_STMT_BULK_EXECUTE: the server parses
        // it once, not a thousand-row VALUES list of literals per request (a fifth of MariaDB's CPU went to parsing
        // those). What every row shares is in the statement's text, not bound per row: the driver encodes each bound
        // timestamp through a Calendar, two per recipient, which cost more than the rest of the row.
        String sql = "insert into delivery (notification_id, recipient, site_id, token, platform, status, attempts, next_attempt_at, updated_at, batch_seq) values (?, ?, ?, ?, ?, 'QUEUED', 0, "
                + sqlTimestamp(now) + ", " + sqlTimestamp(now) + ", ?)";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < targets.size(); i++) {
                Target t = targets.get(i);
                st.setString(1, id);
                st.setLong(2, t.recipient());
                st.setString(3, siteId);
                st.setString(4, t.token());
                st.setString(5, t.platform().name());
                st.setInt(6, seqs[i]);
                st.addBatch();
                if ((i + 1) % BATCH_SIZE == 0) {
                    st.executeBatch();
                }
            }
            if (targets.size() % BATCH_SIZE != 0) {
                st.executeBatch();
            }
        }
        try (PreparedStatement st = c.prepareStatement("insert into delivery_batch (notification_id, seq, site_id, platform, recipients, status, created_at) values (?, ?, ?, ?, ?, 'QUEUED', ?)")) {
            for (Map.Entry<Integer, int[]> b : batches.entrySet()) {
                st.setString(1, id);
                st.setInt(2, b.getKey());
                st.setString(3, siteId);
                st.setString(4, Platform.values()[b.getValue()[0]].name());
                st.setInt(5, b.getValue()[1]);
                st.setTimestamp(6, ts);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /**
     * Stores a broadcast: one delivery per confirmed token of the site (in the channel, unless it is the
     * site's default channel) and their batches, in two {@code INSERT ... SELECT} statements.
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
            Timestamp ts = Timestamp.from(now);
            insertNotificationRow(c, id, siteId, "broadcast", channel, message, 0, now);
            StringBuilder platformOrdinal = new StringBuilder("case");
            for (Platform p : Platform.values()) {
                platformOrdinal.append(" when t.platform = '").append(p.name()).append("' then ").append(p.ordinal());
            }
            platformOrdinal.append(" end");
            // The batch of a recipient: its index among the site's tokens of its platform, by 1,000s (see seq()).
            String seq = "floor((row_number() over (partition by t.platform order by t.id) - 1) / " + BATCH_SIZE + ") * " + Platform.values().length
                    + " + " + platformOrdinal;
            String select = "select ?, t.id, t.site_id, t.token, t.platform, 'QUEUED', 0, ?, ?, " + seq + " from device_token t where t.site_id = ? and t.confirmed = true"
                    + (defaultChannel ? "" : " and t.id in (select s.token_id from channel_subscription s where s.site_id = ? and s.channel = ?)");
            int count;
            try (PreparedStatement st = c.prepareStatement("insert into delivery (notification_id, recipient, site_id, token, platform, status, attempts, next_attempt_at, updated_at, batch_seq) " + select)) {
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
            // The site is the broadcast's and the platform follows from seq (see seq()): the grouping reads only the
            // (notification_id, batch_seq) index, not every new row.
            StringBuilder platformOfSeq = new StringBuilder("case mod(batch_seq, " + Platform.values().length + ")");
            for (Platform p : Platform.values()) {
                platformOfSeq.append(" when ").append(p.ordinal()).append(" then '").append(p.name()).append('\'');
            }
            platformOfSeq.append(" end");
            try (PreparedStatement st = c.prepareStatement("insert into delivery_batch (notification_id, seq, site_id, platform, recipients, status, created_at) "
                    + "select notification_id, batch_seq, ?, " + platformOfSeq + ", count(*), 'QUEUED', ? from delivery where notification_id = ? group by notification_id, batch_seq")) {
                st.setString(1, siteId);
                st.setTimestamp(2, ts);
                st.setString(3, id);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("update notification set recipients = ? where id = ?")) {
                st.setInt(1, count);
                st.setString(2, id);
                st.executeUpdate();
            }
            return count;
        });
    }

    private static final java.time.format.DateTimeFormatter SQL_TIMESTAMP =
            java.time.format.DateTimeFormatter.ofPattern("''yyyy-MM-dd HH:mm:ss.SSSSSS''");

    /**
     * @return a DATETIME(6) literal of an instant, in the JVM's time zone as the driver writes a bound
     * {@link Timestamp} (the gateway runs in UTC), so both read back the same
     */
    static String sqlTimestamp(Instant instant) {
        return SQL_TIMESTAMP.format(java.time.LocalDateTime.ofInstant(instant, java.time.ZoneId.systemDefault()));
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
