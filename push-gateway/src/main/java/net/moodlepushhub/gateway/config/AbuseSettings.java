package net.moodlepushhub.gateway.config;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/** When the gateway files abuse reports by itself ({@code gateway.abuse.*}). */
@ConfigProperties(prefix = "gateway.abuse")
@Dependent
public class AbuseSettings {

    /** The share of invalid tokens over an hour above which a site is reported. */
    @ConfigProperty(name = "invalid-token-share", defaultValue = "0.2")
    public double invalidTokenShare;

    /** The fewest deliveries either check looks at. */
    @ConfigProperty(name = "min-sample", defaultValue = "200")
    public long minSample;

    /** How many times its usual volume a site must send to be reported. */
    @ConfigProperty(name = "volume-jump", defaultValue = "10")
    public double volumeJump;

    /** How often the checks run. */
    @ConfigProperty(name = "check-interval", defaultValue = "PT5M")
    public Duration checkInterval;
}
