package net.moodlepushhub.gateway.hub;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HubEndpointsTest {

    private static final String A = "http://hub-a:8080";
    private static final String B = "http://hub-b:8080";
    private static final String C = "http://hub-c:8080";

    private final AtomicLong now = new AtomicLong(1_000);

    private HubEndpoints endpoints(String... urls) {
        return new HubEndpoints(List.of(urls), Duration.ofSeconds(10), now::get);
    }

    @Test
    void parsesACommaSeparatedListAndASingleUrlAlike() {
        assertThat(HubEndpoints.parse("http://hub:8080/")).containsExactly("http://hub:8080");
        assertThat(HubEndpoints.parse(" http://a:1/ , http://b:2,,http://a:1 ")).containsExactly("http://a:1", "http://b:2");
        assertThatThrownBy(() -> HubEndpoints.parse(" , ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSingleHubIsAlwaysTriedEvenRightAfterItFailed() {
        HubEndpoints e = endpoints(A);
        e.failed(A);
        assertThat(e.order()).containsExactly(A);
        assertThat(e.current()).isEqualTo(A);
    }

    @Test
    void startsWithTheFirstHubInConfiguredOrder() {
        assertThat(endpoints(A, B, C).order()).containsExactly(A, B, C);
    }

    @Test
    void aFailedHubGoesLastForTheBackOffAndTheNextOneBecomesCurrent() {
        HubEndpoints e = endpoints(A, B, C);
        e.failed(A);
        assertThat(e.current()).isEqualTo(B);
        assertThat(e.order()).containsExactly(B, C, A);
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(e.order()).containsExactly(B, C, A);
    }

    @Test
    void theHubThatAnsweredStaysCurrentAfterTheFailedOnesBackOffEnds() {
        HubEndpoints e = endpoints(A, B);
        e.failed(A);
        e.succeeded(B);
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        // Sticky: A is up again as far as the back-off goes, but B keeps being called first.
        assertThat(e.order()).containsExactly(B, A);
        assertThat(e.current()).isEqualTo(B);
    }

    @Test
    void whenEveryHubFailedTheyAreStillTriedTheEarliestBackOffEndFirst() {
        HubEndpoints e = endpoints(A, B, C);
        e.failed(B);
        now.addAndGet(1_000);
        e.failed(A);
        now.addAndGet(1_000);
        e.failed(C);
        assertThat(e.order()).containsExactly(B, A, C);
    }

    @Test
    void aHubThatAnswersAgainLeavesItsBackOffAtOnce() {
        HubEndpoints e = endpoints(A, B);
        e.failed(A);
        e.failed(B);
        e.succeeded(A);
        assertThat(e.current()).isEqualTo(A);
        assertThat(e.order()).containsExactly(A, B);
    }

    @Test
    void aFailureOfAHubThatIsNotCurrentKeepsTheCurrentOne() {
        HubEndpoints e = endpoints(A, B, C);
        e.failed(B);
        assertThat(e.current()).isEqualTo(A);
        assertThat(e.order()).containsExactly(A, C, B);
    }

    @Test
    void unknownUrlsAreIgnored() {
        HubEndpoints e = endpoints(A, B);
        e.failed("http://elsewhere");
        e.succeeded("http://elsewhere");
        assertThat(e.order()).containsExactly(A, B);
    }
}
