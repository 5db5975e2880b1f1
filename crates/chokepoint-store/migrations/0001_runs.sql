-- Every run: what reproduces it and how it ended.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,              -- simulate | chokepoints | backtest | ...
    label         TEXT NOT NULL,              -- the scenario id, or what the run asked
    status        TEXT NOT NULL,              -- running | done | failed
    message       TEXT,                       -- why it failed
    program       TEXT NOT NULL,              -- program name and version
    dataset       TEXT NOT NULL,              -- dataset edition (e.g. mcs2026)
    dataset_hash  TEXT NOT NULL,              -- SHA-256 over the dataset's files
    scenario_text TEXT,                       -- the scenario as run
    scenario_hash TEXT,
    options       TEXT NOT NULL,              -- the request's options, JSON
    seed          INTEGER,
    runs          INTEGER,
    threads       INTEGER,
    started_at    TEXT NOT NULL,              -- RFC 3339, UTC
    finished_at   TEXT
);

-- A run's results: the summary (JSON) and small tables (JSON), by name.
CREATE TABLE results (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
);

-- Large per-run tables kept as files next to the database (Parquet, CSV), by name.
CREATE TABLE files (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    path    TEXT NOT NULL,                    -- relative to the store's directory
    bytes   INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
);

CREATE INDEX runs_by_kind ON runs(kind, id);
