-- One row whose lock serialises signing-key rotation (and the encryption of stored keys) between hub
-- instances that share the database, so that two hubs finding the active key too old create one new key,
-- not two.
CREATE TABLE hub_lock (
    name      VARCHAR(32)  NOT NULL,
    taken_at  DATETIME(6)  NULL,
    CONSTRAINT pk_hub_lock PRIMARY KEY (name)
);
INSERT INTO hub_lock (name, taken_at) VALUES ('signing-keys', NULL);
