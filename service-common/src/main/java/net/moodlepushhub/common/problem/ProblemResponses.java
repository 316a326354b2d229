package net.moodlepushhub.common.problem;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.ws.rs.core.Response;

/**
 * Turns {@link Problem}s into HTTP responses with media type {@code application/problem+json}.
 */
public final class ProblemResponses {

    /** The RFC 9457 media type. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private static final Jsonb JSONB = JsonbBuilder.create();

    private ProblemResponses() {
    }

    /**
     * @param problem the problem
     * @return a response carrying it, with its extra headers
     */
    public static Response toResponse(Problem problem) {
        Response.ResponseBuilder builder = Response.status(problem.status())
                .type(MEDIA_TYPE)
                .entity(JSONB.toJson(problem.toMap()));
        problem.headers().forEach(builder::header);
        return builder.build();
    }
}
