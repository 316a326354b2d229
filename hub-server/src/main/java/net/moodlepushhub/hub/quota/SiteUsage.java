package net.moodlepushhub.hub.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateways' reports of how much of each delivery limit a site has left. A site is "near" a limit when
 * less than {@link #NEAR} of it remains, so its admin can act (or ask for more) before being refused.
 */
@ApplicationScoped
public class SiteUsage {

    /** Below this share of a limit left, the site is near it. */
    static final double NEAR = 0.2;

    @Inject
    HubDatabase db;

    /**
     * One limit's state for one site.
     *
     * @param siteId        the site
     * @param limit         the limit's name (e.g. notifications-day)
     * @param capacity      units per window
     * @param remaining     units left
     * @param windowSeconds the window
     */
    public record Report(String siteId, String limit, long capacity, long remaining, long windowSeconds) {
    }

    /**
     * One limit of a site as the gateways last reported it, for the site's admin and the hub's operators.
     *
     * @param limit         the limit's name (e.g. notifications-day)
     * @param capacity      units per window
     * @param remaining     units left
     * @param windowSeconds the window
     * @param nearLimit     whether less than a fifth of it is left
     * @param reportedAt    when a gateway reported it
     */
    public record Usage(String limit, long capacity, long remaining, long windowSeconds, boolean nearLimit, Instant reportedAt) {
    }

    /**
     * Stores the latest reports, replacing earlier ones for the same site and limit.
     *
     * @param reports what a gateway reported
     */
    public void record(List<Report> reports) {
        Instant now = Instant.now();
        db.run(em -> {
            for (Report r : reports) {
                em.createNativeQuery("delete from site_usage where site_id = ? and limit_name = ?")
                        .setParameter(1, r.siteId()).setParameter(2, r.limit()).executeUpdate();
                em.createNativeQuery("insert into site_usage (site_id, limit_name, capacity, remaining, window_seconds, reported_at) values (?, ?, ?, ?, ?, ?)")
                        .setParameter(1, r.siteId()).setParameter(2, r.limit()).setParameter(3, r.capacity())
                        .setParameter(4, Math.max(0, r.remaining())).setParameter(5, r.windowSeconds())
                        .setParameter(6, Timestamp.from(now)).executeUpdate();
            }
        });
    }

    /**
     * @param em     a transaction
     * @param siteId the site
     * @return its limits as last reported, with a {@code nearLimit} flag each
     */
    public List<Usage> forSite(EntityManager em, String siteId) {
        List<Usage> out = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select limit_name, capacity, remaining, window_seconds, reported_at from site_usage where site_id = ? order by limit_name")
                .setParameter(1, siteId).getResultList();
        for (Object[] row : rows) {
            long capacity = ((Number) row[1]).longValue();
            long remaining = ((Number) row[2]).longValue();
            Instant reportedAt = row[4] instanceof Timestamp t ? t.toInstant()
                    : ((java.time.LocalDateTime) row[4]).atZone(java.time.ZoneId.systemDefault()).toInstant();
            out.add(new Usage((String) row[0], capacity, remaining, ((Number) row[3]).longValue(), remaining < NEAR * capacity, reportedAt));
        }
        return out;
    }
}
