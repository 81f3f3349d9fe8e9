/**
 * The SQLite schema as numbered migrations: entry i brings a database from version i to i + 1. Never edit an entry
 * that has shipped; append a new one. Every table keeps an integer `seq`/`id` primary key so pages can resume after
 * a position (cursor) without OFFSET scans.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE accounts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    metadata TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    limits TEXT NOT NULL,
    allowed_models TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX accounts_status ON accounts (status, seq);

  CREATE TABLE api_keys (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL,
    name TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    -- Deferred: rotation points the old key at its successor before inserting it, in one transaction.
    replaced_by TEXT REFERENCES api_keys (id) DEFERRABLE INITIALLY DEFERRED
  );
  CREATE INDEX api_keys_prefix ON api_keys (prefix);
  CREATE INDEX api_keys_account ON api_keys (account_id, seq);

  CREATE TABLE bans (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    lifted_at INTEGER,
    lifted_by TEXT
  );
  CREATE INDEX bans_account ON bans (account_id, seq);

  CREATE TABLE ip_rules (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    cidr TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX ip_rules_cidr ON ip_rules (cidr);

  -- Bumped in the same transaction as every rule change, so any connection can tell whether rules changed.
  CREATE TABLE store_revisions (
    name TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
  );
  INSERT INTO store_revisions (name, revision) VALUES ('ip_rules', 0);

  CREATE TABLE admin_actions (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    actor TEXT NOT NULL CHECK (length(actor) > 0),
    action TEXT NOT NULL CHECK (length(action) > 0),
    target TEXT NOT NULL,
    details TEXT NOT NULL
  );
  CREATE INDEX admin_actions_actor ON admin_actions (actor, id);
  CREATE INDEX admin_actions_action ON admin_actions (action, id);

  CREATE TABLE request_audit (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    account_id TEXT,
    key_id TEXT,
    client_ip TEXT NOT NULL,
    subnet TEXT NOT NULL,
    model TEXT,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    upstream_ms REAL,
    decision TEXT NOT NULL,
    reason TEXT,
    prompt_hash TEXT,
    completion_hash TEXT,
    prompt_text TEXT,
    completion_text TEXT
  );
  CREATE INDEX request_audit_account ON request_audit (account_id, id);
  CREATE INDEX request_audit_key ON request_audit (key_id, id);
  CREATE INDEX request_audit_client_ip ON request_audit (client_ip, id);
  CREATE INDEX request_audit_ts ON request_audit (ts);
  `,
  `
  CREATE TABLE detection_assessments (
    seq INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    at INTEGER NOT NULL,
    risk REAL NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('observe', 'throttle', 'degrade', 'ban')),
    contributions TEXT NOT NULL,
    reasons TEXT NOT NULL
  );
  CREATE INDEX detection_assessments_subject ON detection_assessments (subject, seq);

  -- One row per account with a detection action in force; the gateway reloads them at start-up.
  CREATE TABLE detection_actions (
    account_id TEXT PRIMARY KEY,
    action TEXT NOT NULL
  );
  `,
];
