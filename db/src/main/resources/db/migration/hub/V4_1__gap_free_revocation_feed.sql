-- The revocation feed's sequence numbers are handed out at the end of each writing transaction, under the
-- row lock of this one-row counter, instead of by AUTO_INCREMENT at insert. AUTO_INCREMENT values become
-- visible in commit order, not in number order: a gateway reading between two commits could see 11 before 10
-- existed, move on to 11 and never read 10. Under the counter's lock a later number is never committed
-- before an earlier one, so a reader that has seen N has seen everything below N.
-- revocation_event.seq keeps its AUTO_INCREMENT attribute (changing it is not portable to H2's MariaDB mode);
-- the hub always writes it explicitly.
CREATE TABLE revocation_feed_head (
    id        INT     NOT NULL,
    last_seq  BIGINT  NOT NULL,
    CONSTRAINT pk_revocation_feed_head PRIMARY KEY (id)
);
INSERT INTO revocation_feed_head (id, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM revocation_event;
