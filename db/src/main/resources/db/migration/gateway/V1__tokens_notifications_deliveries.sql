-- Gateway schema, version 1: device tokens bound to sites, channel subscriptions, accepted notifications and
-- their per-recipient deliveries (the durable queue), tokens the providers invalidated, and the gateway's
-- copy of the hub's revocation feed. Portable between MariaDB 10.6+ and H2 in MariaDB mode. Times are UTC.

CREATE TABLE device_token (
    id            BIGINT        NOT NULL AUTO_INCREMENT,
    site_id       VARCHAR(36)   NOT NULL,
    token         VARCHAR(512)  NOT NULL,
    platform      VARCHAR(8)    NOT NULL,
    device        VARCHAR(32)   NOT NULL,
    confirmed     BOOLEAN       NOT NULL,
    created_at    DATETIME(6)   NOT NULL,
    confirmed_at  DATETIME(6)   NULL,
    CONSTRAINT pk_device_token PRIMARY KEY (id)
);
-- The same device token may belong to several sites (one phone, two Moodle sites); each binding is separate.
CREATE UNIQUE INDEX ux_device_token_site_token ON device_token (site_id, token);
CREATE INDEX ix_device_token_unconfirmed ON device_token (confirmed, created_at);

CREATE TABLE channel_subscription (
    token_id  BIGINT       NOT NULL,
    site_id   VARCHAR(36)  NOT NULL,
    channel   VARCHAR(64)  NOT NULL,
    CONSTRAINT pk_channel_subscription PRIMARY KEY (token_id, channel),
    CONSTRAINT fk_channel_subscription_token FOREIGN KEY (token_id) REFERENCES device_token (id) ON DELETE CASCADE
);
CREATE INDEX ix_channel_subscription_site_channel ON channel_subscription (site_id, channel);

CREATE TABLE notification (
    id          VARCHAR(36)  NOT NULL,
    site_id     VARCHAR(36)  NOT NULL,
    kind        VARCHAR(16)  NOT NULL,
    channel     VARCHAR(64)  NULL,
    message     TEXT         NOT NULL,
    recipients  INT          NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    CONSTRAINT pk_notification PRIMARY KEY (id)
);
CREATE INDEX ix_notification_site ON notification (site_id, created_at);

-- One row per recipient: the durable queue. (notification_id, recipient) is the idempotency key; a row is
-- claimed by one gateway instance at a time through claim_id + lease_until.
CREATE TABLE delivery (
    id               BIGINT        NOT NULL AUTO_INCREMENT,
    notification_id  VARCHAR(36)   NOT NULL,
    recipient        BIGINT        NOT NULL,
    site_id          VARCHAR(36)   NOT NULL,
    token            VARCHAR(512)  NOT NULL,
    platform         VARCHAR(8)    NOT NULL,
    status           VARCHAR(16)   NOT NULL,
    attempts         INT           NOT NULL,
    next_attempt_at  DATETIME(6)   NOT NULL,
    claim_id         VARCHAR(36)   NULL,
    lease_until      DATETIME(6)   NULL,
    provider_id      VARCHAR(128)  NULL,
    last_error       VARCHAR(255)  NULL,
    updated_at       DATETIME(6)   NOT NULL,
    CONSTRAINT pk_delivery PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ux_delivery_recipient ON delivery (notification_id, recipient);
CREATE INDEX ix_delivery_due ON delivery (status, next_attempt_at);
CREATE INDEX ix_delivery_claim ON delivery (claim_id);
CREATE INDEX ix_delivery_site_status ON delivery (site_id, status);

CREATE TABLE invalidated_token (
    id              BIGINT        NOT NULL AUTO_INCREMENT,
    site_id         VARCHAR(36)   NOT NULL,
    token           VARCHAR(512)  NOT NULL,
    platform        VARCHAR(8)    NOT NULL,
    reason          VARCHAR(64)   NOT NULL,
    invalidated_at  DATETIME(6)   NOT NULL,
    CONSTRAINT pk_invalidated_token PRIMARY KEY (id)
);
CREATE INDEX ix_invalidated_token_site ON invalidated_token (site_id, invalidated_at);

-- The gateway's durable copy of the hub's revocation feed, so a restarted gateway keeps refusing what it
-- knew was revoked even while the hub is unreachable.
CREATE TABLE revocation (
    seq           BIGINT       NOT NULL,
    subject_type  VARCHAR(8)   NOT NULL,
    subject       VARCHAR(64)  NOT NULL,
    action        VARCHAR(16)  NOT NULL,
    not_after     DATETIME(6)  NULL,
    CONSTRAINT pk_revocation PRIMARY KEY (seq)
);
