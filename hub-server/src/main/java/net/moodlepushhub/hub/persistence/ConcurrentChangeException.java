package net.moodlepushhub.hub.persistence;

/**
 * Another transaction changed the same rows at the same time (a row version moved, a unique index was taken,
 * a deadlock persisted), so this decision was rolled back. The caller may read again and retry; the API
 * answers {@code 409 concurrent-change}.
 */
public class ConcurrentChangeException extends net.moodlepushhub.hub.HubDomainException {

    private static final long serialVersionUID = 1L;

    /** @param cause the database's failure */
    public ConcurrentChangeException(Throwable cause) {
        super("concurrent change", cause);
    }
}
