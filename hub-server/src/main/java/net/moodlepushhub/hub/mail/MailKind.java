package net.moodlepushhub.hub.mail;

import java.util.Locale;

/**
 * What a message is about. Each kind has a template pair in {@code /mail/<template>.txt} (first line
 * {@code Subject: ...}) and {@code /mail/<template>.html}, and a noun for the "3 more ... since" line of a
 * folded message.
 */
public enum MailKind {
    /** The site's registration was verified and activated. */
    REGISTERED("registrations"),
    /** The site's keys were rotated. */
    KEYS_ROTATED("key rotations"),
    /** Someone reported the site for abuse. */
    ABUSE_REPORT("reports"),
    /** The gateway's automatic thresholds reported the site. */
    AUTOMATIC_REPORT("automatic reports"),
    /** A hub admin suspended the site. */
    SUSPENDED("suspensions"),
    /** The site's suspension ended. */
    REINSTATED("reinstatements"),
    /** The site was revoked for good. */
    REVOKED("revocations"),
    /** The site reported more users than its limit: the grace period starts. */
    QUOTA_GRACE_STARTED("notices"),
    /** The grace period ran out: the gateways refuse the site's notifications. */
    QUOTA_GRACE_ENDED("notices"),
    /** The site is within its limit again. */
    QUOTA_OK("notices"),
    /** To hub operators: new abuse reports and automatic reports. */
    ADMIN_DIGEST("reports");

    private final String noun;

    MailKind(String noun) {
        this.noun = noun;
    }

    /** @return the template base name, e.g. {@code keys-rotated} */
    public String template() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @return what several folded events are called ("reports") */
    public String noun() {
        return noun;
    }
}
