package net.moodlepushhub.gateway.config;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/** Device tokens ({@code gateway.tokens.*}, {@code gateway.moodle.*}); converted once, at deployment. */
@ConfigProperties(prefix = "gateway")
@Dependent
public class TokenSettings {

    /** How long an unconfirmed device token lives. */
    @ConfigProperty(name = "tokens.unconfirmed-ttl", defaultValue = "PT1M")
    public Duration unconfirmedTtl;

    /** How often a site's device count is read again from the database. */
    @ConfigProperty(name = "tokens.count-refresh", defaultValue = "PT1M")
    public Duration countRefresh;

    /** Whether a site key's {@code POST /tokens/{pushid}} creates the token already confirmed (Moodle compatibility). */
    @ConfigProperty(name = "moodle.legacy-create-confirmed", defaultValue = "true")
    public boolean legacyCreateConfirmed;
}
