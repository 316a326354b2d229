-- Hub schema, version 1: site registrations, verification attempts, issued access keys, the hub's signing
-- keys and the revocation feed the gateways follow.
-- Portable between MariaDB 10.6+ and H2 in MariaDB mode (the embedded default). All times are UTC.

CREATE TABLE site (
    id                     VARCHAR(36)   NOT NULL,
    url                    VARCHAR(512)  NOT NULL,
    -- Equals url while the site is live (active or suspended), NULL otherwise. The unique index on it is how
    -- the database guarantees one live owner per URL (MariaDB has no partial indexes; NULLs do not collide).
    live_url               VARCHAR(512)  NULL,
    name                   VARCHAR(255)  NOT NULL,
    contact_email          VARCHAR(254)  NOT NULL,
    users                  INT           NOT NULL,
    active_users           INT           NOT NULL,
    status                 VARCHAR(16)   NOT NULL,
    management_token_hash  VARCHAR(64)   NULL,
    moodle_site_id_hash    VARCHAR(64)   NULL,
    challenge_token        VARCHAR(64)   NOT NULL,
    challenge_content      VARCHAR(128)  NOT NULL,
    challenge_expires_at   DATETIME(6)   NOT NULL,
    created_at             DATETIME(6)   NOT NULL,
    updated_at             DATETIME(6)   NOT NULL,
    verified_at            DATETIME(6)   NULL,
    status_reason          VARCHAR(512)  NULL,
    suspended_until        DATETIME(6)   NULL,
    row_version            BIGINT        NOT NULL,
    CONSTRAINT pk_site PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ux_site_live_url ON site (live_url);
CREATE INDEX ix_site_url ON site (url);
CREATE INDEX ix_site_status ON site (status);

CREATE TABLE verification_attempt (
    id                BIGINT        NOT NULL AUTO_INCREMENT,
    site_id           VARCHAR(36)   NOT NULL,
    attempted_at      DATETIME(6)   NOT NULL,
    challenge_url     VARCHAR(1024) NOT NULL,
    resolved_address  VARCHAR(64)   NULL,
    outcome           VARCHAR(32)   NOT NULL,
    detail            VARCHAR(512)  NULL,
    CONSTRAINT pk_verification_attempt PRIMARY KEY (id),
    CONSTRAINT fk_verification_attempt_site FOREIGN KEY (site_id) REFERENCES site (id)
);
CREATE INDEX ix_verification_attempt_site ON verification_attempt (site_id, attempted_at);

CREATE TABLE access_key (
    jti                VARCHAR(36)  NOT NULL,
    site_id            VARCHAR(36)  NOT NULL,
    kind               VARCHAR(16)  NOT NULL,
    signing_kid        VARCHAR(64)  NOT NULL,
    issued_at          DATETIME(6)  NOT NULL,
    expires_at         DATETIME(6)  NOT NULL,
    revoked_at         DATETIME(6)  NULL,
    revocation_reason  VARCHAR(64)  NULL,
    CONSTRAINT pk_access_key PRIMARY KEY (jti),
    CONSTRAINT fk_access_key_site FOREIGN KEY (site_id) REFERENCES site (id)
);
CREATE INDEX ix_access_key_site ON access_key (site_id);

CREATE TABLE signing_key (
    kid            VARCHAR(64)  NOT NULL,
    algorithm      VARCHAR(16)  NOT NULL,
    private_jwk    TEXT         NOT NULL,
    public_jwk     TEXT         NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    -- Set when a newer key takes over signing. The public key stays published until publish_until, the
    -- latest expiry of any key it signed.
    retired_at     DATETIME(6)  NULL,
    publish_until  DATETIME(6)  NULL,
    CONSTRAINT pk_signing_key PRIMARY KEY (kid)
);

-- Append-only feed of decisions the gateways must enforce: a revoked key (subject_type 'key', subject = jti)
-- or a site suspended, reinstated or revoked (subject_type 'site', subject = site id). Gateways follow it by
-- sequence number.
CREATE TABLE revocation_event (
    seq           BIGINT       NOT NULL AUTO_INCREMENT,
    subject_type  VARCHAR(8)   NOT NULL,
    subject       VARCHAR(64)  NOT NULL,
    action        VARCHAR(16)  NOT NULL,
    not_after     DATETIME(6)  NULL,
    created_at    DATETIME(6)  NOT NULL,
    CONSTRAINT pk_revocation_event PRIMARY KEY (seq)
);
