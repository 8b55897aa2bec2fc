-- Litigation modelled by condition: which grant condition, executive-order section or directive each order reached,
-- for which program and which plaintiffs (by the complaint that named them), with two citations per row.

ALTER TABLE litigation_case ADD COLUMN second_url VARCHAR;
ALTER TABLE litigation_order ADD COLUMN court VARCHAR;
ALTER TABLE litigation_order ADD COLUMN enjoins BOOLEAN;
ALTER TABLE litigation_order ADD COLUMN plaintiff_groups VARCHAR;
ALTER TABLE litigation_order ADD COLUMN ends_because VARCHAR;
ALTER TABLE litigation_order ADD COLUMN second_url VARCHAR;
ALTER TABLE litigation_party ADD COLUMN state_abbr VARCHAR;
ALTER TABLE litigation_party ADD COLUMN plaintiff_group VARCHAR;
ALTER TABLE litigation_party ADD COLUMN url VARCHAR;
ALTER TABLE litigation_party ADD COLUMN second_url VARCHAR;

COMMENT ON COLUMN litigation_case.case_id IS 'Stable id of the case (slug), e.g. san-francisco-v-trump-2025.';
COMMENT ON COLUMN litigation_case.name IS 'Case name as captioned.';
COMMENT ON COLUMN litigation_case.court IS 'Court where the case was filed (N.D. Cal., N.D. Ill., ...).';
COMMENT ON COLUMN litigation_case.circuit IS 'Court of appeals circuit of the district court.';
COMMENT ON COLUMN litigation_case.docket IS 'District court docket number.';
COMMENT ON COLUMN litigation_case.filed_date IS 'Date the complaint was filed; NULL when two sources did not confirm it.';
COMMENT ON COLUMN litigation_case.status IS 'Short summary of the relief and appeals, copied from the orders table.';
COMMENT ON COLUMN litigation_case.programs IS 'Programs the case concerns: byrne_jag, or all (all federal funds).';
COMMENT ON COLUMN litigation_case.conditions IS 'Condition ids the case challenged (;-separated, see litigation_condition).';
COMMENT ON COLUMN litigation_case.url IS 'Primary citation: docket, opinion or the publisher''s release (never a search URL).';
COMMENT ON COLUMN litigation_case.second_url IS 'Second, independent source stating the same facts.';
COMMENT ON COLUMN litigation_case.release_id IS 'Release of the curated litigation table.';
COMMENT ON COLUMN litigation_case.file_name IS 'File of that release (litigation_cases.csv).';
COMMENT ON COLUMN litigation_case.row_number IS 'Row in that file, header = 1.';

COMMENT ON COLUMN litigation_order.order_id IS 'Stable id of the order (slug).';
COMMENT ON COLUMN litigation_order.case_id IS 'Case the order was entered in.';
COMMENT ON COLUMN litigation_order.order_date IS 'Date the order or opinion was entered.';
COMMENT ON COLUMN litigation_order.kind IS 'preliminary_injunction, permanent_injunction, stay_of_nationwide_scope, appellate_decision, ...';
COMMENT ON COLUMN litigation_order.programs IS 'Programs the order reached (;-separated), derived from litigation_order_condition.';
COMMENT ON COLUMN litigation_order.effective_from IS 'First day the relief is in force (in force on this date).';
COMMENT ON COLUMN litigation_order.effective_to IS 'First day the relief is no longer in force (not in force on this date); NULL = still in force as far as recorded.';
COMMENT ON COLUMN litigation_order.url IS 'Primary citation: the order, opinion or docket page (never a search URL).';
COMMENT ON COLUMN litigation_order.court IS 'Court that entered the order (a court of appeals for stays and appellate decisions).';
COMMENT ON COLUMN litigation_order.enjoins IS 'TRUE when the order itself bars the government from applying the conditions; FALSE for rulings, stayed relief and appellate decisions, listed for the record only.';
COMMENT ON COLUMN litigation_order.plaintiff_groups IS 'Which plaintiffs a named_plaintiffs or members order reaches: all, or ;-separated litigation_party.plaintiff_group values.';
COMMENT ON COLUMN litigation_order.ends_because IS 'Why the relief ends on effective_to (superseded, scope stayed, reversed).';
COMMENT ON COLUMN litigation_order.second_url IS 'Second, independent source stating the order''s date and scope.';
COMMENT ON COLUMN litigation_order.release_id IS 'Release of the curated litigation table.';
COMMENT ON COLUMN litigation_order.file_name IS 'File of that release (litigation_orders.csv).';
COMMENT ON COLUMN litigation_order.row_number IS 'Row in that file, header = 1.';

