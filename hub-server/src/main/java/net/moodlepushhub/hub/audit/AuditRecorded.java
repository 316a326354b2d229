package net.moodlepushhub.hub.audit;

import jakarta.persistence.EntityManager;

/**
 * Fired synchronously by {@link AuditLog#record} for every entry, inside the transaction of the change: an
 * observer that writes with {@link #em()} commits or rolls back together with the change (the e-mail outbox does).
 *
 * @param em          the transaction of the change
 * @param actor       who
 * @param action      what (suspend, reinstate, ...)
 * @param subjectType {@link AuditLog#SITE}, {@link AuditLog#KEY}, ...
 * @param subject     the subject's id
 * @param reason      why, or null
 * @param detail      anything else, or null
 */
public record AuditRecorded(EntityManager em, String actor, String action, String subjectType, String subject, String reason, String detail) {
}
