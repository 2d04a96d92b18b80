-- A history database as the first versions wrote it: no worker, pid start or stage data,
-- no change-log marks, and context previews stored as JSON cut mid-text at 2,000
-- characters ("…" at the end). Kept as data so reading old databases stays tested.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    pipeline TEXT NOT NULL,
    path TEXT,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    duration REAL,
    params TEXT NOT NULL DEFAULT '{}',
    pid INTEGER NOT NULL
);
CREATE TABLE stages (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    stage_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    uses TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL,
    duration REAL,
    message TEXT NOT NULL DEFAULT '',
    errors TEXT NOT NULL DEFAULT '[]',
    attempts INTEGER NOT NULL DEFAULT 1,
    log_path TEXT,
    PRIMARY KEY (run_id, stage_id)
);
CREATE TABLE changes (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    stage_id TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    preview TEXT,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX stages_by_kind ON stages (uses, config_hash, status);

INSERT INTO runs VALUES (1, 'report', 'pipelines/report.toml', 'cli', 'success',
    1700000000.0, 1700000002.0, 2.0, '{"region": "north"}', 1);
INSERT INTO stages VALUES (1, 'load', 0, 'files.load', 'abc', 'success', 1700000000.0, 0.5,
    'loaded 250 rows', '[]', 1, NULL);
INSERT INTO stages VALUES (1, 'total', 1, 'transform.call', 'def', 'success', 1700000001.0, 0.5,
    '', '[]', 1, NULL);
INSERT INTO stages VALUES (1, 'save', 2, 'files.save', 'ghi', 'skipped', NULL, NULL,
    'upstream skipped', '[]', 1, NULL);
INSERT INTO changes VALUES (1, 0, 'load', 'rows', 'added', '—', 'list[250]',
    '[{"region": "r0", "amount": 0.0}, {"region": "r1", "amount": 1.5}, {"region": "r2", "am…');
INSERT INTO changes VALUES (1, 1, 'load', 'note', 'added', '—', '''hello''', '"hello"');
INSERT INTO changes VALUES (1, 2, 'total', 'api_token', 'added', '—', '••••', '••••');
INSERT INTO changes VALUES (1, 3, 'total', 'total', 'added', '—', '4', '4');
INSERT INTO changes VALUES (1, 4, 'total', 'note', 'removed', '''hello''', '—', '<object object at 0x7f>');
