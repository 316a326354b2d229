-- Gateway schema 3.1: deliveries are claimed by the batch, not by the row. A fresh notification's recipients
-- are cut into batches of at most 1,000 recipients of one platform (delivery.batch_seq); one delivery_batch row
-- per batch is what a gateway instance claims with a lease, so claiming 1,000 recipients writes one row, not
-- 1,000. Each recipient's row is written once more, with its result. Recipients to retry (and those released
-- after a suspension or retried by the site) leave their batch (batch_seq NULL) and are claimed row by row.

ALTER TABLE delivery ADD COLUMN batch_seq INT NULL;
CREATE INDEX ix_delivery_batch ON delivery (notification_id, batch_seq);

-- Row-by-row claims now look for queued rows outside any batch.
DROP INDEX ix_delivery_due ON delivery;
CREATE INDEX ix_delivery_due ON delivery (status, batch_seq, next_attempt_at);
-- Claimed rows are read back by id; the claim id is kept only to release a lease.
DROP INDEX ix_delivery_claim ON delivery;

CREATE TABLE delivery_batch (
    notification_id  VARCHAR(36)  NOT NULL,
    seq              INT          NOT NULL,
    site_id          VARCHAR(36)  NOT NULL,
    platform         VARCHAR(8)   NOT NULL,
    recipients       INT          NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    claim_id         VARCHAR(36)  NULL,
    lease_until      DATETIME(6)  NULL,
    created_at       DATETIME(6)  NOT NULL,
    CONSTRAINT pk_delivery_batch PRIMARY KEY (notification_id, seq)
);
CREATE INDEX ix_delivery_batch_due ON delivery_batch (platform, status, created_at);

-- Deliveries queued before this version keep their per-row state: outside any batch, claimed row by row.
