package net.moodlepushhub.gateway.web;

import net.moodlepushhub.common.problem.Problem;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** AirNotifier's words for the gateway's problems, and which paths are AirNotifier routes. */
class AirNotifierErrorsTest {

    static String words(Problem p, String method) {
        Object scope = p.extensions().get("scope");
        return AirNotifierErrors.words(p.slug(), scope == null ? "" : scope.toString(), p.detail(), p.title(), method);
    }

    @Test
    void airNotifiersOwnWordsWhereItHasThem() {
        assertThat(words(Problem.of(400, "missing-device", "x"), "POST")).isEqualTo("Invalid token");
        assertThat(words(Problem.of(422, "invalid-device-token", "x"), "POST")).isEqualTo("Invalid token");
        assertThat(words(Problem.of(422, "validation-failed", "token: required"), "POST")).isEqualTo("Invalid token");
        assertThat(words(Problem.of(422, "unknown-device", "x"), "POST")).isEqualTo("Invalid device type");
        assertThat(words(Problem.of(403, "insufficient-scope", "x").with("scope", "send"), "POST")).isEqualTo("No permission to send notification");
        assertThat(words(Problem.of(403, "insufficient-scope", "x").with("scope", "confirm_token"), "POST")).isEqualTo("No permission to create token");
        assertThat(words(Problem.of(403, "insufficient-scope", "x").with("scope", "confirm_token"), "DELETE")).isEqualTo("No permission to delete token");
        // No AirNotifier wording: the problem's title, never Moodle's bad-key words.
        assertThat(words(Problem.of(429, "rate-limited", "x"), "POST")).isEqualTo("Rate limited");
        assertThat(words(Problem.of(422, "validation-failed", "alert: required"), "POST")).isEqualTo("Validation failed");
    }

    @Test
    void onlyTheAirNotifierRoutes() {
        assertThat(AirNotifierErrors.ROUTES.matcher("tokens/abc").matches()).isTrue();
        assertThat(AirNotifierErrors.ROUTES.matcher("/tokens/abc").matches()).isTrue();
        assertThat(AirNotifierErrors.ROUTES.matcher("accesskeys/").matches()).isTrue();
        assertThat(AirNotifierErrors.ROUTES.matcher("api/v2/push/").matches()).isTrue();
        assertThat(AirNotifierErrors.ROUTES.matcher("api/v2/push").matches()).isTrue();
        assertThat(AirNotifierErrors.ROUTES.matcher("api/v1/tokens/abc").matches()).isFalse();
        assertThat(AirNotifierErrors.ROUTES.matcher("api/v1/notifications").matches()).isFalse();
    }
}
