-- The abuse monitor reads the last hour of deliveries and notifications per site.
CREATE INDEX ix_delivery_updated ON delivery (updated_at);
CREATE INDEX ix_notification_created ON notification (created_at);
