package net.moodlepushhub.hub.verification;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ChallengeVerifierTest {

    static boolean has(String html, String content) {
        return ChallengeVerifier.hasTag(html.getBytes(StandardCharsets.UTF_8), content);
    }

    @Test
    void theTagCountsOnlyInTheHeadWithTheExactContent() {
        String tag = ChallengeVerifier.metaTag("T.abc");
        assertThat(has("<!DOCTYPE html><html><head><title>x</title>" + tag + "</head><body></body></html>", "T.abc")).isTrue();
        // Moodle's additionalhtmlhead without a closing head or in odd case still lands in the head.
        assertThat(has("<html><head><META NAME=\"moodle-push-hub-verification\" CONTENT=\" T.abc \"><body>x", "T.abc")).isTrue();
        assertThat(has("<html><head></head><body>" + tag + "</body></html>", "T.abc")).isFalse();
        assertThat(has("<html><head>" + ChallengeVerifier.metaTag("T.abd") + "</head></html>", "T.abc")).isFalse();
        assertThat(has("<html><head><!-- " + tag + " --></head></html>", "T.abc")).isFalse();
        assertThat(has("<html><head><meta name=\"other\" content=\"T.abc\"></head></html>", "T.abc")).isFalse();
    }
}
