package net.moodlepushhub.common.problem;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Answers the JAX-RS runtime's own errors (unknown path, wrong method, unsupported media type, unreadable
 * body) as problem documents, so that no error of this API is ever an HTML page.
 */
@Provider
public class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {

    @Override
    public Response toResponse(WebApplicationException exception) {
        PayloadTooLargeException tooLarge = PayloadTooLargeException.findIn(exception);
        if (tooLarge != null) {
            return ProblemResponses.toResponse(tooLarge.problem());
        }
        int status = exception.getResponse() == null ? 500 : exception.getResponse().getStatus();
        Problem problem = switch (status) {
            case 400 -> Problem.of(CommonProblem.MALFORMED_REQUEST, "The request body could not be read as the expected JSON document.");
            case 401 -> Problem.of(CommonProblem.UNAUTHENTICATED, "This request needs credentials.");
            case 403 -> Problem.of(CommonProblem.FORBIDDEN, "These credentials do not allow this request.");
            case 404 -> Problem.of(CommonProblem.NOT_FOUND, "There is no such resource.");
            case 405 -> Problem.of(CommonProblem.METHOD_NOT_ALLOWED, "This resource does not support that method.");
            case 406 -> Problem.of(CommonProblem.NOT_ACCEPTABLE, "This resource cannot produce the requested media type.");
            case 415 -> Problem.of(CommonProblem.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.");
            // Any other status the runtime chose (rare: 409, 410, 412, 5xx) is kept as it is, so no catalogued
            // code (one code, one status) fits: the one place a problem is built from a bare status.
            default -> Problem.of(status, status >= 500 ? "internal-error" : "request-refused",
                    status >= 500 ? "The server failed to handle this request." : "The request was refused.");
        };
        Response original = exception.getResponse();
        if (original != null && original.getHeaderString("Allow") != null) {
            problem = problem.withHeader("Allow", original.getHeaderString("Allow"));
        }
        return ProblemResponses.toResponse(problem);
    }
}
