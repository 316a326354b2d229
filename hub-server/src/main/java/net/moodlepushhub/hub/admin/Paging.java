package net.moodlepushhub.hub.admin;

import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;

import java.util.LinkedHashMap;
import java.util.Map;

/** Page parameters of admin list calls. */
final class Paging {

    static final int MAX_SIZE = 100;

    private Paging() {
    }

    static void check(int page, int size) {
        if (page < 0 || page > 100_000 || size < 1 || size > MAX_SIZE) {
            throw Problem.of(HubProblem.INVALID_PARAMETER, "page must be >= 0 and size between 1 and " + MAX_SIZE + ".").toException();
        }
    }

    static Map<String, Object> body(long total, int page, int size) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", total);
        body.put("page", page);
        body.put("size", size);
        return body;
    }
}
