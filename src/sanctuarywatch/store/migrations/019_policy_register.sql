-- Policy register (issue 10): the laws and policies that limit, or mandate, cooperation with immigration
-- enforcement, each row cited twice; what each does in a fixed vocabulary; public disputes of list entries
-- and figures; accepted user corrections. All curated, read by sources/policy_register.py.

CREATE TABLE policy_term (
    term       VARCHAR PRIMARY KEY,
    direction  VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    release_id VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    row_number BIGINT
);
COMMENT ON TABLE policy_term IS 'The fixed vocabulary of what a policy does (sources/data/policy_vocabulary.csv).';
COMMENT ON COLUMN policy_term.term IS 'Vocabulary key, e.g. detainer_holds_limited, sanctuary_policies_banned, 287g_required.';
COMMENT ON COLUMN policy_term.direction IS 'limits (limits cooperation with immigration enforcement) or mandates (requires it).';
COMMENT ON COLUMN policy_term.label IS 'Short label shown to users.';
COMMENT ON COLUMN policy_term.definition IS 'What an instrument must do to be given this term.';
COMMENT ON COLUMN policy_term.release_id IS 'Release of the policy register the vocabulary came with.';
COMMENT ON COLUMN policy_term.file_name IS 'policy_vocabulary.csv.';
COMMENT ON COLUMN policy_term.row_number IS '1-based row in the file, header = 1.';

CREATE TABLE policy_instrument (
    policy_id        VARCHAR PRIMARY KEY,
    state_abbr       VARCHAR NOT NULL,
    jurisdiction     VARCHAR NOT NULL,
    level            VARCHAR NOT NULL,
    geoid            VARCHAR NOT NULL,
    instrument_type  VARCHAR NOT NULL,
    name             VARCHAR NOT NULL,
    citation         VARCHAR NOT NULL,
    change           VARCHAR NOT NULL,
    amends           VARCHAR,
    enacted_date     DATE NOT NULL,
    effective_date   DATE NOT NULL,
    ended_date       DATE,
    direction        VARCHAR,
    official_url     VARCHAR NOT NULL,
    second_url       VARCHAR NOT NULL,
    second_source    VARCHAR NOT NULL,
    sources_disagree VARCHAR,
    notes            VARCHAR,
    release_id       VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    row_number       BIGINT
);
COMMENT ON TABLE policy_instrument IS 'One law, ordinance, order, directive, jail policy, court decision or ballot measure on cooperation with immigration enforcement, or one dated change to it (amendment, repeal, strike-down, injunction). Curated; every row cites the official text and an independent second source.';
COMMENT ON COLUMN policy_instrument.policy_id IS 'Stable key, unique across policies_state.csv and policies_local.csv.';
COMMENT ON COLUMN policy_instrument.state_abbr IS 'USPS code of the state the jurisdiction is in.';
COMMENT ON COLUMN policy_instrument.jurisdiction IS 'Jurisdiction as written in the curated file (registry spelling).';
COMMENT ON COLUMN policy_instrument.level IS 'state, county or place.';
COMMENT ON COLUMN policy_instrument.geoid IS 'Census GEOID of the jurisdiction bound by the instrument; checked against the registry on load.';
COMMENT ON COLUMN policy_instrument.instrument_type IS 'statute, ordinance, resolution, executive_order, directive, sheriff_policy, court_decision or ballot_measure.';
COMMENT ON COLUMN policy_instrument.name IS 'Official or short title as published.';
COMMENT ON COLUMN policy_instrument.citation IS 'Official citation: code sections / session law, ordinance or order number, directive number, reporter citation or docket.';
COMMENT ON COLUMN policy_instrument.change IS 'adopted, amended, repealed, struck_down, enjoined or reinstated: what this row records.';
COMMENT ON COLUMN policy_instrument.amends IS 'For a change row: the policy_id it amends, repeals or ends.';
COMMENT ON COLUMN policy_instrument.enacted_date IS 'Signed, adopted, issued or decided.';
COMMENT ON COLUMN policy_instrument.effective_date IS 'In force from this date.';
COMMENT ON COLUMN policy_instrument.ended_date IS 'In force until the day before this date (exclusive end); NULL while in force.';
COMMENT ON COLUMN policy_instrument.direction IS 'limits, mandates or mixed, derived from the vocabulary terms of its effects; NULL for a row with no effects (a repeal).';
COMMENT ON COLUMN policy_instrument.official_url IS 'Address of the official text (legislature, clerk, attorney general, court).';
COMMENT ON COLUMN policy_instrument.second_url IS 'Address of an independent second source stating the same facts.';
COMMENT ON COLUMN policy_instrument.second_source IS 'Publisher of the second source.';
COMMENT ON COLUMN policy_instrument.sources_disagree IS 'Where the two sources differ (e.g. on a date), what each says; shown with the row.';
COMMENT ON COLUMN policy_instrument.notes IS 'Short factual note (bill number, what was changed).';
COMMENT ON COLUMN policy_instrument.release_id IS 'Release of the policy register.';
COMMENT ON COLUMN policy_instrument.file_name IS 'policies_state.csv or policies_local.csv.';
COMMENT ON COLUMN policy_instrument.row_number IS '1-based row in the file, header = 1.';

