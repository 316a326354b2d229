package net.moodlepushhub.hub.verification;

import net.moodlepushhub.hub.HubSettings;

/** Wires the hub's challenge verifier outside the container, for unit tests in other packages. */
public final class VerificationForTests {

    private VerificationForTests() {
    }

    /** @param settings the hub's settings (allowed networks and ports, timeouts) @return a started verifier */
    public static ChallengeVerifier verifier(HubSettings settings) {
        ChallengeVerifier verifier = new ChallengeVerifier();
        verifier.settings = settings;
        verifier.start();
        return verifier;
    }
}
