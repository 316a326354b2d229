package net.moodlepushhub.gateway.tokens;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.GatewaySettings;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.provider.Platform;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Device tokens, each bound to the site that registered it. A device key creates unconfirmed tokens (purged
 * after {@code gateway.tokens.unconfirmed-ttl} unless the site confirms them); a site key confirms them, and
 * in Moodle-compatibility mode creates them already confirmed, because unmodified Moodle registers tokens
 * from the site. A site only ever sees its own bindings.
 */
@ApplicationScoped
public class DeviceTokens {

    /** APNs device tokens: hexadecimal. */
    static final Pattern APNS_TOKEN = Pattern.compile("^[0-9a-fA-F]{64,200}$");
    /** FCM registration tokens: URL-safe characters and colons. */
    static final Pattern FCM_TOKEN = Pattern.compile("^[A-Za-z0-9_:\\-.]{20,512}$");

    @Inject
    GatewayDatabase db;

    @Inject
    GatewaySettings settings;

    @Inject
    net.moodlepushhub.gateway.quota.RateLimiter limiter;

    @Inject
    net.moodlepushhub.gateway.quota.SiteLimits limits;

    @Inject
    DeviceCounts counts;

    @Inject
    net.moodlepushhub.gateway.metrics.GatewayMetrics metrics = net.moodlepushhub.gateway.metrics.GatewayMetrics.disabled();

    /** What a registration did. */
    public enum Result {
        /** Newly created or newly confirmed. */
        CREATED,
        /** Already there; nothing changed. */
        EXISTS
    }

    /**
     * Checks a token's shape for its platform.
     *
     * @param token    the provider token
     * @param device   Moodle's device string (ios, android, iOS-fcm, Android-fcm)
     * @return the platform
     */
    public static Platform validate(String token, String device) {
        if (device == null || device.isBlank()) {
            throw Problem.of(GatewayProblem.MISSING_DEVICE, "The 'device' field (ios, android, iOS-fcm or Android-fcm) is required.").toException();
        }
        Platform platform;
        try {
            platform = Platform.forMoodleDevice(device.trim());
        } catch (IllegalArgumentException e) {
            throw Problem.of(GatewayProblem.UNKNOWN_DEVICE, "The device must be one of ios, android, iOS-fcm, Android-fcm.").toException();
        }
        Pattern shape = platform == Platform.APNS ? APNS_TOKEN : FCM_TOKEN;
        if (token == null || !shape.matcher(token).matches()) {
            throw Problem.of(GatewayProblem.INVALID_DEVICE_TOKEN, "This is not a valid " + (platform == Platform.APNS ? "APNs device token (hexadecimal)" : "FCM registration token") + ".").toException();
        }
        return platform;
    }

    /**
     * Registers a token for a site.
     *
     * @param siteId    the site
     * @param token     the provider token
     * @param device    Moodle's device string
     * @param confirmed true when a site key registers it
     * @return created or already there
     */
    public Result register(String siteId, String token, String device, boolean confirmed) {
        Platform platform = validate(token, device);
        limiter.require(siteId, limits.tokenRegistrationsPerMinute(), 1);
        // Plain reads and single-statement writes, no SELECT ... FOR UPDATE: locking a token that is not there
        // yet takes a gap lock on MariaDB, and two registrations into the same gap then deadlock on their inserts.
        // The unique index (site_id, token) decides concurrent registrations of the same token instead.
        long maxDevices = limits.maxDevices(siteId);
        boolean mayCreate = !confirmed || settings.legacyCreateConfirmed();
        if (mayCreate && counts.of(siteId) < maxDevices) {
            // The usual case, a token new to the site: insert at once, one statement, and let the unique index
            // say when it is there already (then as below); a new token costs one round trip, not two.
            if (insert(siteId, token, platform, device, confirmed)) {
                return created(siteId, platform);
            }
            Binding existing = find(siteId, token);
            return existing != null && confirmed ? confirm(existing, platform, device) : Result.EXISTS;
        }
        Binding existing = find(siteId, token);
        if (existing != null) {
            return confirmed ? confirm(existing, platform, device) : Result.EXISTS;
        }
        if (counts.of(siteId) >= maxDevices) {
            throw Problem.of(GatewayProblem.DEVICE_LIMIT, "This site has reached its limit of " + maxDevices
                    + " registered devices; ask the hub's operators for more.").with("limit", maxDevices).toException();
        }
        if (!mayCreate) {
            throw notRegistered();
        }
        if (insert(siteId, token, platform, device, confirmed)) {
            return created(siteId, platform);
        }
        // A concurrent registration of the same token committed first: it exists now.
        Binding raced = find(siteId, token);
        return raced != null && confirmed ? confirm(raced, platform, device) : Result.EXISTS;
    }

    /** A token new to the site was inserted: counted for the device cap and in the metrics. */
    private Result created(String siteId, Platform platform) {
        counts.added(siteId);
        metrics.deviceTokenRegistered(platform);
        return Result.CREATED;
    }

