package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.web.BearerToken;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.keys.AccessKeyVerifier;
import net.moodlepushhub.gateway.keys.Caller;

import java.util.List;

/**
 * Decides whether a request's access key ({@code X-AN-APP-KEY}, as Moodle sends it, or
 * {@code Authorization: Bearer}) allows an operation: the key is verified once, then its scopes are checked.
 * Called by {@link AccessKeyFeature} for every {@link RequiresScope} method; the refusals are problem documents
 * in the project API's form or, on the AirNotifier routes, in the form Moodle expects.
 */
@ApplicationScoped
public class KeyAuthentication {

    /** The body Moodle's {@code check_configuration()} looks for to tell the admin the key is wrong. */
    public static final String LEGACY_INVALID_KEY = "Invalid access key";

    @Inject
    AccessKeyVerifier verifier;

    /**
     * @param presented the key as sent, or null
     * @param scopes    the scopes, any one of which allows the operation (at least one)
     * @param legacy    true on the AirNotifier routes: an invalid key is {@code 400} with the member
     *                  {@code "error": "Invalid access key"} that Moodle tests for; else {@code 401}, and
     *                  {@code 403} for a suspended site
     * @return the verified caller
     * @throws net.moodlepushhub.common.problem.ProblemException the refusal
     */
    public Caller authenticate(String presented, List<String> scopes, boolean legacy) {
        Caller caller;
        try {
            caller = verifier.verify(presented);
        } catch (AccessKeyVerifier.InvalidKeyException e) {
            throw refusal(e, legacy).toException();
        }
        for (String scope : scopes) {
            if (caller.has(scope)) {
                return caller;
            }
        }
        // Named in the answer: the last scope listed (for token registration, the device key's create_token).
        String scope = scopes.get(scopes.size() - 1);
        throw Problem.of(GatewayProblem.INSUFFICIENT_SCOPE, "This key (a " + caller.kind().label()
                        + " key) does not allow this operation; it needs the '" + scope + "' scope.")
                .with("scope", scope)
                .withHeader("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + scope + "\"")
                .toException();
    }

    static Problem refusal(AccessKeyVerifier.InvalidKeyException e, boolean legacy) {
        if (legacy) {
            return Problem.of(GatewayProblem.INVALID_ACCESS_KEY, e.getMessage())
                    .with("error", LEGACY_INVALID_KEY)
                    .with("reason", e.reason());
        }
        if ("site-suspended".equals(e.reason())) {
            return Problem.of(GatewayProblem.SITE_SUSPENDED, e.getMessage());
        }
        boolean missing = "missing".equals(e.reason());
        return Problem.of(missing ? GatewayProblem.MISSING_KEY : GatewayProblem.INVALID_KEY, e.getMessage())
                .with("reason", e.reason())
                .withHeader("WWW-Authenticate", "Bearer realm=\"moodle-push-gateway\"" + (missing ? "" : ", error=\"invalid_token\""));
    }

    /**
     * @param authorization the {@code Authorization} header, or null
     * @param anAppKey      the {@code X-AN-APP-KEY} header, or null
     * @return the key the request presents: the bearer token when there is one, else Moodle's header
     */
    static String presentedKey(String authorization, String anAppKey) {
        if (BearerToken.isBearer(authorization)) {
            // Unbounded here: the verifier bounds what it decodes (MoodleAccessKey.MAX_LENGTH).
            String token = BearerToken.of(authorization, Integer.MAX_VALUE);
            return token == null ? "" : token;
        }
        return anAppKey;
    }

    /** The header Moodle sends its key in. */
    static final String AN_APP_KEY = "X-AN-APP-KEY";
}
