package net.moodlepushhub.hub.keys;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Duration;
import java.util.List;

/**
 * The revocation feed for gateways: {@code GET /api/v1/revocations?after=<seq>&wait=<seconds>} answers at
 * once when there are newer events, otherwise holds the request up to {@code wait} seconds (long poll).
 */
@ApplicationScoped
@Path("/api/v1/revocations")
@Tag(name = "keys")
public class RevocationFeedResource {

    @Inject
    RevocationFeed feed;

    @Inject
    FeedAuthorization feedAuthorization;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Revocations and suspensions after a sequence number (long poll)")
    public Page events(@QueryParam("after") @DefaultValue("0") long after,
                                      @QueryParam("wait") @DefaultValue("0") int waitSeconds,
                                      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) throws InterruptedException {
        feedAuthorization.check(authorization);
        if (after < 0 || waitSeconds < 0 || waitSeconds > 60) {
            throw Problem.of(HubProblem.INVALID_PARAMETER, "after must be >= 0 and wait between 0 and 60 seconds.").toException();
        }
        List<RevocationEvent> events = feed.after(after, Duration.ofSeconds(waitSeconds));
        long next = events.isEmpty() ? after : events.get(events.size() - 1).getSeq();
        return new Page(next, events.stream().map(e -> new Event(e.getSeq(), e.getSubjectType(), e.getSubject(), e.getAction(),
                e.getNotAfter() == null ? null : e.getNotAfter().toString(), e.getCreatedAt().toString())).toList());
    }

    /** What a gateway reads: the events after its sequence number, and the number to ask after next time. */
    @JsonbPropertyOrder({"next", "events"})
    public record Page(long next, List<Event> events) {
    }

    /** One feed event; {@code notAfter} (a revoked key's expiry, after which the entry may be forgotten) may be null. */
    @JsonbNillable
    @JsonbPropertyOrder({"seq", "subjectType", "subject", "action", "notAfter", "at"})
    public record Event(long seq, String subjectType, String subject, String action, String notAfter, String at) {
    }
}
