-- Summaries the analysis layer keeps so profiles stay fast on millions of detainers. Rebuilt from the
-- fact tables by analysis.summaries.refresh_summaries after every ingest; never edited by hand.

CREATE TABLE detainer_monthly (
    geoid         VARCHAR,
    facility_code VARCHAR,
    month         DATE NOT NULL,
    detainers     BIGINT NOT NULL,
    declined      BIGINT NOT NULL
);
COMMENT ON TABLE detainer_monthly IS 'Detainers per county GEOID (via ice_facility), facility and month, with the number identified as declined. Derived; rebuilt after each ingest.';
COMMENT ON COLUMN detainer_monthly.declined IS 'Detainers whose lift reason says the law-enforcement agency declined or did not honor it (see docs/methodology.md).';
