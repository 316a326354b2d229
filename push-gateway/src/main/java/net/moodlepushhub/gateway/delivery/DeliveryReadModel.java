package net.moodlepushhub.gateway.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a site reads about its notifications: per-notification summaries, recipients by state, tokens the push
 * services invalidated. Read only; the queue's writes are {@link DeliveryQueue}'s and {@link NotificationWrites}'.
 * A recipient waiting in a claimed batch reads as {@code queued} until its answer is recorded.
 */
@ApplicationScoped
public class DeliveryReadModel {

    @Inject
    GatewayDatabase db;

    /** One recipient's state, for the site. */
    public record RecipientState(long deliveryId, String notificationId, long recipient, String token, String platform, String status, int attempts, String lastError, Instant updatedAt) {
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
            int notWritten = notExpanded(c, notificationId);
            if (notWritten > 0) {
                counts.put("expanding", (long) notWritten);
            }
            return new NotificationState(notificationId, kind, channel, recipients, createdAt, counts,
                    query(c, "select id, notification_id, recipient, token, platform, status, attempts, last_error, updated_at from delivery where notification_id = ? order by recipient limit 1000", notificationId));
        });
    }

    /**
     * @param siteId the site
     * @param status which status
     * @param limit  most rows
     * @return the site's deliveries in that status, newest first
     */
    public List<RecipientState> bySiteAndStatus(String siteId, DeliveryStatus status, int limit) {
        // One statement: no transaction of its own (GatewayDatabase.autoCommit).
        return db.autoCommit(c -> {
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
