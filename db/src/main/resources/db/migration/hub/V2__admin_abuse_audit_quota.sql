-- Hub schema, version 2: hub operators, abuse reports, the audit log and per-site quota overrides.
-- Portable between MariaDB 10.6+ and H2 in MariaDB mode (the embedded default). All times are UTC.

-- Set when an admin lifts the revocation of a revoked site: the site stays revoked (its keys stay dead) but
-- its URL may register again.
ALTER TABLE site ADD COLUMN revocation_lifted_at DATETIME(6) NULL;
-- The suspension scheduler looks for suspended sites whose end time passed.
CREATE INDEX ix_site_suspended_until ON site (status, suspended_until);

-- Hub operators. password_hash is a PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash); there is never a
-- default account: the first admin is created with ./hub-admin create-admin.
CREATE TABLE operator (
    username       VARCHAR(64)   NOT NULL,
    password_hash  VARCHAR(255)  NOT NULL,
    role           VARCHAR(16)   NOT NULL,
    enabled        BOOLEAN       NOT NULL,
    created_at     DATETIME(6)   NOT NULL,
    updated_at     DATETIME(6)   NOT NULL,
    last_login_at  DATETIME(6)   NULL,
    CONSTRAINT pk_operator PRIMARY KEY (username)
);

-- Abuse reports from anyone. site_id is NULL when the reported site is unknown (the reporter is told the same
-- thing either way). Duplicates (same site reference, category and source within a window) are folded into
-- one row by counting them. source_hash is a SHA-256 of the reporter's address (pseudonymous, for folding), never the address.
CREATE TABLE abuse_report (
    id                BIGINT         NOT NULL AUTO_INCREMENT,
    site_id           VARCHAR(36)    NULL,
    site_ref          VARCHAR(512)   NOT NULL,
    category          VARCHAR(32)    NOT NULL,
    description       VARCHAR(2000)  NOT NULL,
    reporter_contact  VARCHAR(254)   NULL,
    source_hash       VARCHAR(64)    NOT NULL,
    report_count      INT            NOT NULL,
    first_reported_at DATETIME(6)    NOT NULL,
    last_reported_at  DATETIME(6)    NOT NULL,
    status            VARCHAR(16)    NOT NULL,
    resolved_at       DATETIME(6)    NULL,
    resolved_by       VARCHAR(64)    NULL,
    resolution        VARCHAR(512)   NULL,
    row_version       BIGINT         NOT NULL,
    CONSTRAINT pk_abuse_report PRIMARY KEY (id)
);
CREATE INDEX ix_abuse_report_fold ON abuse_report (site_ref, category, source_hash, last_reported_at);
CREATE INDEX ix_abuse_report_site ON abuse_report (site_id, status);
CREATE INDEX ix_abuse_report_status ON abuse_report (status, last_reported_at);

-- Append-only record of every site state change and admin action: who (an operator's username, 'site-admin'
-- or 'system'), when, what and why. The application only ever inserts into it.
CREATE TABLE audit_log (
    id            BIGINT         NOT NULL AUTO_INCREMENT,
    at            DATETIME(6)    NOT NULL,
    actor         VARCHAR(64)    NOT NULL,
    action        VARCHAR(32)    NOT NULL,
    subject_type  VARCHAR(16)    NOT NULL,
    subject       VARCHAR(64)    NOT NULL,
    reason        VARCHAR(512)   NULL,
    detail        VARCHAR(1024)  NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (id)
);
CREATE INDEX ix_audit_log_subject ON audit_log (subject_type, subject, at);
CREATE INDEX ix_audit_log_at ON audit_log (at);

-- Per-site quota overrides set by hub admins; NULL means "the hub default". The hub enforces max_users at
-- registration and update; the gateway enforces the delivery limits.
CREATE TABLE site_quota (
    site_id                   VARCHAR(36)  NOT NULL,
    max_users                 INT          NULL,
    max_devices               INT          NULL,
    notifications_per_minute  INT          NULL,
    notifications_per_day     INT          NULL,
    broadcasts_per_day        INT          NULL,
    updated_at                DATETIME(6)  NOT NULL,
    updated_by                VARCHAR(64)  NOT NULL,
    CONSTRAINT pk_site_quota PRIMARY KEY (site_id),
    CONSTRAINT fk_site_quota_site FOREIGN KEY (site_id) REFERENCES site (id)
);
