package net.moodlepushhub.common.problem;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers Bean Validation failures at the edge with {@code 422 validation-failed}, listing each invalid
 * field. Rejected values are not echoed: they may be secrets.
 */
@Provider
public class ConstraintViolationMapper implements ExceptionMapper<ConstraintViolationException> {

    @Override
    public Response toResponse(ConstraintViolationException exception) {
        List<Map<String, String>> errors = new ArrayList<>();
        for (ConstraintViolation<?> violation : exception.getConstraintViolations()) {
            Map<String, String> error = new LinkedHashMap<>();
            error.put("field", fieldOf(violation.getPropertyPath().toString()));
            error.put("message", violation.getMessage());
            errors.add(error);
        }
        errors.sort((a, b) -> a.get("field").compareTo(b.get("field")));
        String detail = errors.size() == 1
                ? errors.get(0).get("field") + ": " + errors.get(0).get("message")
                : errors.size() + " fields are invalid";
        return ProblemResponses.toResponse(Problem.of(CommonProblem.VALIDATION_FAILED, detail).with("errors", errors));
    }

    /** Strips the method and parameter prefix ("register.arg0.url" becomes "url"). */
    static String fieldOf(String path) {
        String[] parts = path.split("\\.");
        if (parts.length >= 3) {
            return String.join(".", java.util.Arrays.copyOfRange(parts, 2, parts.length));
        }
        return parts.length == 0 ? path : parts[parts.length - 1];
    }
}
