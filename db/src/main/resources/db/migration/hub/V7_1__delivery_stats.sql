-- What the gateways report about deliveries, for the operators' overview in the admin console. The gateway's
-- database holds the deliveries; the hub keeps only these aggregates. Gateways sharing one database report the
-- same figures, so every row is replaced, never added to. Times are UTC.

-- Deliveries per site and hour by outcome (counted in the hour the push service's answer was recorded).
CREATE TABLE site_delivery_hour (
    site_id        VARCHAR(36)  NOT NULL,
    hour_start     DATETIME(6)  NOT NULL,
    delivered      BIGINT       NOT NULL,
    failed         BIGINT       NOT NULL,
    invalid_token  BIGINT       NOT NULL,
    reported_at    DATETIME(6)  NOT NULL,
    CONSTRAINT pk_site_delivery_hour PRIMARY KEY (site_id, hour_start)
);
-- The overview sums every site's hours of the last day; old hours are deleted by it (hub.stats.retention).
CREATE INDEX ix_site_delivery_hour_hour ON site_delivery_hour (hour_start);

-- Confirmed device tokens per site and Moodle app platform (ios, android-fcm, ios-fcm, ...), as last reported.
CREATE TABLE site_devices (
    site_id      VARCHAR(36)  NOT NULL,
    platform     VARCHAR(16)  NOT NULL,
    devices      BIGINT       NOT NULL,
    reported_at  DATETIME(6)  NOT NULL,
    CONSTRAINT pk_site_devices PRIMARY KEY (site_id, platform)
);

-- The gateways' delivery queue, one sample per minute: recipients waiting, claimed, and the oldest due time.
CREATE TABLE gateway_queue_sample (
    sampled_at  DATETIME(6)  NOT NULL,
    queued      BIGINT       NOT NULL,
    claimed     BIGINT       NOT NULL,
    oldest_due  DATETIME(6)  NULL,
    CONSTRAINT pk_gateway_queue_sample PRIMARY KEY (sampled_at)
);
