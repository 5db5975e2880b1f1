-- The process that records a run, so that a run left `running` by a process that died (killed,
-- crashed, machine restarted) can be told from one still in progress in another process.
-- Format: `linux:<pid>:<start time in clock ticks since boot>:<boot id>`; NULL where the
-- platform gives no way to check (such runs are never reaped).
ALTER TABLE runs ADD COLUMN owner TEXT;
