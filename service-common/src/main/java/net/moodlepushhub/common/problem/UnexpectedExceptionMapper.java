package net.moodlepushhub.common.problem;

import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The last line: any exception no other mapper claims. JSON binding failures are the client's fault (400);
 * anything else is logged with an incident id that is also returned, and answered 500 without internals.
 */
@Provider
public class UnexpectedExceptionMapper implements ExceptionMapper<Throwable> {

    private static final Logger LOG = Logger.getLogger(UnexpectedExceptionMapper.class.getName());

    @Override
    public Response toResponse(Throwable exception) {
        PayloadTooLargeException tooLarge = PayloadTooLargeException.findIn(exception);
        if (tooLarge != null) {
            return ProblemResponses.toResponse(tooLarge.problem());
        }
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof ProblemException problem) {
                return ProblemResponses.toResponse(problem.problem());
            }
            if (t instanceof JsonbException || t instanceof jakarta.json.JsonException) {
                return ProblemResponses.toResponse(Problem.of(CommonProblem.MALFORMED_JSON,
                        "The request body is not valid JSON for this resource."));
            }
        }
        String incident = UUID.randomUUID().toString();
        LOG.log(Level.SEVERE, "Unexpected failure, incident " + incident, exception);
        return ProblemResponses.toResponse(Problem.of(CommonProblem.INTERNAL_ERROR,
                "The server failed to handle this request; quote incident " + incident + " to the operator.")
                .with("incident", incident));
    }
}
