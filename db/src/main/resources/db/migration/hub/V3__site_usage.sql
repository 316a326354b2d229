-- How close each site is to its delivery limits, as the gateways last reported it, so the site's admin sees
-- it in GET /api/v1/sites/{id} before being refused.
CREATE TABLE site_usage (
    site_id         VARCHAR(36)  NOT NULL,
    limit_name      VARCHAR(48)  NOT NULL,
    capacity        BIGINT       NOT NULL,
    remaining       BIGINT       NOT NULL,
    window_seconds  BIGINT       NOT NULL,
    reported_at     DATETIME(6)  NOT NULL,
    CONSTRAINT pk_site_usage PRIMARY KEY (site_id, limit_name)
);
