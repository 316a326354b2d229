-- Registrations made by an unmodified Moodle from its own admin pages (HUB_MOODLEORGHUBURL): the Moodle side of a
-- site row. Moodle's registration secret (the "token" of siteregistration.php) is never stored: only its SHA-256,
-- the SHA-256 of the md5 forms Moodle's AirNotifier plugin presents as "siteid", and md5(secret) encrypted (it is
-- the HMAC key of Moodle 5.1+'s signed updates, so it must be recoverable, but not readable from a dump alone).
CREATE TABLE moodle_registration (
    site_id              VARCHAR(36)   NOT NULL,
    secret_hash          VARCHAR(64)   NOT NULL,
    -- sha256(md5(secret without its 14 trailing date digits)) for Moodle 4.5.5-5.1.0 secrets; NULL otherwise.
    identifier_id_hash   VARCHAR(64)   NULL,
    signing_key_sealed   VARCHAR(255)  NOT NULL,
    ws_token_hash        VARCHAR(64)   NULL,
    site_info            MEDIUMTEXT    NULL,
    info_updated_at      DATETIME(6)   NULL,
    info_signed          BOOLEAN       NOT NULL DEFAULT FALSE,
    -- Set when reported users exceeded the limit in force; enforced (gateway told) once the grace period ran out.
    over_quota_since     DATETIME(6)   NULL,
    quota_enforced       BOOLEAN       NOT NULL DEFAULT FALSE,
    created_at           DATETIME(6)   NOT NULL,
    CONSTRAINT pk_moodle_registration PRIMARY KEY (site_id),
    CONSTRAINT fk_moodle_registration_site FOREIGN KEY (site_id) REFERENCES site (id)
);
CREATE UNIQUE INDEX ux_moodle_registration_ws_token ON moodle_registration (ws_token_hash);
CREATE INDEX ix_moodle_registration_secret ON moodle_registration (secret_hash);
CREATE INDEX ix_moodle_registration_over_quota ON moodle_registration (over_quota_since);

-- The key that seals md5(secret) when hub.moodle.secret-key is not configured (generated once).
CREATE TABLE hub_secret (
    name        VARCHAR(64)   NOT NULL,
    secret_value VARCHAR(255) NOT NULL,
    created_at  DATETIME(6)   NOT NULL,
    CONSTRAINT pk_hub_secret PRIMARY KEY (name)
);
