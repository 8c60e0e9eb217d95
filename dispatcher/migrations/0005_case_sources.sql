-- Where a case came from: a camera, a 12345 hotline ticket (Open311), or a grid member's patrol
-- report (巡查上报). Cases before this migration were all found by cameras.
ALTER TABLE cases ADD COLUMN source TEXT NOT NULL DEFAULT 'camera';

-- Every report people made, as received: the case it opened or joined, and what only the
-- command centre may see (the reporter's contact). Kept whole for the record.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    address TEXT,
    description TEXT NOT NULL,
    media_url TEXT,
    reporter TEXT NOT NULL,
    contact TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX reports_by_case ON reports (case_id);
