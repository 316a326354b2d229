package net.moodlepushhub.hub.moodle;

import net.moodlepushhub.hub.registration.Secrets;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MoodleHubTest {

    @Test
    void suffixedSecretsAlsoMatchTheIdentifierMoodle455SendsAsSiteid() {
        String identifier = "Xb3kQ9zL1mN8pR2sT5vW7yA0cE4gH6jK" + "moodle.example";
        assertThat(MoodleHub.identifierIdHash(identifier + "20250811093015")).isEqualTo(Secrets.hash(MoodleHub.md5(identifier)));
        // Secrets without the 14 date digits (4.1-4.5.4) have no second form.
        assertThat(MoodleHub.identifierIdHash(identifier)).isNull();
        assertThat(MoodleHub.identifierIdHash("20250811093015")).isNull();
    }

    @Test
    void signaturesAreHmacSha256OfUrlAndTimestampKeyedWithTheMd5HexOfTheSecret() {
        // PHP: hash_hmac('sha256', 'https://moodle.example|1700000000', md5('secret'))
        assertThat(MoodleHub.md5("secret")).isEqualTo("5ebe2294ecd0e0f08eab7690d2a6ee69");
        assertThat(MoodleHub.hmacSha256(MoodleHub.md5("secret"), "https://moodle.example|1700000000"))
                .hasSize(64).matches("[0-9a-f]+")
                .isNotEqualTo(MoodleHub.hmacSha256(MoodleHub.md5("secret2"), "https://moodle.example|1700000000"));
    }

    @Test
    void tokensAreWhatPhpParamAlphanumKeeps() {
        String token = MoodleHub.wsToken();
        assertThat(token).matches("[A-Za-z0-9]{40}");
        assertThat(MoodleHub.encode("a b+c~d/é")).isEqualTo("a%20b%2Bc~d%2F%C3%A9");
    }
}
