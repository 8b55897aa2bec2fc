-- Figures the publishers and the press put out (DDOR weekly totals, list sizes, grant amounts), each with who
-- said it, when, where, what it counts and a second source: a curated register, compared with the store's own
-- recomputation where the store can make one (analysis/published.py).

CREATE TABLE published_figure (
    figure_id          VARCHAR PRIMARY KEY,
    subject            VARCHAR NOT NULL,
    period_start       DATE,
    period_end         DATE,
    counts             VARCHAR NOT NULL,
    comparator         VARCHAR,
    value              DOUBLE,
    value_as_published VARCHAR NOT NULL,
    unit               VARCHAR NOT NULL,
    published_by       VARCHAR NOT NULL,
    published_on       DATE,
    where_url          VARCHAR NOT NULL,
    second_source_url  VARCHAR NOT NULL,
    recompute          VARCHAR NOT NULL,
    note               VARCHAR,
    release_id         VARCHAR NOT NULL,
    file_name          VARCHAR NOT NULL,
    row_number         BIGINT
);
COMMENT ON TABLE published_figure IS 'Curated register of figures published about the sources (sources/data/published_figures.csv): each row cites where it was published and a second, independent source that states it. A figure not confirmed twice is not in the table.';
COMMENT ON COLUMN published_figure.figure_id IS 'Stable id of the figure (e.g. ddor_w1_declined).';
COMMENT ON COLUMN published_figure.subject IS 'What the figure is about: ddor_week:<week start>, ddor:2017, list:<list_id>, program:<name>, or a jurisdiction GEOID.';
COMMENT ON COLUMN published_figure.period_start IS 'First day of the period the figure counts (a DDOR week, a fiscal year); NULL when it has none.';
COMMENT ON COLUMN published_figure.period_end IS 'Last day of that period; NULL when it has none.';
COMMENT ON COLUMN published_figure.counts IS 'What the figure counts, in plain words (our wording, not the publisher''s prose).';
COMMENT ON COLUMN published_figure.comparator IS '= (exactly), > (more than: a lower bound), or empty for an event that carries no number.';
COMMENT ON COLUMN published_figure.value IS 'The number as published; NULL for an event (a correction, a suspension, a withdrawal).';
COMMENT ON COLUMN published_figure.value_as_published IS 'The figure''s wording as printed (''more than 500'', ''$4.1 billion'').';
COMMENT ON COLUMN published_figure.unit IS 'Unit of value: detainers, declined detainers, jurisdictions, entries, USD, or event.';
COMMENT ON COLUMN published_figure.published_by IS 'Who put the figure out (the agency, or the press describing an agency''s document). No person names.';
COMMENT ON COLUMN published_figure.published_on IS 'Date it was published; NULL when no date is confirmed by the two sources.';
COMMENT ON COLUMN published_figure.where_url IS 'Where it was published (the publisher''s text, or a stored copy of it); a real page, never a search.';
COMMENT ON COLUMN published_figure.second_source_url IS 'A second, independent page that states the same figure.';
COMMENT ON COLUMN published_figure.recompute IS 'How the store can check it (analysis/published.py): ddor_declined, ddor_issued, ddor_policy, ddor_declined_geoid, ddor_correction, list_entries, list_category:<category>, list_withdrawn, or none.';
COMMENT ON COLUMN published_figure.note IS 'Caveats and disagreements between sources, with what each said.';
COMMENT ON COLUMN published_figure.release_id IS 'Release of the curated table the row came from.';
COMMENT ON COLUMN published_figure.file_name IS 'published_figures.csv.';
COMMENT ON COLUMN published_figure.row_number IS 'Row in the CSV (header = row 1).';
