package net.moodlepushhub.common.keys;

import java.util.List;

/**
 * The two kinds of access key the hub issues. They differ in their JOSE {@code typ} header so that a
 * verifier can never accept one in place of the other (RFC 8725 section 3.12, mutually exclusive validation),
 * and in the scopes they carry: a site key sends, a device key only registers device tokens.
 */
public enum AccessKeyKind {

    /** Held by a Moodle site: sends to and confirms the device tokens registered to that site. */
    SITE("site", "mph-site+jwt", List.of(Scope.SEND, Scope.BROADCAST, Scope.CONFIRM_TOKEN)),

    /** Given to the site's app users' devices: may only create unconfirmed device tokens for that site. */
    DEVICE("device", "mph-device+jwt", List.of(Scope.CREATE_TOKEN));

    private final String label;
    private final String typ;
    private final List<String> scopes;

    AccessKeyKind(String label, String typ, List<String> scopes) {
        this.label = label;
        this.typ = typ;
        this.scopes = scopes;
    }

    /** @return the short name stored with issued keys ("site" or "device") */
    public String label() {
        return label;
    }

    /** @return the JOSE {@code typ} header value */
    public String typ() {
        return typ;
    }

    /** @return the scopes this kind carries */
    public List<String> scopes() {
        return scopes;
    }

    /** @return the {@code scope} claim value: the scopes separated by spaces (RFC 8693 style) */
    public String scopeClaim() {
        return String.join(" ", scopes);
    }

    /**
     * @param typ a JOSE {@code typ} header value
     * @return the kind with that {@code typ}, or null
     */
    public static AccessKeyKind forTyp(String typ) {
        for (AccessKeyKind kind : values()) {
            if (kind.typ.equals(typ)) {
                return kind;
            }
        }
        return null;
    }

    /** Scope names. */
    public static final class Scope {
        /** Send a notification to device tokens. */
        public static final String SEND = "send";
        /** Send to every device subscribed to a channel. */
        public static final String BROADCAST = "broadcast";
        /** Confirm (or, in Moodle compatibility mode, create confirmed) a device token for the site. */
        public static final String CONFIRM_TOKEN = "confirm_token";
        /** Create an unconfirmed device token. */
        public static final String CREATE_TOKEN = "create_token";

        private Scope() {
        }
    }

    /** Names of the private claims carried by access keys, beside the registered ones. */
    public static final class Claims {
        /** Space-separated scopes. */
        public static final String SCOPE = "scope";
        /** The site's normalised URL (Moodle's wwwroot). */
        public static final String SITE_URL = "site_url";

        private Claims() {
        }
    }
}
