package net.moodlepushhub.hub.audit;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * One line of the append-only audit log: who did what to which subject, when and why. Immutable once
 * written: every column is {@code updatable = false} and the application never deletes entries.
 */
@Entity
@Table(name = "audit_log")
public class AuditEntry {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    private Long id;

    @Column(name = "at", nullable = false, updatable = false)
    private Instant at;

    @Column(name = "actor", nullable = false, updatable = false, length = 64)
    private String actor;

    @Column(name = "action", nullable = false, updatable = false, length = 32)
    private String action;

    @Column(name = "subject_type", nullable = false, updatable = false, length = 16)
    private String subjectType;

    @Column(name = "subject", nullable = false, updatable = false, length = 64)
    private String subject;

    @Column(name = "reason", updatable = false, length = 512)
    private String reason;

    @Column(name = "detail", updatable = false, length = 1024)
    private String detail;

    protected AuditEntry() {
    }

    AuditEntry(Instant at, String actor, String action, String subjectType, String subject, String reason, String detail) {
        this.at = at;
        this.actor = actor;
        this.action = action;
        this.subjectType = subjectType;
        this.subject = subject;
        this.reason = reason;
        this.detail = detail;
    }

    public Long getId() {
        return id;
    }

    public Instant getAt() {
        return at;
    }

    public String getActor() {
        return actor;
    }

    public String getAction() {
        return action;
    }

    public String getSubjectType() {
        return subjectType;
    }

    public String getSubject() {
        return subject;
    }

    public String getReason() {
        return reason;
    }

    public String getDetail() {
        return detail;
    }
}
