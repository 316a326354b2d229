package net.moodlepushhub.hub;

import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.ProblemCode;
import net.moodlepushhub.verifier.ProblemType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps the README's problem-code tables and the catalogues ({@link HubProblem}, {@link CommonProblem}) in
 * step: clients read the README, so a code that is not there, or with another status, is an undocumented
 * change of the API.
 */
class ProblemCatalogueTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9/-]+)` \\| (\\d{3}) \\|");

    @Test
    void everyCommonCodeIsInTheReadmeWithItsStatus() throws IOException {
        assertTableMatches("### Shared (`CommonProblem`)", CommonProblem.values());
    }

    @Test
    void everyHubCodeIsInTheReadmeWithItsStatus() throws IOException {
        assertTableMatches("### Hub (`HubProblem`)", HubProblem.values());
    }

    @Test
    void slugsAreUniqueAcrossTheHubAndTheSharedCatalogue() {
        Set<String> seen = new HashSet<>();
        Stream.concat(Arrays.stream(CommonProblem.values()), Arrays.stream(HubProblem.values())).forEach(code -> {
            assertTrue(seen.add(code.slug()), "slug used twice: " + code.slug());
            assertTrue(code.slug().matches("[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)?"), "not a slug: " + code.slug());
            assertTrue(code.status() >= 400 && code.status() <= 599, code + ": " + code.status());
        });
    }

    @Test
    void everyVerifierProblemTypeHasAHubCode() {
        for (ProblemType type : ProblemType.values()) {
            HubProblem code = HubProblem.verification(type);
            assertEquals("verification/" + type.slug(), code.slug());
            assertEquals(422, code.status());
        }
    }

    private static void assertTableMatches(String heading, ProblemCode[] codes) throws IOException {
        Map<String, Integer> table = table(heading);
        for (ProblemCode code : codes) {
            Integer status = table.get(code.slug());
            if (status == null) {
                fail("README " + heading + " has no row for `" + code.slug() + "`");
            }
            assertEquals(code.status(), status, "README status of " + code.slug());
        }
        List<String> slugs = Arrays.stream(codes).map(ProblemCode::slug).toList();
        for (String documented : table.keySet()) {
            assertTrue(slugs.contains(documented), "README " + heading + " lists `" + documented + "`, which no code has");
        }
    }

    /** The rows of the table that follows {@code heading} (up to the next heading). */
    private static Map<String, Integer> table(String heading) throws IOException {
        List<String> lines = Files.readAllLines(readme());
        int start = lines.indexOf(heading);
        assertTrue(start >= 0, "README has no section " + heading);
        Map<String, Integer> rows = new LinkedHashMap<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            Matcher m = ROW.matcher(lines.get(i));
            if (m.find()) {
                assertTrue(rows.put(m.group(1), Integer.valueOf(m.group(2))) == null, "README lists " + m.group(1) + " twice");
            }
        }
        assertTrue(!rows.isEmpty(), "README section " + heading + " has no table rows");
        return rows;
    }

    private static Path readme() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("hub-server"))) {
                return dir.resolve("README.md");
            }
        }
        throw new IllegalStateException("README.md of the project not found above " + Path.of("").toAbsolutePath());
    }
}
