package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations returns the ordered list of schema changes: entry i brings the
// schema from version i to version i+1. Append only: never edit or reorder an
// entry that has shipped.
func migrations() []string {
	return []string{
		// 1: settings, archived files, submissions, compiled workbooks.
		`
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

CREATE TABLE files (
	sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
	size       INTEGER NOT NULL,
	name       TEXT NOT NULL,     -- sanitised original name, for the record only
	source     TEXT NOT NULL,
	first_seen INTEGER NOT NULL   -- unix nanoseconds, UTC
) STRICT;

CREATE TABLE submissions (
	id          INTEGER PRIMARY KEY,
	period      TEXT NOT NULL,    -- YYYY-MM, or '' when not attributed
	unit        TEXT NOT NULL,    -- unit id, or ''
	file_sha256 TEXT NOT NULL UNIQUE REFERENCES files (sha256),
	file_name   TEXT NOT NULL,
	source      TEXT NOT NULL,
	received_at INTEGER NOT NULL, -- unix nanoseconds, UTC
	accepted    INTEGER NOT NULL CHECK (accepted IN (0, 1)),
	late        INTEGER NOT NULL CHECK (late IN (0, 1)),
	version     INTEGER NOT NULL, -- 1, 2, … among accepted ones of (period, unit); 0 when rejected
	contact     TEXT NOT NULL,
	phone       TEXT NOT NULL,
	answers     TEXT NOT NULL,    -- JSON array
	problems    TEXT NOT NULL,    -- JSON array
	CHECK ((accepted = 1 AND version >= 1 AND period <> '' AND unit <> '')
	    OR (accepted = 0 AND version = 0))
) STRICT;

CREATE UNIQUE INDEX submissions_accepted_version
	ON submissions (period, unit, version) WHERE accepted = 1;
CREATE INDEX submissions_accepted_unit
	ON submissions (unit, period, version) WHERE accepted = 1;
CREATE INDEX submissions_period_received
	ON submissions (period, received_at);

CREATE TABLE compilations (
	period      TEXT NOT NULL,
	version     INTEGER NOT NULL CHECK (version >= 1),
	file_sha256 TEXT NOT NULL REFERENCES files (sha256),
	created_at  INTEGER NOT NULL, -- unix nanoseconds, UTC
	note        TEXT NOT NULL,
	PRIMARY KEY (period, version)
) STRICT;
`,
		// 2: the outbox of mail to send, and the inbox of mail received.
		`
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	key          TEXT NOT NULL UNIQUE, -- what the message is for: one message per key, ever
	message_id   TEXT NOT NULL UNIQUE,
	kind         TEXT NOT NULL,
	period       TEXT NOT NULL,
	unit         TEXT NOT NULL,
	sender       TEXT NOT NULL,
	recipients   TEXT NOT NULL,        -- JSON array of addresses
	file_sha256  TEXT NOT NULL REFERENCES files (sha256), -- the composed message
	state        TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
	attempts     INTEGER NOT NULL,
	last_error   TEXT NOT NULL,
	next_attempt INTEGER NOT NULL,     -- unix nanoseconds, UTC
	created_at   INTEGER NOT NULL,
	sent_at      INTEGER NOT NULL      -- 0 until sent
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_period ON outbox (period, kind, unit);

CREATE TABLE inbox (
	id           INTEGER PRIMARY KEY,
	mailbox      TEXT NOT NULL,
	key          TEXT NOT NULL,        -- "imap:<uidvalidity>:<uid>" or "drop:<name>"
	uid_validity INTEGER NOT NULL,
	uid          INTEGER NOT NULL,
	raw_sha256   TEXT NOT NULL REFERENCES files (sha256),
	received_at  INTEGER NOT NULL,
	sender       TEXT NOT NULL,
	message_id   TEXT NOT NULL,
	subject      TEXT NOT NULL,
	outcome      TEXT NOT NULL CHECK (outcome IN ('processed', 'rejected', 'quarantine')),
	unit         TEXT NOT NULL,
	period       TEXT NOT NULL,
	note         TEXT NOT NULL,
	settled      INTEGER NOT NULL CHECK (settled IN (0, 1)),
	UNIQUE (mailbox, key)
) STRICT;
CREATE INDEX inbox_unsettled ON inbox (mailbox, settled);

CREATE TABLE cursors (
	mailbox      TEXT PRIMARY KEY,
	uid_validity INTEGER NOT NULL,
	uid          INTEGER NOT NULL
) STRICT;
`,
		// 3: the archive's bytes, in the ledger (they were files under
		// archive/ before any site ran duban).
		`
CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY REFERENCES files (sha256),
	data   BLOB NOT NULL
) STRICT;
`,
		// 4: supervision — close-outs (销号) and extensions (延期) decided by
		// the office, and the extension a unit asked for in its workbook.
		`
ALTER TABLE submissions ADD COLUMN extension TEXT NOT NULL DEFAULT ''; -- JSON {until, reason}, '' when none asked
CREATE INDEX submissions_extension
	ON submissions (period, unit, received_at) WHERE extension <> '';

CREATE TABLE closures (
	id     INTEGER PRIMARY KEY,
	task   TEXT NOT NULL,
	action TEXT NOT NULL CHECK (action IN ('close', 'reopen')),
	period TEXT NOT NULL, -- close: the period whose 已完成 it confirms; reopen: the first period asked again
	note   TEXT NOT NULL,
	at     INTEGER NOT NULL
) STRICT;
CREATE INDEX closures_task ON closures (task, id);

CREATE TABLE extensions (
	id       INTEGER PRIMARY KEY,
	period   TEXT NOT NULL,
	unit     TEXT NOT NULL,
	decision TEXT NOT NULL CHECK (decision IN ('granted', 'refused')),
	until    TEXT NOT NULL, -- YYYY-MM-DD, the new deadline day; '' when refused
	note     TEXT NOT NULL,
	at       INTEGER NOT NULL,
	CHECK ((decision = 'granted' AND until <> '') OR (decision = 'refused' AND until = ''))
) STRICT;
CREATE INDEX extensions_period_unit ON extensions (period, unit, id);
`,
		// 5: intake safety — what a received message was judged from its
		// headers, the office's daily digest, and the retention of
		// strangers' messages.
		`
ALTER TABLE inbox ADD COLUMN size INTEGER NOT NULL DEFAULT 0;      -- bytes as received; the archived copy of a stranger's message may be shorter
ALTER TABLE inbox ADD COLUMN stranger INTEGER NOT NULL DEFAULT 0;  -- 1: quarantined unread, kept retention.quarantine_days
ALTER TABLE inbox ADD COLUMN office TEXT NOT NULL DEFAULT '';      -- why the office's daily digest lists it; '' when it does not
ALTER TABLE inbox ADD COLUMN digest TEXT NOT NULL DEFAULT '';      -- the outbox key of the digest that listed it
ALTER TABLE inbox ADD COLUMN purged_at INTEGER NOT NULL DEFAULT 0; -- when retention deleted its archived bytes
CREATE INDEX inbox_sender_received ON inbox (sender, received_at);
CREATE INDEX inbox_digest_pending ON inbox (digest) WHERE office <> '' AND digest = '';
CREATE INDEX inbox_stranger_kept ON inbox (received_at) WHERE stranger = 1 AND purged_at = 0;

-- How many times a message was taken up and not decided: a message that
-- ends the process while it is read (a crash, the kernel's OOM killer) is
-- set aside after a few tries instead of blocking every later one.
CREATE TABLE intake_attempts (
	mailbox  TEXT NOT NULL,
	key      TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	PRIMARY KEY (mailbox, key)
) STRICT;
`,
		// 6: versions the office was sent — the bulletin archived with each
		// version, and the outbox message that carries it.
		`
ALTER TABLE compilations ADD COLUMN bulletin_sha256 TEXT NOT NULL DEFAULT ''; -- '' for versions recorded before release 6
ALTER TABLE compilations ADD COLUMN outbox_key TEXT NOT NULL DEFAULT '';      -- '' for versions recorded before release 6
`,
		// 7: the office's web desk — one-time login links, sessions and the
		// record of who did what. Secrets are stored as their SHA-256 only.
		`
CREATE TABLE desk_logins (
	token_hash TEXT PRIMARY KEY,
	email      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE desk_sessions (
	id_hash    TEXT PRIMARY KEY,
	email      TEXT NOT NULL,
	form_token TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL,
	ended_at   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE desk_audit (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	who    TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL,
	client TEXT NOT NULL
) STRICT;
CREATE INDEX desk_audit_at ON desk_audit (at);
`,
	}
}

// migrate brings the schema up to date in one IMMEDIATE transaction, so two
// processes opening a fresh data directory at once cannot both apply it.
func migrate(ctx context.Context, db *sql.DB) error {
	return migrateTo(ctx, db, migrations())
}

func migrateTo(ctx context.Context, db *sql.DB, steps []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate schema: begin: %w", err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("migrate schema: create schema_version: %w", err)
	}
	var current int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("migrate schema: init schema_version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("migrate schema: read schema_version: %w", err)
	}
	if current > len(steps) {
		return fmt.Errorf("migrate schema: the ledger is at schema version %d but this duban knows only %d; run a newer duban", current, len(steps))
	}
	for v := current; v < len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if current < len(steps) {
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(steps)); err != nil {
			return fmt.Errorf("migrate schema: set version %d: %w", len(steps), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate schema: commit: %w", err)
	}
	return nil
}

// SchemaVersion returns the schema version of the open ledger.
func (l *Ledger) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := l.reads.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
