package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.common.web.BearerToken;
import net.moodlepushhub.gateway.keys.AccessKeyVerifier;
import net.moodlepushhub.gateway.keys.Caller;

/**
 * Finds the access key of a request ({@code X-AN-APP-KEY}, as Moodle sends it, or
 * {@code Authorization: Bearer}), verifies it and checks the scope the operation needs.
 */
@ApplicationScoped
public class KeyAuthentication {

    /** The body Moodle's {@code check_configuration()} looks for to tell the admin the key is wrong. */
    public static final String LEGACY_INVALID_KEY = "Invalid access key";

    @Inject
    AccessKeyVerifier verifier;

    /**
     * For this project's own API: 401 when the key is missing or invalid, 403 without the scope.
     *
     * @param headers the request headers
     * @param scope   the scope needed
     * @return the caller
     */
    public Caller require(HttpHeaders headers, String scope) {
        Caller caller;
        try {
            caller = verifier.verify(presentedKey(headers));
        } catch (AccessKeyVerifier.InvalidKeyException e) {
            if ("site-suspended".equals(e.reason())) {
                throw Problem.of(403, "site-suspended", e.getMessage()).toException();
            }
            throw Problem.of(401, "missing".equals(e.reason()) ? "missing-key" : "invalid-key", e.getMessage())
                    .with("reason", e.reason())
                    .withHeader("WWW-Authenticate", "Bearer realm=\"moodle-push-gateway\"" + ("missing".equals(e.reason()) ? "" : ", error=\"invalid_token\""))
                    .toException();
        }
        return requireScope(caller, scope);
    }

    /**
     * For the AirNotifier-compatible API: an invalid key is {@code 400} with the member
     * {@code "error": "Invalid access key"} that Moodle tests for (still a problem document).
     *
     * @param headers the request headers
     * @param scope   the scope needed
     * @return the caller
     */
    public Caller requireLegacy(HttpHeaders headers, String scope) {
        try {
            return requireScope(verifier.verify(presentedKey(headers)), scope);
        } catch (AccessKeyVerifier.InvalidKeyException e) {
            throw Problem.of(400, "invalid-access-key", e.getMessage())
                    .with("error", LEGACY_INVALID_KEY)
                    .with("reason", e.reason())
                    .toException();
        }
    }

    /**
     * For registering a device token: a site key ({@code confirm_token}) or a device key ({@code create_token}).
     *
     * @param headers the request headers
     * @param legacy  whether an invalid key gets the AirNotifier answer ({@link #requireLegacy}) or 401
     * @return the caller
     */
    public Caller requireTokenRegistration(HttpHeaders headers, boolean legacy) {
        try {
            return legacy ? requireLegacy(headers, AccessKeyKind.Scope.CONFIRM_TOKEN) : require(headers, AccessKeyKind.Scope.CONFIRM_TOKEN);
        } catch (ProblemException e) {
            if (e.problem().status() != 403 || !"insufficient-scope".equals(e.problem().slug())) {
                throw e;
            }
            return legacy ? requireLegacy(headers, AccessKeyKind.Scope.CREATE_TOKEN) : require(headers, AccessKeyKind.Scope.CREATE_TOKEN);
        }
    }

    private static Caller requireScope(Caller caller, String scope) {
        if (!caller.has(scope)) {
            throw Problem.of(403, "insufficient-scope", "This key (a " + caller.kind().label() + " key) does not allow this operation; it needs the '"
                    + scope + "' scope.").with("scope", scope).withHeader("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + scope + "\"").toException();
        }
        return caller;
    }

    static String presentedKey(HttpHeaders headers) {
        String authorization = headers.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (BearerToken.isBearer(authorization)) {
            // Unbounded here: the verifier bounds what it decodes (MoodleAccessKey.MAX_LENGTH).
            String token = BearerToken.of(authorization, Integer.MAX_VALUE);
            return token == null ? "" : token;
        }
        return headers.getHeaderString("X-AN-APP-KEY");
    }
}
