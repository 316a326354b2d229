package net.moodlepushhub.hub.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordHasherTest {

    @Test
    void hashesAreSaltedArgon2idPhcStringsThatVerify() {
        String a = PasswordHasher.hash("correct horse battery staple");
        String b = PasswordHasher.hash("correct horse battery staple");
        assertThat(a).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").isNotEqualTo(b);
        assertThat(PasswordHasher.verify("correct horse battery staple", a)).isTrue();
        assertThat(PasswordHasher.verify("correct horse battery stapl", a)).isFalse();
        assertThat(PasswordHasher.verify("anything", null)).isFalse();
        assertThat(PasswordHasher.verify("anything", "$2y$10$bcrypt")).isFalse();
    }
}
