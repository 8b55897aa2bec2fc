-- ICE 287(g): every published sheet (participating and pending) with its own as-of date, the columns the real
-- sheets print (COUNTY, ADDENDUM, MOA text), corrections applied to ICE's typos, and two views that make the
-- product's questions one-line SQL: which sheet was current on a date, and each agency's history.

ALTER TABLE agreement_287g ADD COLUMN county_printed VARCHAR;
ALTER TABLE agreement_287g ADD COLUMN county_geoid VARCHAR;
ALTER TABLE agreement_287g ADD COLUMN moa_printed VARCHAR;
ALTER TABLE agreement_287g ADD COLUMN addendum_printed VARCHAR;
ALTER TABLE agreement_287g ADD COLUMN addendum_url VARCHAR;
ALTER TABLE agreement_287g ADD COLUMN corrections VARCHAR;
COMMENT ON TABLE agreement_287g IS 'One agreement (agency x support model) as listed on one ICE participating-agencies sheet.';
COMMENT ON COLUMN agreement_287g.sheet_date IS 'The sheet''s as-of date: a date printed above the header if any, else the workbook''s last-modified date (docProps/core.xml, UTC). Never the file name.';
COMMENT ON COLUMN agreement_287g.state_abbr IS 'Postal abbreviation of the STATE cell (after corrections; see corrections).';
COMMENT ON COLUMN agreement_287g.agency_name IS 'LAW ENFORCEMENT AGENCY as printed (surrounding and repeated spaces removed).';
COMMENT ON COLUMN agreement_287g.agency_type IS 'TYPE as printed: County, Municipality, State Agency, State.';
COMMENT ON COLUMN agreement_287g.signed_date IS 'SIGNED: the date the agreement was signed (an Excel date cell).';
COMMENT ON COLUMN agreement_287g.moa_url IS 'Hyperlink target of the MOA cell (the MOA PDF on ice.gov), read from the sheet''s relationships XML; NULL when the cell has no link.';
COMMENT ON COLUMN agreement_287g.agency_id IS 'Stable agency id (kind:STATE:name), the key of the agency table.';
COMMENT ON COLUMN agreement_287g.geoid IS 'GEOID the agency resolves to: county sheriff -> county, city police -> place, state agency -> state.';
COMMENT ON COLUMN agreement_287g.resolution_status IS 'accepted, needs_review or unresolved (the resolver''s status for agency_name).';
COMMENT ON COLUMN agreement_287g.county_printed IS 'COUNTY as printed (sheets from April 2025 on); NULL on sheets without the column.';
COMMENT ON COLUMN agreement_287g.county_geoid IS 'County GEOID for county maps: geoid when the agency is a county, else COUNTY resolved as a county; NULL when neither is known.';
COMMENT ON COLUMN agreement_287g.moa_printed IS 'MOA cell text as printed: link, link pending, link | addendum.';
COMMENT ON COLUMN agreement_287g.addendum_printed IS 'ADDENDUM cell text as printed (sheets from July 2025 on).';
COMMENT ON COLUMN agreement_287g.addendum_url IS 'Hyperlink target of the ADDENDUM cell, if any.';
COMMENT ON COLUMN agreement_287g.corrections IS 'Corrections applied to this row from sources/data/ice_287g_corrections.csv: field, value as printed, value used and the reason; NULL when none.';

CREATE TABLE pending_287g (
    sheet_date        DATE NOT NULL,
    state_abbr        VARCHAR NOT NULL,
    agency_name       VARCHAR NOT NULL,
    agency_type       VARCHAR,
    support_model     VARCHAR NOT NULL,
    county_printed    VARCHAR,
    county_geoid      VARCHAR,
    moa_printed       VARCHAR,
    moa_url           VARCHAR,
    agency_id         VARCHAR,
    geoid             VARCHAR,
    resolution_status VARCHAR NOT NULL,
    corrections       VARCHAR,
    release_id        VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT
);
COMMENT ON TABLE pending_287g IS 'One requested agreement (agency x support model) as listed on one ICE pending-agencies sheet: not yet in force.';
COMMENT ON COLUMN pending_287g.sheet_date IS 'The sheet''s as-of date (workbook last-modified date, UTC), as for agreement_287g.';
COMMENT ON COLUMN pending_287g.state_abbr IS 'Postal abbreviation of the STATE cell (after corrections).';
COMMENT ON COLUMN pending_287g.agency_name IS 'LAW ENFORCEMENT AGENCY as printed (surrounding and repeated spaces removed).';
COMMENT ON COLUMN pending_287g.agency_type IS 'TYPE as printed: County, Municipality, State Agency.';
COMMENT ON COLUMN pending_287g.support_model IS 'Jail Enforcement Model, Task Force Model or Warrant Service Officer.';
COMMENT ON COLUMN pending_287g.county_printed IS 'COUNTY as printed.';
COMMENT ON COLUMN pending_287g.county_geoid IS 'County GEOID: geoid when the agency is a county, else COUNTY resolved as a county.';
COMMENT ON COLUMN pending_287g.moa_printed IS 'MOA cell text as printed (later pending sheets only), e.g. link pending.';
COMMENT ON COLUMN pending_287g.moa_url IS 'Hyperlink target of the MOA cell, if any.';
COMMENT ON COLUMN pending_287g.agency_id IS 'Stable agency id (kind:STATE:name), shared with agreement_287g.';
COMMENT ON COLUMN pending_287g.geoid IS 'GEOID the agency resolves to.';
COMMENT ON COLUMN pending_287g.resolution_status IS 'accepted, needs_review or unresolved (the resolver''s status).';
COMMENT ON COLUMN pending_287g.corrections IS 'Corrections applied to this row (field, printed, used, reason); NULL when none.';

