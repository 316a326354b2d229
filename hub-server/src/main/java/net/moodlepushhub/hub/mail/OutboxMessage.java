package net.moodlepushhub.hub.mail;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * One message in the durable outbox ({@code mail_outbox}): written in the transaction of the decision it
 * reports, sent later by {@link MailWorker}. Several events of one kind for one recipient and site within the
 * rate window are folded into one row ({@link #getEvents()}).
 */
@Entity
@Table(name = "mail_outbox")
public class OutboxMessage {

    /** Waiting to be sent (possibly claimed by a worker right now). */
    public static final String PENDING = "pending";
    /** Handed to the SMTP server (or written to a file). */
    public static final String SENT = "sent";
    /** Refused for good by the SMTP server (a permanent failure, such as an unknown mailbox). */
    public static final String FAILED = "failed";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    private Long id;

    @Column(name = "kind", nullable = false, length = 32)
    private String kind;

    @Column(name = "recipient", nullable = false, length = 254)
    private String recipient;

    @Column(name = "site_id", length = 36)
    private String siteId;

    @Column(name = "fold_key", nullable = false, length = 64)
    private String foldKey;

    @Column(name = "vars", nullable = false, length = 8000)
    private String vars;

    @Column(name = "events", nullable = false)
    private int events;

    @Column(name = "status", nullable = false, length = 16)
    private String status;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "slot_at", nullable = false)
    private Instant slotAt;

    @Column(name = "next_attempt_at", nullable = false)
    private Instant nextAttemptAt;

    @Column(name = "attempts", nullable = false)
    private int attempts;

    @Column(name = "claim_token", length = 36)
    private String claimToken;

    @Column(name = "sent_at")
    private Instant sentAt;

    @Column(name = "last_error", length = 512)
    private String lastError;

    protected OutboxMessage() {
    }

    OutboxMessage(MailKind kind, String recipient, String siteId, String foldKey, String vars, Instant now, Instant slot) {
        this.kind = kind.name();
        this.recipient = recipient;
        this.siteId = siteId;
        this.foldKey = foldKey;
        this.vars = vars;
        this.events = 1;
        this.status = PENDING;
        this.createdAt = now;
        this.slotAt = slot;
        this.nextAttemptAt = slot;
        this.attempts = 0;
    }

    /** Folds one more event into this unsent message. */
    void fold(String newVars) {
        this.vars = newVars;
        this.events++;
    }

    void claim(String token, Instant leaseUntil) {
        this.claimToken = token;
        this.nextAttemptAt = leaseUntil;
    }

    void sent(Instant now) {
        this.status = SENT;
        this.sentAt = now;
        this.claimToken = null;
        this.attempts++;
        this.lastError = null;
    }

    void failed(String error, Instant next, boolean permanent) {
        this.status = permanent ? FAILED : PENDING;
        this.nextAttemptAt = next;
        this.claimToken = null;
        this.attempts++;
        this.lastError = error == null || error.length() <= 512 ? error : error.substring(0, 512);
    }

    public Long getId() {
        return id;
    }

    /** @return the kind */
    public MailKind kind() {
        return MailKind.valueOf(kind);
    }

    public String getRecipient() {
        return recipient;
    }

    public String getSiteId() {
        return siteId;
    }

    public String getFoldKey() {
        return foldKey;
    }

    public String getVars() {
        return vars;
    }

    public int getEvents() {
        return events;
    }

    public String getStatus() {
        return status;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getSlotAt() {
        return slotAt;
    }

    public Instant getNextAttemptAt() {
        return nextAttemptAt;
    }

    public int getAttempts() {
        return attempts;
    }

    public String getClaimToken() {
        return claimToken;
    }

    public Instant getSentAt() {
        return sentAt;
    }

    public String getLastError() {
        return lastError;
    }
}
