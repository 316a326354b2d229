package net.moodlepushhub.db;

/**
 * The independently versioned schemas of this project. The hub and the gateway own separate databases in
 * production (they are separate services that may be operated by different people), so each has its own
 * migration history.
 */
public enum Schema {
    /** Sites, verification attempts, issued keys, signing keys, revocation feed, audit log. */
    HUB("db/migration/hub"),
    /** Device tokens, notifications, per-recipient deliveries, revocation cache. */
    GATEWAY("db/migration/gateway");

    private final String location;

    Schema(String location) {
        this.location = location;
    }

    /** @return the class-path location of this schema's Flyway migrations */
    public String location() {
        return location;
    }
}
