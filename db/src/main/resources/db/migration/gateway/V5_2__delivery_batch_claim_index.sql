-- A gateway renews the leases of the batches it holds (update ... where claim_id = ?): through this index the
-- update reads and locks only its own batches, not every live batch of every instance.
CREATE INDEX ix_delivery_batch_claim ON delivery_batch (claim_id);
