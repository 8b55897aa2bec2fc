-- Detainer facilities printed without a code, linked to counties by a crosswalk kept as data; and MPI's
-- unauthorized-immigrant population estimates (U.S., states, largest counties; combined rows kept whole).

CREATE TABLE detainer_facility_match (
    facility_state    VARCHAR NOT NULL,
    facility_name     VARCHAR NOT NULL,
    detainers         BIGINT NOT NULL,
    geoid             VARCHAR,
    county_name       VARCHAR,
    facility_type     VARCHAR,
    method            VARCHAR,
    evidence          VARCHAR,
    resolution_status VARCHAR NOT NULL,
    release_id        VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT,
    PRIMARY KEY (release_id, facility_state, facility_name)
);
COMMENT ON TABLE detainer_facility_match IS 'Every detainer facility a release prints (name + state), with the county it was linked to through sources/data/detainer_facilities.csv, or unresolved. Nothing unplaced is hidden.';
COMMENT ON COLUMN detainer_facility_match.facility_state IS 'Postal code of the facility state (from the release, names mapped to codes).';
COMMENT ON COLUMN detainer_facility_match.facility_name IS 'Facility name exactly as the release prints it ('''' when a row prints none).';
COMMENT ON COLUMN detainer_facility_match.detainers IS 'Detainer rows of this release at this facility (quarantined rows excluded).';
COMMENT ON COLUMN detainer_facility_match.geoid IS 'County GEOID from the crosswalk; NULL when not in it (then linked by facility code, or unresolved).';
COMMENT ON COLUMN detainer_facility_match.county_name IS 'County name of the GEOID, as written in the crosswalk.';
COMMENT ON COLUMN detainer_facility_match.facility_type IS 'county jail, state prison, federal prison, federal office (ICE/USMS), police district, ...: federal sites are placed where they sit but are not local agencies.';
COMMENT ON COLUMN detainer_facility_match.method IS 'How the crosswalk placed it: name contains county, ICE facility list DETLOC, city of a police district, city of a state prison, ...';
COMMENT ON COLUMN detainer_facility_match.evidence IS 'The evidence for the placement (facility list row, township/borough of the institution).';
COMMENT ON COLUMN detainer_facility_match.resolution_status IS 'crosswalk (county from the crosswalk), facility_code (left to the ice_facility join) or unresolved.';
COMMENT ON COLUMN detainer_facility_match.release_id IS 'Release the facility was printed in.';
COMMENT ON COLUMN detainer_facility_match.file_name IS 'File of that release.';
COMMENT ON COLUMN detainer_facility_match.row_number IS 'First row of the file naming this facility.';
COMMENT ON COLUMN detainer.geoid IS 'County GEOID of the detainer facility: from sources/data/detainer_facilities.csv when the release prints the facility by name; else NULL and analysis joins ice_facility on facility_code.';

CREATE TABLE mpi_population (
    area_level              VARCHAR NOT NULL,
    area_printed            VARCHAR NOT NULL,
    state_abbr              VARCHAR,
    geoid                   VARCHAR,
    resolution_status       VARCHAR NOT NULL,
    combined                BOOLEAN NOT NULL,
    unauthorized_population BIGINT NOT NULL,
    population_share        DOUBLE NOT NULL,
    sheet                   VARCHAR NOT NULL,
    release_id              VARCHAR NOT NULL,
    file_name               VARCHAR NOT NULL,
    row_number              BIGINT
);
COMMENT ON TABLE mpi_population IS 'MPI estimates of the unauthorized immigrant population, mid-2023: the U.S., 50 states + DC, and the ~290 largest counties (partial). Combined rows are stored once, never split.';
COMMENT ON COLUMN mpi_population.area_level IS 'nation, state, county or combined (several counties, an MSA portion or a region; members in mpi_population_member).';
COMMENT ON COLUMN mpi_population.area_printed IS 'Area label exactly as MPI prints it (e.g. ''Miami-Dade-Monroe Counties, Florida'').';
COMMENT ON COLUMN mpi_population.state_abbr IS 'Postal code of the State column; NULL for the U.S. row.';
COMMENT ON COLUMN mpi_population.geoid IS 'State FIPS or county GEOID; NULL for the nation, combined areas and unresolved counties.';
COMMENT ON COLUMN mpi_population.resolution_status IS 'accepted / needs_review / unresolved (resolver status), or combined.';
COMMENT ON COLUMN mpi_population.combined IS 'True when the row covers several counties or part of them (see mpi_population_member).';
COMMENT ON COLUMN mpi_population.unauthorized_population IS 'Number of unauthorized immigrants as printed (MPI rounds to thousands).';
COMMENT ON COLUMN mpi_population.population_share IS 'Share of the U.S. unauthorized immigrant population, as printed (fraction, 1 = U.S.).';
COMMENT ON COLUMN mpi_population.sheet IS 'Workbook sheet: U.S. and States or U.S. and Counties.';
COMMENT ON COLUMN mpi_population.release_id IS 'Release the row belongs to.';
COMMENT ON COLUMN mpi_population.file_name IS 'Workbook file name.';
COMMENT ON COLUMN mpi_population.row_number IS 'Spreadsheet row on its sheet (header = row 3).';

CREATE TABLE mpi_population_member (
    area_printed  VARCHAR NOT NULL,
    state_abbr    VARCHAR NOT NULL,
    area_kind     VARCHAR NOT NULL,
    member_geoid  VARCHAR NOT NULL,
    member_name   VARCHAR NOT NULL,
    portion       VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    release_id    VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    row_number    BIGINT
);
COMMENT ON TABLE mpi_population_member IS 'Member counties of MPI''s combined rows (from sources/data/mpi_combined_areas.csv). The estimate belongs to the whole area; it is never divided among members.';
COMMENT ON COLUMN mpi_population_member.area_printed IS 'The combined area label as printed (joins mpi_population.area_printed).';
COMMENT ON COLUMN mpi_population_member.state_abbr IS 'Postal code of the area''s state.';
COMMENT ON COLUMN mpi_population_member.area_kind IS 'combined (counties named in the label), msa (Massachusetts MSA portion) or region (Suburban Denver).';
COMMENT ON COLUMN mpi_population_member.member_geoid IS 'County (or Virginia independent city) GEOID of one member.';
COMMENT ON COLUMN mpi_population_member.member_name IS 'Member county name.';
COMMENT ON COLUMN mpi_population_member.portion IS 'whole, or part when MPI''s footnote says only a portion of the county is included.';
COMMENT ON COLUMN mpi_population_member.reason IS 'Why this county is a member (the label, or MPI''s footnote).';
COMMENT ON COLUMN mpi_population_member.release_id IS 'Release the area row belongs to.';
COMMENT ON COLUMN mpi_population_member.file_name IS 'Workbook file name.';
COMMENT ON COLUMN mpi_population_member.row_number IS 'Spreadsheet row of the combined area on U.S. and Counties.';
