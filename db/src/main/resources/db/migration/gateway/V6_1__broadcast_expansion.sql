-- Gateway schema 6.1: a broadcast is accepted before its recipients are written. Accepting it stores the
-- notification and one broadcast_expansion row (its audience and a cursor), in one short transaction; the
-- delivery engine then writes its recipients in chunks of a few thousand devices, one transaction per chunk that
-- also advances the cursor, so deliveries start with the first chunk instead of after the last, no transaction
-- holds a million rows' locks, and a crash resumes the expansion where it stopped (never twice, never skipped).
CREATE TABLE broadcast_expansion (
    notification_id  VARCHAR(36)  NOT NULL,
    site_id          VARCHAR(36)  NOT NULL,
    -- null: every confirmed device of the site (the site's default channel)
    channel          VARCHAR(64)  NULL,
    -- the audience is the devices up to this id: devices registered after the broadcast was accepted are not in it
    last_token_id    BIGINT       NOT NULL,
    -- the expansion continues with devices after this id
    after_token_id   BIGINT       NOT NULL,
    -- chunks written so far (each chunk's batches have their own range of batch numbers)
    chunks           INT          NOT NULL,
    -- recipients written so far
    expanded         INT          NOT NULL,
    created_at       DATETIME(6)  NOT NULL,
    CONSTRAINT pk_broadcast_expansion PRIMARY KEY (notification_id)
);
CREATE INDEX ix_broadcast_expansion_created ON broadcast_expansion (created_at);