COMMENT ON COLUMN litigation_party.case_id IS 'Case the party is named in.';
COMMENT ON COLUMN litigation_party.party_name IS 'Party name as captioned or as the cited source names it.';
COMMENT ON COLUMN litigation_party.role IS 'plaintiff (a government), association (a plaintiff that is not a government) or member_class (members of an association; not resolved).';
COMMENT ON COLUMN litigation_party.geoid IS 'Jurisdiction the party resolved to; NULL for associations and member classes.';
COMMENT ON COLUMN litigation_party.state_abbr IS 'State postal code used to resolve the name; NULL for associations.';
COMMENT ON COLUMN litigation_party.plaintiff_group IS 'The complaint or group that named the party (first_amended_complaint, second_amended_complaint, ...): orders reach groups.';
COMMENT ON COLUMN litigation_party.url IS 'Source naming the party as a plaintiff.';
COMMENT ON COLUMN litigation_party.second_url IS 'Second, independent source naming the party.';
COMMENT ON COLUMN litigation_party.release_id IS 'Release of the curated litigation table.';
COMMENT ON COLUMN litigation_party.file_name IS 'File of that release (litigation_parties.csv).';
COMMENT ON COLUMN litigation_party.row_number IS 'Row in that file, header = 1.';

CREATE TABLE litigation_condition (
    condition_id VARCHAR PRIMARY KEY,
    instrument   VARCHAR NOT NULL,
    description  VARCHAR NOT NULL,
    programs     VARCHAR NOT NULL,
    ended_date   DATE,
    ended_by     VARCHAR,
    url          VARCHAR NOT NULL,
    second_url   VARCHAR NOT NULL,
    release_id   VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT
);
COMMENT ON TABLE litigation_condition IS 'A grant condition, executive-order section or directive that court orders reach (notice, access, section 1373 certification, EO 13768 s9(a), ...).';
COMMENT ON COLUMN litigation_condition.condition_id IS 'Stable id (notice, access, section_1373_certification, eo13768_s9a, eo14159_s17, ...).';
COMMENT ON COLUMN litigation_condition.instrument IS 'What imposed it: a DOJ grant condition, an executive order section, a directive.';
COMMENT ON COLUMN litigation_condition.description IS 'What it requires or threatens, in a line.';
COMMENT ON COLUMN litigation_condition.programs IS 'Programs it applies to: byrne_jag, or all (all federal funds).';
COMMENT ON COLUMN litigation_condition.ended_date IS 'Date the instrument ceased to exist (e.g. EO 13768 revoked 2021-01-20): relief tied to it ends that day.';
COMMENT ON COLUMN litigation_condition.ended_by IS 'The instrument that ended it.';
COMMENT ON COLUMN litigation_condition.url IS 'Primary citation for the condition (the instrument or an opinion quoting it).';
COMMENT ON COLUMN litigation_condition.second_url IS 'Second, independent source.';
COMMENT ON COLUMN litigation_condition.release_id IS 'Release of the curated litigation table.';
COMMENT ON COLUMN litigation_condition.file_name IS 'File of that release (litigation_conditions.csv).';
COMMENT ON COLUMN litigation_condition.row_number IS 'Row in that file, header = 1.';

