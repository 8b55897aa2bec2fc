-- Audit flags on every declined-detainer figure: the error types of ICE's 2017 Declined Detainer Outcome Report
-- (same-name counties, transfers counted as declines, batch-dated declines, wrong place, cooperating jails),
-- checked row by row after each ingest (analysis/audit_flags.py). A check that cannot run is stored as
-- not_checked, never left out: absence of a row means the check ran and found nothing.

CREATE TABLE detainer_flag_subject (
    subject_table VARCHAR NOT NULL,
    release_id    VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    sheet         VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,
    state_abbr    VARCHAR,
    geoid         VARCHAR,
    jurisdiction  VARCHAR,
    facility      VARCHAR,
    facility_type VARCHAR,
    subject_date  DATE,
    lift_reason   VARCHAR,
    reading       VARCHAR NOT NULL,
    PRIMARY KEY (subject_table, release_id, file_name, sheet, row_number)
);
COMMENT ON TABLE detainer_flag_subject IS 'Every row some published reading counts as a declined detainer (ICE''s DDOR rows; detainer records declined, transferred or released early), the subjects the audit flags are checked on.';
COMMENT ON COLUMN detainer_flag_subject.subject_table IS 'ddor_declined_detainer or detainer: the table the row is in.';
COMMENT ON COLUMN detainer_flag_subject.release_id IS 'Release of the row (with file_name, sheet, row_number: its provenance).';
COMMENT ON COLUMN detainer_flag_subject.file_name IS 'File the row was read from.';
COMMENT ON COLUMN detainer_flag_subject.sheet IS 'Workbook sheet of a detainer row; '''' when the file has none (CSV, PDF).';
COMMENT ON COLUMN detainer_flag_subject.row_number IS 'Row of the file (DDOR: row of the declined-detainer table).';
COMMENT ON COLUMN detainer_flag_subject.state_abbr IS 'State ICE printed (DDOR) or the facility state (records).';
COMMENT ON COLUMN detainer_flag_subject.geoid IS 'GEOID of the jurisdiction the decline is credited to (DDOR: the resolved printed name; records: the facility''s county).';
COMMENT ON COLUMN detainer_flag_subject.jurisdiction IS 'Jurisdiction as printed (DDOR) or the registry name of the credited county (records).';
COMMENT ON COLUMN detainer_flag_subject.facility IS 'Detainer facility as printed (records); NULL for DDOR rows, which print none.';
COMMENT ON COLUMN detainer_flag_subject.facility_type IS 'county jail, state prison, federal prison ... from detainer_facility_match; NULL when unknown.';
COMMENT ON COLUMN detainer_flag_subject.subject_date IS 'Declined date (DDOR) or prepare date standing in for it (records).';
COMMENT ON COLUMN detainer_flag_subject.lift_reason IS 'Lift reason as printed (records); NULL for DDOR rows.';
COMMENT ON COLUMN detainer_flag_subject.reading IS 'Narrowest reading that counts the row: strict, with_transfers, broad (records) or ddor (ICE''s own count).';

CREATE TABLE detainer_flag (
    flag          VARCHAR NOT NULL,
    check_name    VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    subject_table VARCHAR NOT NULL,
    release_id    VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    sheet         VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,
    state_abbr    VARCHAR,
    geoid         VARCHAR,
    facility      VARCHAR,
    subject_date  DATE,
    detail        VARCHAR NOT NULL,
    evidence      JSON,
    provenance    VARCHAR[]
);
COMMENT ON TABLE detainer_flag IS 'One audit check on one declined-detainer row that flagged it or could not run (flag, subject, evidence, provenance). A subject with no row for a check passed it.';
COMMENT ON COLUMN detainer_flag.flag IS 'same_name, transfer, batch_dated, wrong_place or cooperating (definitions in docs/methodology.md, Audit flags).';
COMMENT ON COLUMN detainer_flag.check_name IS 'The check within the flag, e.g. name_candidates, lift_reason, records_around, facility_county, holding_agency, agreement_287g, cooperation_policy, honoured_most.';
COMMENT ON COLUMN detainer_flag.status IS 'flagged (the check found the error pattern) or not_checked (the data to run it is not in the store; never read as clean).';
COMMENT ON COLUMN detainer_flag.subject_table IS 'Table of the flagged row (joins detainer_flag_subject).';
COMMENT ON COLUMN detainer_flag.release_id IS 'Release of the flagged row.';
COMMENT ON COLUMN detainer_flag.file_name IS 'File of the flagged row.';
COMMENT ON COLUMN detainer_flag.sheet IS 'Sheet of the flagged row ('''' when none).';
COMMENT ON COLUMN detainer_flag.row_number IS 'Row of the flagged row.';
COMMENT ON COLUMN detainer_flag.state_abbr IS 'State of the flagged row.';
COMMENT ON COLUMN detainer_flag.geoid IS 'Jurisdiction the row credits the decline to.';
COMMENT ON COLUMN detainer_flag.facility IS 'Facility of the row (records) or the printed jurisdiction (DDOR, which prints no facility).';
COMMENT ON COLUMN detainer_flag.subject_date IS 'Date of the flagged row (declined date, or prepare date for records).';
COMMENT ON COLUMN detainer_flag.detail IS 'One sentence: what the check found, or why it could not run.';
COMMENT ON COLUMN detainer_flag.evidence IS 'Structured evidence: candidates, counts, and the source rows (release, file, row) it rests on; no personal data.';
COMMENT ON COLUMN detainer_flag.provenance IS 'Releases the evidence comes from (besides the flagged row''s own).';
