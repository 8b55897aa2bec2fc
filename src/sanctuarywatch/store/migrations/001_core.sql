-- Core schema. Every table is defined here once; COMMENT ON gives the data dictionary
-- (`sanctuarywatch schema` prints it from the catalog). Fact tables carry provenance:
-- release_id + file_name + row_number point at the exact source row a fact came from.

CREATE TABLE source (
    source_id   VARCHAR PRIMARY KEY,
    title       VARCHAR NOT NULL,
    publisher   VARCHAR NOT NULL,
    url         VARCHAR,
    licence     VARCHAR,
    description VARCHAR
);
COMMENT ON TABLE source IS 'A public data source Sanctuary Watch reads, one row per connector.';

CREATE TABLE release (
    release_id       VARCHAR PRIMARY KEY,
    source_id        VARCHAR NOT NULL,
    version          VARCHAR NOT NULL,
    content_sha256   VARCHAR NOT NULL,
    origin           VARCHAR NOT NULL,
    retrieved_at     TIMESTAMP NOT NULL,
    ingested_at      TIMESTAMP NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL
);
COMMENT ON TABLE release IS 'One ingested edition of a source: the exact files read, when, and how many rows loaded or quarantined.';
COMMENT ON COLUMN release.release_id IS 'source_id@first 12 hex of content_sha256; the same files always give the same id.';
COMMENT ON COLUMN release.content_sha256 IS 'sha256 over the sorted per-file sha256 values of the release.';
COMMENT ON COLUMN release.origin IS 'mirror, download or package: where the files were read from.';

CREATE TABLE release_file (
    release_id VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    sha256     VARCHAR NOT NULL,
    bytes      BIGINT NOT NULL,
    url        VARCHAR,
    PRIMARY KEY (release_id, file_name)
);
COMMENT ON TABLE release_file IS 'The files that make up a release, with their checksums.';

CREATE TABLE quarantine (
    release_id VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    row_number BIGINT,
    field      VARCHAR,
    value      VARCHAR,
    reason     VARCHAR NOT NULL
);
COMMENT ON TABLE quarantine IS 'Source rows refused at the boundary, with the field and the reason; never dropped silently.';

CREATE TABLE jurisdiction (
    geoid             VARCHAR PRIMARY KEY,
    level             VARCHAR NOT NULL,
    name              VARCHAR NOT NULL,
    lsad              VARCHAR,
    state_fips        VARCHAR NOT NULL,
    state_abbr        VARCHAR NOT NULL,
    population        BIGINT,
    population_year   INTEGER,
    consolidated_with VARCHAR,
    release_id        VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT
);
COMMENT ON TABLE jurisdiction IS 'Every state (with DC and territories), county or county-equivalent and incorporated place, keyed by Census GEOID.';
COMMENT ON COLUMN jurisdiction.geoid IS 'Census GEOID: 2 digits for a state, 5 for a county, 7 for a place.';
COMMENT ON COLUMN jurisdiction.level IS 'state, county or place.';
COMMENT ON COLUMN jurisdiction.name IS 'Census name with its legal/statistical area word, e.g. Westchester County, St. Louis city.';
COMMENT ON COLUMN jurisdiction.lsad IS 'The legal/statistical area description word: county, parish, borough, census area, city, town ...';
COMMENT ON COLUMN jurisdiction.consolidated_with IS 'For a consolidated city-county (San Francisco, Denver, Philadelphia ...): the GEOID of the other half of the one government. The county row is canonical.';

CREATE TABLE jurisdiction_relation (
    child_geoid  VARCHAR NOT NULL,
    parent_geoid VARCHAR NOT NULL,
    relation     VARCHAR NOT NULL,
    release_id   VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT,
    PRIMARY KEY (child_geoid, parent_geoid, relation)
);
COMMENT ON TABLE jurisdiction_relation IS 'Containment: county in_state, place in_county (a place may lie in several counties), borough_of for NYC boroughs.';

CREATE TABLE agency (
    agency_id  VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    geoid      VARCHAR,
    state_abbr VARCHAR,
    release_id VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    row_number BIGINT
);
COMMENT ON TABLE agency IS 'Sheriffs, police departments, jails, state agencies and ICE facilities, each linked to the jurisdiction it serves.';
COMMENT ON COLUMN agency.agency_id IS 'Stable, content-derived id: kind, state and normalized name.';
COMMENT ON COLUMN agency.kind IS 'sheriff, police, jail, corrections, state_agency, ice_facility or other.';

CREATE TABLE review_item (
    review_id      BIGINT PRIMARY KEY,
    input_text     VARCHAR NOT NULL,
    state_hint     VARCHAR,
    level_hint     VARCHAR,
    candidates     VARCHAR NOT NULL,
    origin         VARCHAR,
    status         VARCHAR NOT NULL,
    decided_geoid  VARCHAR,
    created_at     TIMESTAMP NOT NULL,
    decided_at     TIMESTAMP
);
COMMENT ON TABLE review_item IS 'Names the resolver would not accept on its own, waiting for a person; accepted decisions become aliases.';
COMMENT ON COLUMN review_item.candidates IS 'JSON list of {geoid, name, level, confidence, reason}.';
COMMENT ON COLUMN review_item.status IS 'open, accepted or rejected.';

CREATE SEQUENCE review_item_seq START 1;
