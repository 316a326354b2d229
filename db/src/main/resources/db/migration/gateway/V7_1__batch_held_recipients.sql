-- Gateway schema 7.1: a batch holds its recipients. A fresh recipient is no longer a delivery row: it is an entry
-- in its batch's `targets` (recipient number and token, in order), and the batch's `answered` bitmap marks which
-- of them have an answer recorded. A push service's "delivered" is counted in the batch (`delivered`); any other
-- answer (a retry, a failure, an invalid token, a hold) moves the recipient out of the batch into a delivery
-- row of its own, in the same transaction that sets its bit. So a recipient is always in exactly one place, a
-- crash repeats only the sends whose answers were not recorded yet, and a batch of 1,000 successes costs one row
-- written three times instead of 1,000 rows written twice, each in six indexes.
--
-- A finished batch stays (status DONE) with its counts: it is what a site reads about those recipients.

-- Work already queued under schema 6 keeps going as rows of their own, claimed one by one as retries are.
UPDATE delivery SET status = 'QUEUED', claim_id = NULL, lease_until = NULL
    WHERE status = 'CLAIMED' AND batch_seq IS NOT NULL;
DELETE FROM delivery_batch;

DROP INDEX ix_delivery_batch ON delivery;
DROP INDEX ix_delivery_due ON delivery;
ALTER TABLE delivery DROP COLUMN batch_seq;
CREATE INDEX ix_delivery_due ON delivery (status, next_attempt_at);

-- the recipients, encoded by BatchTargets: see that class
ALTER TABLE delivery_batch ADD COLUMN targets MEDIUMBLOB NOT NULL;
-- bit i set: the i-th recipient's answer is recorded (BitSet.toByteArray, little-endian; at most 1,000 bits)
ALTER TABLE delivery_batch ADD COLUMN answered VARBINARY(125) NOT NULL;
ALTER TABLE delivery_batch ADD COLUMN answered_count INT NOT NULL DEFAULT 0;
-- recipients the push service accepted on their first attempt from this batch
ALTER TABLE delivery_batch ADD COLUMN delivered INT NOT NULL DEFAULT 0;
-- when its last answer was recorded (created_at until then)
ALTER TABLE delivery_batch ADD COLUMN updated_at DATETIME(6) NOT NULL;

-- the hourly report and the abuse check count deliveries by when they were answered, per site
CREATE INDEX ix_delivery_batch_updated_site ON delivery_batch (updated_at, site_id);
-- a site's recent batches, for its list of deliveries
CREATE INDEX ix_delivery_batch_site_updated ON delivery_batch (site_id, updated_at);
