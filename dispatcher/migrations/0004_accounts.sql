-- People who sign in to the web pages: operators, auditors and admins, and the roster's members
-- (`member` is their id in [[teams]]). Passwords are kept only as Argon2id PHC strings.
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    member TEXT,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Signed-in browsers. Only the SHA-256 of a session cookie is kept, so a copy of the database
-- signs nobody in; `csrf` is the token each of the session's forms must carry.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account);
