package net.moodlepushhub.gateway.tokens;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.GatewaySettings;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many device tokens each site has, for the device cap, without counting them on every registration
 * ({@code count(*)} over a site's index entries grows with the site: a million rows per request at a million
 * devices). A site's count is read from the database once, kept in memory and moved by this instance's own
 * registrations and deletions, and re-read in the background every {@code gateway.tokens.count-refresh} so
 * that what other instances, purges and the push services' invalidations changed is caught up with. The cap
 * is therefore exact for one instance between refreshes and may be overshot by the registrations other
 * instances made since the last refresh; it is a guard against abuse, not an accounting figure.
 */
@ApplicationScoped
public class DeviceCounts {

    @Inject
    GatewayDatabase db;

    @Inject
    GatewaySettings settings;

    private LoadingCache<String, AtomicLong> counts;

    @PostConstruct
    void start() {
        counts = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(Duration.ofHours(1))
                .refreshAfterWrite(settings.tokenCountRefresh())
                .build(this::count);
    }

    /**
     * @param siteId the site
     * @return its device tokens, as last counted plus this instance's changes since
     */
    public long of(String siteId) {
        return counts.get(siteId).get();
    }

    /** @param siteId a site that just gained a token */
    public void added(String siteId) {
        AtomicLong n = counts.getIfPresent(siteId);
        if (n != null) {
            n.incrementAndGet();
        }
    }

    /** @param siteId a site that just lost a token */
    public void removed(String siteId) {
        AtomicLong n = counts.getIfPresent(siteId);
        if (n != null) {
            n.decrementAndGet();
        }
    }

    private AtomicLong count(String siteId) {
        return db.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("select count(*) from device_token where site_id = ?")) {
                st.setString(1, siteId);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return new AtomicLong(rs.getLong(1));
                }
            }
        });
    }
}
