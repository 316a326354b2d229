package net.moodlepushhub.hub.admin;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.web.RateLimiter;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Operator log-in and look-up. Failed logins are counted per username and per address; past
 * {@code hub.admin.login.max-failures} within {@code hub.admin.login.window} either one refuses every attempt
 * (even a correct one) with {@code 429 rate-limited}, so guessing costs the attacker the whole window.
 */
@ApplicationScoped
public class OperatorAccounts {

    @Inject
    net.moodlepushhub.hub.metrics.HubMetrics metrics = net.moodlepushhub.hub.metrics.HubMetrics.disabled();

    @Inject
    HubDatabase db;

    @Inject
    HubSettings settings;

    @Inject
    AdminSessions sessions;

    @Inject
    AuditLog audit;

    @Inject
    net.moodlepushhub.hub.web.SharedCaches caches;

    private RateLimiter failures;

    /** A successful login. */
    public record Login(AdminSessions.Session session, String username, Role role) {
    }

    @PostConstruct
    void init() {
        failures = caches.limiter("login-failures", settings.loginMaxFailures(), settings.loginWindow());
    }

    /**
     * @param username the presented username
     * @param password the presented password
     * @param address  the client's address
     * @return the new session
     */
    public Login login(String username, String password, String address) {
        String userKey = "user:" + username.toLowerCase(Locale.ROOT);
        String addressKey = "addr:" + address;
        OptionalLong wait = max(failures.retryAfter(userKey), failures.retryAfter(addressKey));
        if (wait.isPresent()) {
            metrics.rateLimited(net.moodlepushhub.hub.metrics.HubMetrics.LIMIT_ADMIN_LOGIN);
            throw Problem.of(CommonProblem.RATE_LIMITED, "Too many failed logins for this account or from this address; try again later.")
                    .withHeader("Retry-After", Long.toString(wait.getAsLong())).toException();
        }
        Operator operator = db.inTransaction(em -> em.find(Operator.class, username));
        // Always run the hash, also for unknown users, so response time does not reveal which usernames exist.
        boolean valid = PasswordHasher.verify(password, operator == null ? null : operator.getPasswordHash());
        if (!valid || !operator.isEnabled()) {
            failures.record(userKey);
            failures.record(addressKey);
            throw Problem.of(HubProblem.INVALID_CREDENTIALS, "Unknown username or wrong password.").toException();
        }
        Instant now = Instant.now();
        db.run(em -> {
            em.find(Operator.class, username).loggedIn(now);
            audit.record(em, username, "login", AuditLog.OPERATOR, username, null, "from " + address);
        });
        return new Login(sessions.issue(username, operator.role()), username, operator.role());
    }

    /**
     * @param username an operator named by a valid session
     * @return the operator with its current role, or empty when the account is gone or disabled
     */
    public Optional<OperatorPrincipal> current(String username) {
        Operator operator = db.inTransaction(em -> em.find(Operator.class, username));
        return operator == null || !operator.isEnabled() ? Optional.empty()
                : Optional.of(new OperatorPrincipal(operator.getUsername(), operator.role()));
    }

    /**
     * Sets or clears an operator's e-mail address (where the digest of new abuse reports goes).
     *
     * @param username the operator
     * @param email    the address, or null/blank to clear it
     * @return the stored address, or null
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 422 validation-failed} for anything but one
     *                                                           bare, strictly valid address
     */
    public String setEmail(String username, String email) {
        String stored = email == null || email.isBlank() ? null : net.moodlepushhub.hub.mail.MailAddresses.valid(email)
                .orElseThrow(() -> Problem.of(CommonProblem.VALIDATION_FAILED, "email: must be one e-mail address").toException());
        db.run(em -> {
            Operator operator = em.find(Operator.class, username, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (operator == null) {
                throw Problem.of(HubProblem.OPERATOR_NOT_FOUND, "There is no such operator.").toException();
            }
            operator.changeEmail(stored, Instant.now());
            audit.record(em, username, "set-email", AuditLog.OPERATOR, username, null, stored == null ? "cleared" : "set");
        });
        return stored;
    }

    /**
     * @param username an operator
     * @return its e-mail address, or null
     */
    public String email(String username) {
        Operator operator = db.inTransaction(em -> em.find(Operator.class, username));
        return operator == null ? null : operator.getEmail();
    }

    private static OptionalLong max(OptionalLong a, OptionalLong b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isEmpty() ? a : OptionalLong.of(Math.max(a.getAsLong(), b.getAsLong()));
    }
}
