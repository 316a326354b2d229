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
        if (isDatabaseUnavailable(exception)) {
            // A database outage (or a pool with no connection free) is not a failure of this request: the client
            // may try again, as with the gateway's own mapping in GatewayDatabase (the hub's JPA layer wraps it in
            // a PersistenceException that nothing else maps).
            LOG.warning(() -> "Database unavailable: " + exception);
            return ProblemResponses.toResponse(Problem.of(CommonProblem.DATABASE_UNAVAILABLE,
                    "The service's database cannot be reached; try again shortly.").withHeader("Retry-After", "5"));
        }
        String incident = UUID.randomUUID().toString();
        LOG.log(Level.SEVERE, "Unexpected failure, incident " + incident, exception);
        return ProblemResponses.toResponse(Problem.of(CommonProblem.INTERNAL_ERROR,
                "The server failed to handle this request; quote incident " + incident + " to the operator.")
                .with("incident", incident));
    }

    /**
     * @param exception what was thrown
     * @return whether its causes say the database could not be reached (connection refused or lost, no pooled
     *         connection within the pool's timeout: {@code SQLTransientConnectionException},
     *         {@code SQLNonTransientConnectionException}, SQLState class 08)
     */
    static boolean isDatabaseUnavailable(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException
                    || (t instanceof java.sql.SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08"))) {
                return true;
            }
        }
        return false;
    }
}
