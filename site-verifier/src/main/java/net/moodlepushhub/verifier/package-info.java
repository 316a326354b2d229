/**
 * SSRF-safe verification that a Moodle site's administrator controls a URL.
 *
 * <p>The entry point is {@link net.moodlepushhub.verifier.SiteVerifier}: build one with
 * {@link net.moodlepushhub.verifier.SiteVerifier#builder()}, share it, and call
 * {@link net.moodlepushhub.verifier.SiteVerifier#verify(java.net.URI, String)}. The result is a
 * {@link net.moodlepushhub.verifier.VerificationResult}; failures carry a
 * {@link net.moodlepushhub.verifier.VerificationProblem} with a
 * {@link net.moodlepushhub.verifier.ProblemType} and the {@link net.moodlepushhub.verifier.Check} that failed.
 */
package net.moodlepushhub.verifier;
