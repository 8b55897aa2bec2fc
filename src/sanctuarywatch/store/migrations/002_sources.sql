-- Fact tables filled by the source connectors. Each row carries provenance (release_id, file_name, row_number)
-- and, where a source names a jurisdiction, the text as printed plus the resolver's answer.

CREATE TABLE designation_list (
    list_id     VARCHAR PRIMARY KEY,
    title       VARCHAR NOT NULL,
    publisher   VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    url         VARCHAR,
    description VARCHAR
);
COMMENT ON TABLE designation_list IS 'A published list of jurisdictions (official designations and third-party lists).';
COMMENT ON COLUMN designation_list.kind IS 'official (DHS, DOJ, ICE) or third_party (CIS, ILRC ...) or oversight (DOJ OIG).';

CREATE TABLE list_membership (
    list_id           VARCHAR NOT NULL,
    edition           VARCHAR NOT NULL,
    edition_date      DATE,
    withdrawn_date    DATE,
    as_printed        VARCHAR NOT NULL,
    state_as_printed  VARCHAR,
    category          VARCHAR,
    geoid             VARCHAR,
    level             VARCHAR,
    confidence        DOUBLE,
    resolution_status VARCHAR NOT NULL,
    release_id        VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT
);
COMMENT ON TABLE list_membership IS 'One jurisdiction as printed on one edition of a list, with the GEOID it resolves to.';
COMMENT ON COLUMN list_membership.resolution_status IS 'accepted, needs_review or unresolved (resolver status).';
COMMENT ON COLUMN list_membership.category IS 'The list''s own grouping (state, county, city) or reason text as printed.';

CREATE TABLE policy (
    geoid          VARCHAR,
    as_printed     VARCHAR NOT NULL,
    state_abbr     VARCHAR,
    title          VARCHAR,
    policy_text    VARCHAR,
    effective_date DATE,
    ended_date     DATE,
    url            VARCHAR,
    release_id     VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    row_number     BIGINT
);
COMMENT ON TABLE policy IS 'A policy limiting or governing cooperation (ordinance, sheriff policy, state law), as a source describes it.';

CREATE TABLE ddor_declined_detainer (
    report_issue          INTEGER NOT NULL,
    report_week_start     DATE NOT NULL,
    report_week_end       DATE NOT NULL,
    jurisdiction_printed  VARCHAR NOT NULL,
    state_abbr            VARCHAR NOT NULL,
    geoid                 VARCHAR,
    resolution_status     VARCHAR NOT NULL,
    citizenship_country   VARCHAR,
    notable_criminal_activity VARCHAR,
    detainer_issued_date  DATE,
    declined_date         DATE,
    release_id            VARCHAR NOT NULL,
    file_name             VARCHAR NOT NULL,
    row_number            BIGINT
);
COMMENT ON TABLE ddor_declined_detainer IS 'Rows of ICE''s 2017 Declined Detainer Outcome Reports: one declined detainer each, as ICE printed it.';

CREATE TABLE ddor_policy_jurisdiction (
    report_issue         INTEGER NOT NULL,
    jurisdiction_printed VARCHAR NOT NULL,
    state_abbr           VARCHAR NOT NULL,
    geoid                VARCHAR,
    resolution_status    VARCHAR NOT NULL,
    policy_text          VARCHAR,
    release_id           VARCHAR NOT NULL,
    file_name            VARCHAR NOT NULL,
    row_number           BIGINT
);
COMMENT ON TABLE ddor_policy_jurisdiction IS 'The DDOR table of jurisdictions with policies that restrict cooperation with ICE.';

CREATE TABLE agreement_287g (
    sheet_date        DATE NOT NULL,
    state_abbr        VARCHAR NOT NULL,
    agency_name       VARCHAR NOT NULL,
    agency_type       VARCHAR,
    support_model     VARCHAR NOT NULL,
    signed_date       DATE,
    moa_url           VARCHAR,
    agency_id         VARCHAR,
    geoid             VARCHAR,
    resolution_status VARCHAR NOT NULL,
    release_id        VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT
);
COMMENT ON TABLE agreement_287g IS 'One agency''s 287(g) agreement as listed on one ICE participating-agencies sheet.';
COMMENT ON COLUMN agreement_287g.support_model IS 'Jail Enforcement Model, Task Force Model or Warrant Service Officer.';

