-- Hub schema, version 6: e-mail to site admins and hub operators through a durable outbox.
-- Portable between MariaDB 10.6+ and H2 in MariaDB mode (the embedded default). All times are UTC.

-- Optional address of a hub operator; operators with one receive the digest of new abuse reports.
ALTER TABLE operator ADD COLUMN email VARCHAR(254) NULL;

-- One message to send. The row is written in the transaction of the decision it reports, so a committed
-- decision always has its message and a rolled-back one never does. A worker claims due rows (SELECT ... FOR
-- UPDATE SKIP LOCKED, then a lease: claim_token and next_attempt_at pushed forward), sends, and marks them sent;
-- a failed send goes back to pending with a later next_attempt_at (exponential backoff).
-- fold_key is SHA-256(kind, site, recipient): events of one kind for one recipient and site within the rate
-- window are folded into the pending row (events counts them, vars keeps the latest and a list of items).
-- slot_at is the time the message was planned for; the next message of the same fold_key waits one window.
CREATE TABLE mail_outbox (
    id               BIGINT         NOT NULL AUTO_INCREMENT,
    kind             VARCHAR(32)    NOT NULL,
    recipient        VARCHAR(254)   NOT NULL,
    site_id          VARCHAR(36)    NULL,
    fold_key         VARCHAR(64)    NOT NULL,
    vars             VARCHAR(8000)  NOT NULL,
    events           INT            NOT NULL,
    status           VARCHAR(16)    NOT NULL,
    created_at       DATETIME(6)    NOT NULL,
    slot_at          DATETIME(6)    NOT NULL,
    next_attempt_at  DATETIME(6)    NOT NULL,
    attempts         INT            NOT NULL,
    claim_token      VARCHAR(36)    NULL,
    sent_at          DATETIME(6)    NULL,
    last_error       VARCHAR(512)   NULL,
    CONSTRAINT pk_mail_outbox PRIMARY KEY (id)
);
CREATE INDEX ix_mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX ix_mail_outbox_fold ON mail_outbox (fold_key, id);