CREATE TABLE litigation_order_condition (
    order_id     VARCHAR NOT NULL,
    condition_id VARCHAR NOT NULL,
    program      VARCHAR NOT NULL,
    fiscal_years VARCHAR,
    note         VARCHAR,
    release_id   VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT,
    PRIMARY KEY (order_id, condition_id, program)
);
COMMENT ON TABLE litigation_order_condition IS 'Which condition each order reached, for which program: the per-condition answer of litigation coverage and exposure comes from here.';
COMMENT ON COLUMN litigation_order_condition.order_id IS 'The order (litigation_order).';
COMMENT ON COLUMN litigation_order_condition.condition_id IS 'The condition it reached (litigation_condition).';
COMMENT ON COLUMN litigation_order_condition.program IS 'Program the relief covers for that condition: byrne_jag, or all (all federal funds).';
COMMENT ON COLUMN litigation_order_condition.fiscal_years IS 'Fiscal years of awards the relief names (;-separated), NULL when the sources do not limit it. Shown, not applied.';
COMMENT ON COLUMN litigation_order_condition.note IS 'What the sources say about the reach (e.g. certification only, stay not confirmed).';
COMMENT ON COLUMN litigation_order_condition.release_id IS 'Release of the curated litigation table.';
COMMENT ON COLUMN litigation_order_condition.file_name IS 'File of that release (litigation_order_conditions.csv).';
COMMENT ON COLUMN litigation_order_condition.row_number IS 'Row in that file, header = 1.';

CREATE VIEW litigation_relief AS
SELECT oc.order_id, o.case_id, oc.condition_id, oc.program, oc.fiscal_years, oc.note, o.kind, o.court, o.scope,
       o.plaintiff_groups, o.effective_from,
       CASE WHEN c.ended_date IS NOT NULL AND (o.effective_to IS NULL OR c.ended_date < o.effective_to)
            THEN c.ended_date ELSE o.effective_to END AS effective_to,
       CASE WHEN c.ended_date IS NOT NULL AND (o.effective_to IS NULL OR c.ended_date < o.effective_to)
            THEN c.ended_by ELSE o.ends_because END AS ends_because,
       o.url, o.second_url, o.release_id, o.file_name, o.row_number
FROM litigation_order_condition oc
JOIN litigation_order o USING (order_id)
LEFT JOIN litigation_condition c USING (condition_id)
WHERE o.enjoins;
COMMENT ON VIEW litigation_relief IS 'Relief in force per order and condition: enjoining orders only, ending on the earlier of the order''s end and the day the condition''s instrument ceased to exist.';
COMMENT ON COLUMN litigation_relief.order_id IS 'The enjoining order (litigation_order).';
COMMENT ON COLUMN litigation_relief.case_id IS 'Case of the order.';
COMMENT ON COLUMN litigation_relief.condition_id IS 'Condition the order bars (litigation_condition).';
COMMENT ON COLUMN litigation_relief.program IS 'Program the relief covers for that condition (byrne_jag, or all).';
COMMENT ON COLUMN litigation_relief.fiscal_years IS 'Fiscal years the order names, if any (shown, not applied).';
COMMENT ON COLUMN litigation_relief.note IS 'What the sources say about the reach.';
COMMENT ON COLUMN litigation_relief.kind IS 'Kind of order.';
COMMENT ON COLUMN litigation_relief.court IS 'Court that entered the order.';
COMMENT ON COLUMN litigation_relief.scope IS 'nationwide, named_plaintiffs or members.';
COMMENT ON COLUMN litigation_relief.plaintiff_groups IS 'Plaintiff groups the order reaches (all, or ;-separated).';
COMMENT ON COLUMN litigation_relief.effective_from IS 'First day in force.';
COMMENT ON COLUMN litigation_relief.effective_to IS 'First day not in force: the earlier of the order''s end and the condition''s ended_date.';
COMMENT ON COLUMN litigation_relief.ends_because IS 'Why the relief ends then (the order''s reason, or the instrument that ended the condition).';
COMMENT ON COLUMN litigation_relief.url IS 'Primary citation of the order.';
COMMENT ON COLUMN litigation_relief.second_url IS 'Second source of the order.';
COMMENT ON COLUMN litigation_relief.release_id IS 'Release of the curated litigation table.';
COMMENT ON COLUMN litigation_relief.file_name IS 'File of the order row (litigation_orders.csv).';
COMMENT ON COLUMN litigation_relief.row_number IS 'Row of the order in that file, header = 1.';
