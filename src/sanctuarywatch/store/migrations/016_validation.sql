-- Data-quality invariants (sanctuarywatch.validate): the latest run's results, one row per finding, so the build,
-- the CLI and the sources page read the same rows. A check with nothing wrong writes one 'pass' row.

CREATE TABLE validation_result (
    run_at     TIMESTAMP NOT NULL,
    check_name VARCHAR NOT NULL,
    subject    VARCHAR NOT NULL,
    status     VARCHAR NOT NULL,
    detail     VARCHAR NOT NULL,
    reason     VARCHAR,
    release_id VARCHAR,
    file_name  VARCHAR,
    row_number BIGINT
);
COMMENT ON TABLE validation_result IS 'Results of the latest run of the data-quality invariants (sanctuarywatch validate): a fail row fails CI; a warn row is a known exception with its listed reason.';
COMMENT ON COLUMN validation_result.run_at IS 'When the run that wrote the row started (UTC); each run replaces the previous one.';
COMMENT ON COLUMN validation_result.check_name IS 'The invariant (validate/checks.py), e.g. geoid_in_registry, release_row_count.';
COMMENT ON COLUMN validation_result.subject IS 'What the row is about: a release, a sheet, a list entry, a table.column and value; for a pass row, the scope checked.';
COMMENT ON COLUMN validation_result.status IS 'pass, warn (a violation with a listed reason, or a soft warning), fail (fails the build) or not checked (its data is not loaded).';
COMMENT ON COLUMN validation_result.detail IS 'The figures behind the status, in a sentence (expected and found).';
COMMENT ON COLUMN validation_result.reason IS 'For a warn: why it is accepted (validate/data/accepted_exceptions.csv or the list flag); NULL otherwise.';
COMMENT ON COLUMN validation_result.release_id IS 'Release of the offending row (or of the subject), when there is one.';
COMMENT ON COLUMN validation_result.file_name IS 'File of the offending row, when there is one.';
COMMENT ON COLUMN validation_result.row_number IS 'Row of the offending fact in its file (first one when several), when there is one.';
