package net.moodlepushhub.hub.registration;

import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.web.HubExceptionMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The site life cycle, action by action and state by state: which transitions {@link Site} allows, the
 * state each leads to, and the problem a refused one is answered with.
 */
class SiteLifecycleTableTest {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    /** Expected answer for each action from each state: the slug of the refusal, or null when allowed. */
    private static final Map<Site.Action, Map<SiteStatus, String>> TABLE = new EnumMap<>(Site.Action.class);

    static {
        row(Site.Action.ACTIVATE, null, "not-pending", "not-pending", "not-pending", "not-pending", "not-pending");
        row(Site.Action.SUSPEND, "invalid-transition", null, "invalid-transition", "invalid-transition", "invalid-transition", "invalid-transition");
        row(Site.Action.REINSTATE, "invalid-transition", "invalid-transition", null, "invalid-transition", "invalid-transition", "invalid-transition");
        row(Site.Action.REVOKE, null, null, null, "invalid-transition", "invalid-transition", "invalid-transition");
        row(Site.Action.LIFT_REVOCATION, "invalid-transition", "invalid-transition", "invalid-transition", null, "invalid-transition", "invalid-transition");
        row(Site.Action.UNREGISTER, null, null, "site-suspended", "site-ended", "site-ended", "site-ended");
        row(Site.Action.REPLACE, "invalid-transition", null, "url-suspended", "invalid-transition", "invalid-transition", "invalid-transition");
        row(Site.Action.UPDATE, null, null, null, "site-ended", "site-ended", "site-ended");
        row(Site.Action.ROTATE_KEYS, "not-active", null, "not-active", "not-active", "not-active", "not-active");
    }

    /** Columns in the order of {@link SiteStatus}: pending, active, suspended, revoked, unregistered, replaced. */
    private static void row(Site.Action action, String... byStatus) {
        Map<SiteStatus, String> r = new EnumMap<>(SiteStatus.class);
        for (SiteStatus s : SiteStatus.values()) {
            r.put(s, byStatus[s.ordinal()]);
        }
        TABLE.put(action, r);
    }

    @Test
    void everyActionFromEveryStateIsAllowedOrRefusedAsTheTableSays() {
        assertEquals(Site.Action.values().length, TABLE.size());
        for (Site.Action action : Site.Action.values()) {
            for (SiteStatus status : SiteStatus.values()) {
                Site site = siteIn(status);
                String expected = TABLE.get(action).get(status);
                if (expected == null) {
                    site.require(action);
                    assertNull(Site.refusal(action, status, false), action + " from " + status);
                } else {
                    SiteTransitionException e = assertThrows(SiteTransitionException.class, () -> site.require(action),
                            action + " from " + status);
                    Problem p = HubExceptionMapper.problem(e);
                    assertEquals(expected, p.slug(), action + " from " + status);
                    assertEquals(409 == p.status() || 403 == p.status(), true, p.toString());
                }
            }
        }
    }

    @Test
    void transitionsLeadToTheirStates() {
        Site site = siteIn(SiteStatus.PENDING);
        site.activate("hash", NOW);
        assertEquals(SiteStatus.ACTIVE, site.getStatus());
        assertEquals(site.getUrl(), site.getLiveUrl());
        site.suspend("spam", NOW.plusSeconds(60), NOW);
        assertEquals(SiteStatus.SUSPENDED, site.getStatus());
        assertEquals(NOW.plusSeconds(60), site.getSuspendedUntil());
        assertEquals(site.getUrl(), site.getLiveUrl(), "a suspended site keeps its URL");
        site.reinstate(null, NOW);
        assertEquals(SiteStatus.ACTIVE, site.getStatus());
        assertNull(site.getSuspendedUntil());
        site.revoke("abuse", NOW);
        assertEquals(SiteStatus.REVOKED, site.getStatus());
        assertNull(site.getLiveUrl(), "an ended site releases its URL");
        site.liftRevocation(NOW);
        assertNotNull(site.getRevocationLiftedAt());
        assertEquals(SiteStatus.REVOKED, site.getStatus(), "lifting a revocation does not revive the site");
    }

    @Test
    void aRevocationIsLiftedOnce() {
        Site site = siteIn(SiteStatus.REVOKED);
        site.liftRevocation(NOW);
        SiteTransitionException e = assertThrows(SiteTransitionException.class, () -> site.liftRevocation(NOW));
        assertEquals("already-lifted", HubExceptionMapper.problem(e).slug());
    }

    @Test
    void aRefusedTransitionChangesNothing() {
        Site site = siteIn(SiteStatus.SUSPENDED);
        assertThrows(SiteTransitionException.class, () -> site.unregister("bye", NOW));
        assertEquals(SiteStatus.SUSPENDED, site.getStatus());
        assertEquals(site.getUrl(), site.getLiveUrl());
    }

    @Test
    void anInvalidTransitionNamesTheSitesStatus() {
        Site site = siteIn(SiteStatus.PENDING);
        SiteTransitionException e = assertThrows(SiteTransitionException.class, () -> site.suspend("x", null, NOW));
        Problem p = HubExceptionMapper.problem(e);
        assertEquals(409, p.status());
        assertEquals("pending", p.extensions().get("status"));
        assertEquals("A pending site cannot be suspended.", p.detail());
    }

    /** A site brought into {@code status} through the transitions themselves. */
    private static Site siteIn(SiteStatus status) {
        Site site = new Site("id-" + status, "https://moodle.example.org", "Example", "admin@example.org", 10, 5,
                new Challenge("t", "t.c", NOW.plusSeconds(3600)), NOW);
        switch (status) {
            case PENDING -> { }
            case ACTIVE -> site.activate("hash", NOW);
            case SUSPENDED -> {
                site.activate("hash", NOW);
                site.suspend("why", null, NOW);
            }
            case REVOKED -> site.revoke("why", NOW);
            case UNREGISTERED -> site.unregister("why", NOW);
            case REPLACED -> {
                site.activate("hash", NOW);
                site.replace("why", NOW);
            }
        }
        assertEquals(status, site.getStatus());
        return site;
    }
}