CREATE TABLE sheet_287g (
    list_kind   VARCHAR NOT NULL,
    sheet_name  VARCHAR NOT NULL,
    sheet_date  DATE NOT NULL,
    modified_at TIMESTAMP,
    date_from   VARCHAR NOT NULL,
    data_rows   BIGINT NOT NULL,
    release_id  VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    row_number  BIGINT,
    PRIMARY KEY (release_id, file_name, sheet_name)
);
COMMENT ON TABLE sheet_287g IS 'One ICE 287(g) sheet as published: which list, its as-of date and how many non-empty rows it has.';
COMMENT ON COLUMN sheet_287g.list_kind IS 'participating (agreement_287g) or pending (pending_287g).';
COMMENT ON COLUMN sheet_287g.sheet_name IS 'The worksheet''s name in the workbook (ICE: Sheet1 or Sheet 1).';
COMMENT ON COLUMN sheet_287g.sheet_date IS 'As-of date of the sheet (see date_from).';
COMMENT ON COLUMN sheet_287g.modified_at IS 'Workbook last-modified time from docProps/core.xml dcterms:modified (UTC).';
COMMENT ON COLUMN sheet_287g.date_from IS 'Where sheet_date comes from: title_row (a date printed above the header) or workbook_modified.';
COMMENT ON COLUMN sheet_287g.data_rows IS 'Non-empty rows below the header: rows loaded plus rows quarantined.';
COMMENT ON COLUMN sheet_287g.row_number IS 'Row number of the header row.';

CREATE VIEW sheet_287g_period AS
WITH day_last AS (
    SELECT * FROM sheet_287g
    QUALIFY row_number() OVER (PARTITION BY list_kind, sheet_date ORDER BY modified_at DESC NULLS LAST, file_name DESC) = 1
)
SELECT list_kind, sheet_date AS valid_from,
       lead(sheet_date) OVER (PARTITION BY list_kind ORDER BY sheet_date) AS valid_to,
       release_id, file_name, data_rows
FROM day_last;
COMMENT ON VIEW sheet_287g_period IS 'For each list, the sheet current from its as-of date until the next sheet (the last-modified sheet of a day wins). In force on date d: valid_from <= d AND (d < valid_to OR valid_to IS NULL).';

CREATE VIEW agency_287g_history AS
WITH listed AS (
    SELECT agency_id, state_abbr, support_model, min(sheet_date) AS first_listed, max(sheet_date) AS last_listed,
           count(DISTINCT sheet_date) AS sheets_listed, arg_max(agency_name, sheet_date) AS agency_name,
           arg_max(geoid, sheet_date) AS geoid, arg_max(county_geoid, sheet_date) AS county_geoid,
           min(signed_date) AS first_signed
    FROM agreement_287g GROUP BY ALL
), pending AS (
    SELECT agency_id, state_abbr, support_model, min(sheet_date) AS first_pending, max(sheet_date) AS last_pending,
           arg_max(agency_name, sheet_date) AS agency_name, arg_max(geoid, sheet_date) AS geoid,
           arg_max(county_geoid, sheet_date) AS county_geoid
    FROM pending_287g GROUP BY ALL
), latest AS (SELECT max(sheet_date) AS latest_sheet FROM sheet_287g WHERE list_kind = 'participating')
SELECT agency_id, state_abbr, support_model,
       coalesce(l.agency_name, p.agency_name) AS agency_name,
       coalesce(l.geoid, p.geoid) AS geoid,
       coalesce(l.county_geoid, p.county_geoid) AS county_geoid,
       p.first_pending, p.last_pending, l.first_listed, l.last_listed, l.sheets_listed, l.first_signed,
       (p.first_pending IS NOT NULL AND l.first_listed >= p.first_pending) AS pending_then_participating,
       (l.last_listed IS NOT NULL AND l.last_listed < (SELECT latest_sheet FROM latest)) AS dropped
FROM listed l FULL OUTER JOIN pending p USING (agency_id, state_abbr, support_model);
COMMENT ON VIEW agency_287g_history IS 'Each agency x support model across all 287(g) sheets: first and last pending and participating sheet, and whether it moved from pending to participating or was dropped.';
