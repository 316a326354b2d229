package net.moodlepushhub.hub.verification;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.verifier.SiteVerifier;
import net.moodlepushhub.verifier.VerificationResult;

/**
 * The hub's configured {@link SiteVerifier}: fetches a challenge URL with the SSRF protections of the
 * {@code site-verifier} library and the limits from {@link HubSettings}.
 */
@ApplicationScoped
public class ChallengeVerifier {

    @Inject
    HubSettings settings;

    private SiteVerifier verifier;

    @PostConstruct
    void start() {
        verifier = SiteVerifier.builder()
                .allowPrivateNetworks(settings.allowPrivateNetworks())
                .allowedPorts(settings.allowedPorts())
                .connectTimeout(settings.verifierConnectTimeout())
                .totalTimeout(settings.verifierTotalTimeout())
                .userAgent("moodle-push-hub-verifier/1 (+" + settings.issuer() + ")")
                .build();
    }

    /**
     * @param challengeUrl    the URL to fetch
     * @param expectedContent the exact body expected
     * @return what happened
     */
    public VerificationResult verify(String challengeUrl, String expectedContent) {
        return verifier.verify(challengeUrl, expectedContent);
    }
}
