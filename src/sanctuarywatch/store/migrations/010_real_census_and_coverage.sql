-- The registry on the real Census files (2025 Gazetteer, all places, both county vintages) and the
-- coverage-aware provenance the mirror's MANIFEST.csv provides (kind, coverage and note per file and release).

ALTER TABLE jurisdiction ADD COLUMN lsad_code VARCHAR;
ALTER TABLE jurisdiction ADD COLUMN funcstat VARCHAR;
ALTER TABLE jurisdiction ADD COLUMN valid_from DATE;
ALTER TABLE jurisdiction ADD COLUMN valid_to DATE;
ALTER TABLE jurisdiction ADD COLUMN vintage VARCHAR;
ALTER TABLE jurisdiction ADD COLUMN population_source VARCHAR;
COMMENT ON COLUMN jurisdiction.lsad_code IS 'Census LSAD code of a place as published (25 city, 43 town, 47 village, 57 CDP ...); NULL for states and counties.';
COMMENT ON COLUMN jurisdiction.funcstat IS 'Census functional status of a place: A = active government (incorporated), S = statistical (census-designated place, no government), B/F/I/N = other; NULL for states and counties.';
COMMENT ON COLUMN jurisdiction.valid_from IS 'First day the entity is a county (equivalent) in Census geography, where known (Connecticut planning regions: 2022-01-01); NULL = before the earliest vintage held.';
COMMENT ON COLUMN jurisdiction.valid_to IS 'First day the entity no longer exists in Census geography (exclusive), e.g. 2022-01-01 for Connecticut''s 8 former counties; NULL = current. See geo/data/county_history.csv.';
COMMENT ON COLUMN jurisdiction.vintage IS 'The Census file the row comes from, e.g. 2025 Gazetteer or 2010 Gazetteer (former county).';
COMMENT ON COLUMN jurisdiction.population IS 'Preferred population figure (see population_source and the population_estimate table for every figure held).';
COMMENT ON COLUMN jurisdiction.population_source IS 'Which estimate jurisdiction.population is: e.g. ACS 2019-2023 5-year (B01003_001E), PEP Vintage 2022.';

CREATE TABLE population_estimate (
    geoid          VARCHAR NOT NULL,
    program        VARCHAR NOT NULL,
    reference_year INTEGER NOT NULL,
    population     BIGINT NOT NULL,
    release_id     VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    row_number     BIGINT,
    PRIMARY KEY (geoid, program, reference_year)
);
COMMENT ON TABLE population_estimate IS 'Every population figure the Census files give for a jurisdiction: ACS 5-year (places, counties), PEP county and state estimates, 2010 census counts of former counties.';
COMMENT ON COLUMN population_estimate.program IS 'ACS 2019-2023 5-year, PEP Vintage 2021, PEP Vintage 2022 or Census 2010.';
COMMENT ON COLUMN population_estimate.reference_year IS 'The year the figure describes (ACS 5-year: its last year).';

ALTER TABLE jurisdiction_relation ADD COLUMN vintage VARCHAR;
COMMENT ON COLUMN jurisdiction_relation.vintage IS 'The geography the relation describes, e.g. 2020 (place-county relationship file) or seed.';

ALTER TABLE release ADD COLUMN kind VARCHAR;
ALTER TABLE release ADD COLUMN coverage VARCHAR;
ALTER TABLE release ADD COLUMN coverage_note VARCHAR;
COMMENT ON COLUMN release.kind IS 'original (byte copy of the publisher''s file), derived (compiled by a third party), transcription (typed from the primary text), curated (this project''s own data files), or fixture; the weakest of its files.';
COMMENT ON COLUMN release.coverage IS 'complete or partial (any file partial makes the release partial); NULL when no manifest described the files.';
COMMENT ON COLUMN release.coverage_note IS 'What a partial, derived or transcribed release covers, from the manifest note: shown wherever its numbers appear.';

ALTER TABLE release_file ADD COLUMN kind VARCHAR;
ALTER TABLE release_file ADD COLUMN coverage VARCHAR;
ALTER TABLE release_file ADD COLUMN note VARCHAR;
ALTER TABLE release_file ADD COLUMN publisher VARCHAR;
ALTER TABLE release_file ADD COLUMN obtained_from VARCHAR;
ALTER TABLE release_file ADD COLUMN vintage VARCHAR;
ALTER TABLE release_file ADD COLUMN mirror_path VARCHAR;
COMMENT ON COLUMN release_file.kind IS 'From the mirror manifest: original, derived or transcription; curated for package data; NULL if not in a manifest.';
COMMENT ON COLUMN release_file.coverage IS 'From the mirror manifest: complete or partial.';
COMMENT ON COLUMN release_file.note IS 'The manifest note: what the file covers and its traps.';
COMMENT ON COLUMN release_file.publisher IS 'The publisher the manifest names (for derived files: the third party that compiled it).';
COMMENT ON COLUMN release_file.obtained_from IS 'Where the mirrored copy came from (repository and commit), per the manifest.';
COMMENT ON COLUMN release_file.vintage IS 'The period the file describes, per the manifest.';
COMMENT ON COLUMN release_file.mirror_path IS 'Path of the file inside the mirror folder (the manifest key).';
