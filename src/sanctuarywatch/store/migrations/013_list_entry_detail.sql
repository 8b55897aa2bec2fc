-- Designation lists: what a transcription says about each entry (its printed position, the copies that show it,
-- the transcriber's note), flags on the publisher's own oddities, and whether a list's editions replace one
-- another or are separate dated events (DOJ's 1373 letters). Columns are added to list_membership, not to
-- designation_list, so existing positional INSERTs into designation_list keep working.
ALTER TABLE list_membership ADD COLUMN edition_stands_alone BOOLEAN DEFAULT false;
COMMENT ON COLUMN list_membership.edition_stands_alone IS 'true when the edition is a dated event of its own (a batch of DOJ 1373 letters: the entry received the letter of edition_date) that later editions do not replace; false when each edition replaces the one before (only the latest in force counts).';

ALTER TABLE list_membership ADD COLUMN page_order INTEGER;
ALTER TABLE list_membership ADD COLUMN source_address VARCHAR;
ALTER TABLE list_membership ADD COLUMN note VARCHAR;
COMMENT ON COLUMN list_membership.page_order IS 'The entry''s position in the list as printed (1-based); NULL when the transcription could not see it.';
COMMENT ON COLUMN list_membership.source_address IS 'For a transcription: every stored copy that shows the entry, separated by " | ".';
COMMENT ON COLUMN list_membership.note IS 'The transcriber''s note on the entry (how it was printed, conflicts between copies), person names removed.';

CREATE TABLE list_entry_flag (
    list_id          VARCHAR NOT NULL,
    edition          VARCHAR NOT NULL,
    as_printed       VARCHAR NOT NULL,
    state_as_printed VARCHAR,
    flag             VARCHAR NOT NULL,
    reason           VARCHAR NOT NULL,
    resolved_as      VARCHAR,
    release_id       VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    row_number       BIGINT NOT NULL,
    PRIMARY KEY (release_id, file_name, row_number, flag)
);
COMMENT ON TABLE list_entry_flag IS 'An oddity of one list entry, kept as printed and flagged rather than fixed silently (a phrase printed as a name, a swapped heading, a single-source row). Written as reference rows, so a release''s rows_loaded counts list entries only.';
COMMENT ON COLUMN list_entry_flag.list_id IS 'The list (designation_list.list_id).';
COMMENT ON COLUMN list_entry_flag.edition IS 'The edition of the list the flagged entry is printed in.';
COMMENT ON COLUMN list_entry_flag.as_printed IS 'The entry as printed (list_membership.as_printed).';
COMMENT ON COLUMN list_entry_flag.state_as_printed IS 'The state heading or column the entry is printed under.';
COMMENT ON COLUMN list_entry_flag.flag IS 'Flag code, e.g. phrase_not_name, heading_swapped, not_a_municipality, combined_name, single_source, position_unknown, addressee_conflict.';
COMMENT ON COLUMN list_entry_flag.reason IS 'Why the entry is flagged, in a sentence.';
COMMENT ON COLUMN list_entry_flag.resolved_as IS 'When the flag changed how the entry was resolved: the name and level resolved instead (e.g. "state heading", "Orleans Parish (county)"); NULL when the resolver read the entry as printed.';
COMMENT ON COLUMN list_entry_flag.release_id IS 'The release the flagged entry came from.';
COMMENT ON COLUMN list_entry_flag.file_name IS 'The file the flagged entry came from.';
COMMENT ON COLUMN list_entry_flag.row_number IS 'The entry''s row_number in list_membership (same file and release).';