CREATE TABLE ice_facility (
    facility_code VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    address       VARCHAR,
    city          VARCHAR,
    county        VARCHAR,
    state_abbr    VARCHAR,
    zip           VARCHAR,
    facility_type VARCHAR,
    aor           VARCHAR,
    geoid         VARCHAR,
    resolution_status VARCHAR NOT NULL,
    release_id    VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    row_number    BIGINT
);
COMMENT ON TABLE ice_facility IS 'ICE detention / detainer facilities with the county they sit in; links Detainer Facility Code to a jurisdiction.';

CREATE TABLE detainer (
    prepare_date          DATE NOT NULL,
    facility_state        VARCHAR,
    facility_aor          VARCHAR,
    facility_name         VARCHAR,
    facility_code         VARCHAR,
    facility_city         VARCHAR,
    detainer_type         VARCHAR,
    criminality           VARCHAR,
    lift_reason           VARCHAR,
    citizenship_country   VARCHAR,
    case_status           VARCHAR,
    anonymized_id         VARCHAR,
    geoid                 VARCHAR,
    release_id            VARCHAR NOT NULL,
    file_name             VARCHAR NOT NULL,
    row_number            BIGINT
);
COMMENT ON TABLE detainer IS 'ICE detainers in the ERO FOIA release format. Names and birth dates are dropped at the connector.';
COMMENT ON COLUMN detainer.geoid IS 'County GEOID of the detainer facility, via ice_facility.';

CREATE TABLE grant_award (
    award_id          VARCHAR NOT NULL,
    fiscal_year       INTEGER NOT NULL,
    program           VARCHAR NOT NULL,
    awarding_office   VARCHAR,
    recipient_name    VARCHAR NOT NULL,
    state_abbr        VARCHAR NOT NULL,
    amount            DECIMAL(18, 2) NOT NULL,
    award_date        DATE,
    is_pass_through   BOOLEAN NOT NULL DEFAULT FALSE,
    prime_recipient   VARCHAR,
    geoid             VARCHAR,
    resolution_status VARCHAR NOT NULL,
    release_id        VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT
);
COMMENT ON TABLE grant_award IS 'DOJ grant awards and formula allocations (OJP, COPS, BJS Byrne JAG) resolved to the recipient jurisdiction.';
COMMENT ON COLUMN grant_award.is_pass_through IS 'True for a sub-award passed through a state administering agency.';

CREATE TABLE litigation_case (
    case_id       VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    court         VARCHAR NOT NULL,
    circuit       VARCHAR,
    docket        VARCHAR,
    filed_date    DATE,
    status        VARCHAR,
    programs      VARCHAR,
    conditions    VARCHAR,
    url           VARCHAR,
    release_id    VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    row_number    BIGINT
);
COMMENT ON TABLE litigation_case IS 'Court cases over immigration-related grant conditions and sanctuary designations.';

CREATE TABLE litigation_order (
    order_id       VARCHAR PRIMARY KEY,
    case_id        VARCHAR NOT NULL,
    order_date     DATE NOT NULL,
    kind           VARCHAR NOT NULL,
    scope          VARCHAR NOT NULL,
    programs       VARCHAR,
    effective_from DATE NOT NULL,
    effective_to   DATE,
    url            VARCHAR,
    release_id     VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    row_number     BIGINT
);
COMMENT ON TABLE litigation_order IS 'An order (TRO, preliminary or permanent injunction, stay, vacatur) and the relief it grants.';
COMMENT ON COLUMN litigation_order.scope IS 'named_plaintiffs, members or nationwide.';

CREATE TABLE litigation_party (
    case_id    VARCHAR NOT NULL,
    party_name VARCHAR NOT NULL,
    role       VARCHAR NOT NULL,
    geoid      VARCHAR,
    release_id VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    row_number BIGINT
);
COMMENT ON TABLE litigation_party IS 'Plaintiffs (and members of plaintiff associations) in a case, resolved to jurisdictions.';
