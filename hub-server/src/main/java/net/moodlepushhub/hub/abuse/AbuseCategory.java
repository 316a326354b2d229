package net.moodlepushhub.hub.abuse;

/** What an abuse report is about. */
public enum AbuseCategory {
    /** Unsolicited notifications. */
    SPAM,
    /** Notifications luring users to fake log-in pages. */
    PHISHING,
    /** Far more notifications than a school's site plausibly sends. */
    EXCESSIVE_VOLUME,
    /** Anything else, explained in the text. */
    OTHER;

    /** @return the name used on the wire ({@code excessive-volume}) */
    public String wire() {
        return name().toLowerCase().replace('_', '-');
    }

    /** The accepted wire names, for validation. */
    public static final String PATTERN = "^(spam|phishing|excessive-volume|other)$";

    /**
     * @param wire a wire name
     * @return the category
     */
    public static AbuseCategory fromWire(String wire) {
        return valueOf(wire.toUpperCase().replace('-', '_'));
    }
}
