package net.moodlepushhub.gateway.quota;

import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.gateway.keys.RevocationRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserQuotaTest {

    @Test
    void theHubsOverQuotaEventRefusesSendsUntilWithinQuota() {
        RevocationRegistry registry = new RevocationRegistry();
        UserQuota quota = new UserQuota();
        quota.registry = registry;
        assertThatCode(() -> quota.requireWithinQuota("s1")).doesNotThrowAnyException();

        registry.apply(1, "site", "s1", "over-quota", null);
        assertThatThrownBy(() -> quota.requireWithinQuota("s1")).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(403);
            assertThat(e.problem().slug()).isEqualTo("quota-exceeded");
            assertThat(e.problem().extensions()).containsKey("error");
        });
        assertThatCode(() -> quota.requireWithinQuota("s2")).doesNotThrowAnyException();
        // Orthogonal to suspension: reinstating does not lift it, within-quota does.
        registry.apply(2, "site", "s1", "reinstate", null);
        assertThat(registry.isOverQuota("s1")).isTrue();
        registry.apply(3, "site", "s1", "within-quota", null);
        assertThatCode(() -> quota.requireWithinQuota("s1")).doesNotThrowAnyException();
        assertThat(registry.siteState("s1")).isNull();
    }
}
