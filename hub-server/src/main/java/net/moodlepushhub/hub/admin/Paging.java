package net.moodlepushhub.hub.admin;

import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;


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
}
