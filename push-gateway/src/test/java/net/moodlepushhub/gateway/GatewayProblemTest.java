package net.moodlepushhub.gateway;

import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.ProblemCode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's problem catalogue and the README's table of it say the same. */
class GatewayProblemTest {

    /** The shared codes the gateway answers with, listed in its table too. */
    static final List<CommonProblem> SHARED = List.of(CommonProblem.MALFORMED_JSON, CommonProblem.VALIDATION_FAILED,
            CommonProblem.PAYLOAD_TOO_LARGE, CommonProblem.RATE_LIMITED, CommonProblem.DATABASE_UNAVAILABLE);

    @Test
    void everyCodeIsInTheReadmesTableWithItsStatus() throws IOException {
        String readme = Files.readString(readme());
        String section = readme.substring(readme.indexOf("## Gateway API"));
        Stream.concat(Arrays.stream(GatewayProblem.values()), SHARED.stream()).forEach(code ->
                assertThat(section).as(code.slug()).contains("| `" + code.slug() + "` | " + code.status() + " |"));
    }

    @Test
    void slugsAreUniqueAndNotShadowingSharedOnes() {
        Set<String> seen = new HashSet<>();
        for (ProblemCode c : CommonProblem.values()) {
            seen.add(c.slug());
        }
        for (GatewayProblem c : GatewayProblem.values()) {
            assertThat(seen.add(c.slug())).as(c.slug()).isTrue();
            assertThat(c.slug()).matches("[a-z]+(-[a-z]+)*");
        }
    }

    @Test
    void aSuspendedSiteIsForbiddenAsOnTheHub() {
        assertThat(GatewayProblem.SITE_SUSPENDED.status()).isEqualTo(403);
    }

    private static Path readme() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("README.md")) && Files.exists(p.resolve("push-gateway"))) {
                return p.resolve("README.md");
            }
        }
        throw new IllegalStateException("README.md not found above " + here);
    }
}
