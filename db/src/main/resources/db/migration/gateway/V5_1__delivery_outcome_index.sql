-- Gateway schema 5.1: the hub's operator overview needs each site's deliveries per hour by outcome. The gateway
-- counts them with one GROUP BY over the hour's rows (stats.DeliveryStatsReporter); with updated_at, status and
-- site_id in one index that count reads the index alone, never the rows. It replaces the index on updated_at
-- alone, which the abuse monitor's hourly query (updated_at, status, site_id) also reads without the rows now.
CREATE INDEX ix_delivery_updated_status_site ON delivery (updated_at, status, site_id);
DROP INDEX ix_delivery_updated ON delivery;
