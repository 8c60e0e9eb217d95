-- Webhook deliveries, written in the same transaction as the change they announce (a
-- transactional outbox): nothing announced is lost, nothing is announced that did not happen.
CREATE TABLE outbox (
    id BIGINT PRIMARY KEY,
    webhook TEXT NOT NULL,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);

-- Graduated response: the registered shop was told, and has until then to comply.
ALTER TABLE cases ADD COLUMN notice_until BIGINT;
ALTER TABLE cases ADD COLUMN shop TEXT;
