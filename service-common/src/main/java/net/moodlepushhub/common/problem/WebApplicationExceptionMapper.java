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
            case 400 -> Problem.of(400, "malformed-request", "The request body could not be read as the expected JSON document.");
            case 401 -> Problem.of(401, "unauthenticated", "This request needs credentials.");
            case 403 -> Problem.of(403, "forbidden", "These credentials do not allow this request.");
            case 404 -> Problem.of(404, "not-found", "There is no such resource.");
            case 405 -> Problem.of(405, "method-not-allowed", "This resource does not support that method.");
            case 406 -> Problem.of(406, "not-acceptable", "This resource cannot produce the requested media type.");
            case 415 -> Problem.of(415, "unsupported-media-type", "Send the body as application/json.");
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
