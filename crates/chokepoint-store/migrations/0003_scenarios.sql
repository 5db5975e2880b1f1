-- Scenarios an analyst saved (from the API or the dashboard), beside the bundled ones, so that
-- they can be run again next week by name. An id never names a bundled scenario (the server
-- refuses that), and a saved scenario is immutable: changing it means saving a new id.
CREATE TABLE scenarios (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    toml        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
