-- One schema for SQLite and PostgreSQL: only types and syntax both understand. Times are
-- milliseconds since the Unix epoch (UTC).

-- Every event received, exactly once: a violation and its clearing share an id, so the type is
-- part of the key.
CREATE TABLE events (
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    camera TEXT NOT NULL,
    kind TEXT,
    received_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    case_id TEXT,
    PRIMARY KEY (id, type)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    -- NULL: outside every grid, in the command centre's unassigned queue.
    grid TEXT,
    camera TEXT NOT NULL,
    zone TEXT,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    assignee TEXT,
    occurrences BIGINT NOT NULL,
    -- The closed case at the same spot this one repeats (反复).
    recurrence_of TEXT,
    first_event TEXT NOT NULL,
    last_event TEXT NOT NULL,
    reported_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    filed_at BIGINT,
    dispatched_at BIGINT,
    accepted_at BIGINT,
    handled_at BIGINT,
    closed_at BIGINT,
    accept_due BIGINT,
    handle_due BIGINT,
    -- 0: on time; 1: escalated to the grid leader; 2: escalated to the command centre.
    escalation BIGINT NOT NULL,
    -- A pending request to extend handle_due to this time (延期).
    extension_until BIGINT,
    extensions BIGINT NOT NULL,
    reworks BIGINT NOT NULL,
    -- When the camera last reported the violation gone.
    cleared_at BIGINT,
    -- Why an operator voided it: kept as a false positive for retraining.
    void_reason TEXT
);
CREATE INDEX cases_by_kind_state ON cases (kind, state);
CREATE INDEX cases_by_grid_state ON cases (grid, state);
CREATE INDEX cases_by_assignee ON cases (assignee, state);

-- Every change to every case, append-only; each entry carries the hash of the one before.
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    case_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_case ON audit (case_id, seq);

CREATE TABLE cameras (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    since BIGINT NOT NULL,
    detail TEXT
);
