package net.moodlepushhub.common.web;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BearerTokenTest {

    @Test
    void readsTheTokenWhateverTheSchemesCase() {
        assertThat(BearerToken.of("Bearer abc", 10)).isEqualTo("abc");
        assertThat(BearerToken.of("bearer  abc ", 10)).isEqualTo("abc");
        assertThat(BearerToken.isBearer("BEARER abc")).isTrue();
    }

    @Test
    void absentOtherSchemesEmptyAndTooLongTokensAreNull() {
        assertThat(BearerToken.of(null, 10)).isNull();
        assertThat(BearerToken.of("Basic abc", 10)).isNull();
        assertThat(BearerToken.of("Bearer   ", 10)).isNull();
        assertThat(BearerToken.of("Bearer " + "x".repeat(11), 10)).isNull();
        assertThat(BearerToken.of("Bearer " + "x".repeat(10), 10)).hasSize(10);
        assertThat(BearerToken.isBearer("Bearer")).isFalse();
    }
}
