package net.moodlepushhub.hub.keys;

import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.persistence.HubDatabase;

/** Wires the hub's key services outside the container, for unit tests in other packages. */
public final class HubKeysForTests {

    private HubKeysForTests() {
    }

    /** @param db an open hub database @return its revocation feed */
    public static RevocationFeed feed(HubDatabase db) {
        RevocationFeed feed = new RevocationFeed();
        feed.db = db;
        return feed;
    }

    /**
     * @param db       an open hub database
     * @param settings the hub's settings (see {@code TestHub.settings})
     * @param feed     the feed revocations go to
     * @return a key issuer signing with the real signing keys on that database
     */
    public static KeyIssuer issuer(HubDatabase db, HubSettings settings, RevocationFeed feed) {
        SigningKeys signingKeys = new SigningKeys();
        signingKeys.db = db;
        signingKeys.settings = settings;
        KeyIssuer issuer = new KeyIssuer();
        issuer.signingKeys = signingKeys;
        issuer.settings = settings;
        issuer.feed = feed;
        return issuer;
    }
}