    /** @return false when the site has the token already (the unique index refused it) */
    private boolean insert(String siteId, String token, Platform platform, String device, boolean confirmed) {
        // One statement, atomic by itself: auto-commit, no transaction round trips around it.
        return db.autoCommit(c -> {
            Instant now = Instant.now();
            try (PreparedStatement insert = c.prepareStatement(
                    "insert into device_token (site_id, token, platform, device, confirmed, created_at, confirmed_at) values (?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, siteId);
                insert.setString(2, token);
                insert.setString(3, platform.name());
                insert.setString(4, device.trim());
                insert.setBoolean(5, confirmed);
                insert.setTimestamp(6, Timestamp.from(now));
                insert.setTimestamp(7, confirmed ? Timestamp.from(now) : null);
                insert.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (isDuplicateKey(e)) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** A site's binding of a token. */
    private record Binding(long id, boolean confirmed) {
    }

    private Binding find(String siteId, String token) {
        return db.autoCommit(c -> {
            try (PreparedStatement find = c.prepareStatement("select id, confirmed from device_token where site_id = ? and token = ?")) {
                find.setString(1, siteId);
                find.setString(2, token);
                try (ResultSet rs = find.executeQuery()) {
                    return rs.next() ? new Binding(rs.getLong(1), rs.getBoolean(2)) : null;
                }
            }
        });
    }

    /** A site key registering a token a device key created: it becomes confirmed (once, whoever is first). */
    private Result confirm(Binding existing, Platform platform, String device) {
        if (existing.confirmed()) {
            return Result.EXISTS;
        }
        int changed = db.autoCommit(c -> {
            try (PreparedStatement up = c.prepareStatement("update device_token set confirmed = true, confirmed_at = ?, platform = ?, device = ? where id = ? and confirmed = false")) {
                up.setTimestamp(1, Timestamp.from(Instant.now()));
                up.setString(2, platform.name());
                up.setString(3, device.trim());
                up.setLong(4, existing.id());
                return up.executeUpdate();
            }
        });
        return changed > 0 ? Result.CREATED : Result.EXISTS;
    }

    /** @return true for a unique-key violation (SQLState class 23; MariaDB 1062, H2 23505) */
    private static boolean isDuplicateKey(SQLException e) {
        return e instanceof java.sql.SQLIntegrityConstraintViolationException
                || (e.getSQLState() != null && e.getSQLState().startsWith("23")) || e.getErrorCode() == 1062;
    }

    /**
     * Removes a site's binding of a token.
     *
     * @param siteId the site
     * @param token  the token
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 404 token-not-registered} when the site has no such token
     */
    public void delete(String siteId, String token) {
        boolean deleted = db.autoCommit(c -> {
            try (PreparedStatement st = c.prepareStatement("delete from device_token where site_id = ? and token = ?")) {
                st.setString(1, siteId);
                st.setString(2, token);
                return st.executeUpdate() > 0;
            }
        });
        if (!deleted) {
            throw notRegistered();
        }
        counts.removed(siteId);
    }

    /**
     * @return the answer for a token the site has not registered, the same whoever else holds it
     */
    public static net.moodlepushhub.common.problem.ProblemException notRegistered() {
        return Problem.of(GatewayProblem.TOKEN_NOT_REGISTERED, "This device token is not registered for this site.").toException();
    }

    /**
     * Subscribes a site's token to channels.
     *
     * @param siteId   the site
     * @param token    the token
     * @param channels channel names
     */
    public void subscribe(String siteId, String token, List<String> channels) {
        db.inTransaction(c -> {
            long id = idOf(c, siteId, token);
            try (PreparedStatement exists = c.prepareStatement("select count(*) from channel_subscription where token_id = ? and channel = ?");
                 PreparedStatement insert = c.prepareStatement("insert into channel_subscription (token_id, site_id, channel) values (?, ?, ?)")) {
                for (String channel : channels) {
                    exists.setLong(1, id);
                    exists.setString(2, channel);
                    try (ResultSet rs = exists.executeQuery()) {
                        rs.next();
                        if (rs.getLong(1) > 0) {
                            continue;
                        }
                    }
                    insert.setLong(1, id);
                    insert.setString(2, siteId);
                    insert.setString(3, channel);
                    insert.executeUpdate();
                }
            }
            return null;
        });
    }

    /**
     * Deletes unconfirmed tokens older than the configured time to live.
     *
     * @return how many were deleted
     */
    public int purgeUnconfirmed() {
        return db.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("delete from device_token where confirmed = false and created_at < ?")) {
                st.setTimestamp(1, Timestamp.from(Instant.now().minus(settings.unconfirmedTtl())));
                return st.executeUpdate();
            }
        });
    }

    /**
     * @param siteUrl a site's URL
     * @return its default broadcast channel: the md5 of the URL, as in Moodle's original design
     */
    public static String defaultChannel(String siteUrl) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(siteUrl.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long idOf(Connection c, String siteId, String token) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("select id from device_token where site_id = ? and token = ? and confirmed = true")) {
            st.setString(1, siteId);
            st.setString(2, token);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw notRegistered();
                }
                return rs.getLong(1);
            }
        }
    }
}