CREATE TABLE policy_effect (
    policy_id  VARCHAR NOT NULL,
    term       VARCHAR NOT NULL,
    direction  VARCHAR NOT NULL,
    release_id VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    row_number BIGINT,
    PRIMARY KEY (policy_id, term)
);
COMMENT ON TABLE policy_effect IS 'What an instrument row does while in force: one row per instrument and vocabulary term.';
COMMENT ON COLUMN policy_effect.policy_id IS 'The policy_instrument row.';
COMMENT ON COLUMN policy_effect.term IS 'A policy_term.term.';
COMMENT ON COLUMN policy_effect.direction IS 'The term''s direction (limits / mandates), copied for filtering.';
COMMENT ON COLUMN policy_effect.release_id IS 'Release of the policy register.';
COMMENT ON COLUMN policy_effect.file_name IS 'File of the instrument row.';
COMMENT ON COLUMN policy_effect.row_number IS 'Row of the instrument in that file.';

CREATE TABLE dispute (
    dispute_id      VARCHAR PRIMARY KEY,
    state_abbr      VARCHAR NOT NULL,
    jurisdiction    VARCHAR NOT NULL,
    geoid           VARCHAR NOT NULL,
    subject         VARCHAR NOT NULL,
    list_id         VARCHAR,
    figure          VARCHAR,
    published_value VARCHAR,
    claimed_value   VARCHAR,
    objector        VARCHAR NOT NULL,
    statement_date  DATE NOT NULL,
    statement       VARCHAR NOT NULL,
    outcome         VARCHAR,
    outcome_date    DATE,
    official_url    VARCHAR NOT NULL,
    second_url      VARCHAR NOT NULL,
    second_source   VARCHAR NOT NULL,
    release_id      VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    row_number      BIGINT
);
COMMENT ON TABLE dispute IS 'A jurisdiction''s public objection to a designation-list entry or a published figure (sources/data/disputes.csv), cited twice.';
COMMENT ON COLUMN dispute.dispute_id IS 'Stable key.';
COMMENT ON COLUMN dispute.state_abbr IS 'USPS code of the objecting jurisdiction''s state.';
COMMENT ON COLUMN dispute.jurisdiction IS 'The objecting jurisdiction (registry spelling).';
COMMENT ON COLUMN dispute.geoid IS 'Its Census GEOID.';
COMMENT ON COLUMN dispute.subject IS 'list_entry (inclusion on a designation list) or figure (a published number).';
COMMENT ON COLUMN dispute.list_id IS 'For list_entry: the designation_list.list_id disputed (e.g. doj_2025, dhs_2025).';
COMMENT ON COLUMN dispute.figure IS 'For figure: what the figure counts (e.g. detainers declined, FY2017).';
COMMENT ON COLUMN dispute.published_value IS 'The value as published by the agency.';
COMMENT ON COLUMN dispute.claimed_value IS 'The value the jurisdiction gave.';
COMMENT ON COLUMN dispute.objector IS 'The office that objected (an office, never a person''s name).';
COMMENT ON COLUMN dispute.statement_date IS 'Date of the objection.';
COMMENT ON COLUMN dispute.statement IS 'What the objection says, in the fewest words, facts copied from the statement.';
COMMENT ON COLUMN dispute.outcome IS 'What happened (entry removed, list withdrawn, unresolved); NULL = not known.';
COMMENT ON COLUMN dispute.outcome_date IS 'Date of the outcome.';
COMMENT ON COLUMN dispute.official_url IS 'The jurisdiction''s own statement (or the record of it).';
COMMENT ON COLUMN dispute.second_url IS 'An independent source reporting the objection.';
COMMENT ON COLUMN dispute.second_source IS 'Publisher of the second source.';
COMMENT ON COLUMN dispute.release_id IS 'Release of the policy register.';
COMMENT ON COLUMN dispute.file_name IS 'disputes.csv.';
COMMENT ON COLUMN dispute.row_number IS '1-based row in the file, header = 1.';

CREATE TABLE correction (
    correction_id   VARCHAR PRIMARY KEY,
    target_table    VARCHAR NOT NULL,
    target_key      VARCHAR NOT NULL,
    field           VARCHAR NOT NULL,
    geoid           VARCHAR,
    published_value VARCHAR,
    corrected_value VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    source_url      VARCHAR NOT NULL,
    submitted_date  DATE NOT NULL,
    accepted_date   DATE NOT NULL,
    release_id      VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    row_number      BIGINT
);
COMMENT ON TABLE correction IS 'An accepted user correction (sources/data/corrections_accepted.csv): which stored value is wrong, the right value, why, and the evidence. Figures it touches say a correction applies.';
COMMENT ON COLUMN correction.correction_id IS 'Stable key.';
COMMENT ON COLUMN correction.target_table IS 'Store table holding the corrected value (e.g. policy_instrument, list_entry, agreement_287g).';
COMMENT ON COLUMN correction.target_key IS 'Natural key of the corrected row in that table (its DIFF_KEYS values joined with |).';
COMMENT ON COLUMN correction.field IS 'Column corrected.';
COMMENT ON COLUMN correction.geoid IS 'Jurisdiction the corrected value is about, so its profile can show the correction.';
COMMENT ON COLUMN correction.published_value IS 'The value as stored / published.';
COMMENT ON COLUMN correction.corrected_value IS 'The value the evidence supports.';
COMMENT ON COLUMN correction.reason IS 'Why the value is wrong.';
COMMENT ON COLUMN correction.source_url IS 'Evidence: address of a primary record.';
COMMENT ON COLUMN correction.submitted_date IS 'Date the correction was sent.';
COMMENT ON COLUMN correction.accepted_date IS 'Date a maintainer accepted it.';
COMMENT ON COLUMN correction.release_id IS 'Release of the policy register.';
COMMENT ON COLUMN correction.file_name IS 'corrections_accepted.csv.';
COMMENT ON COLUMN correction.row_number IS '1-based row in the file, header = 1.';
