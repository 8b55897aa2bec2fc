-- Detainer workbooks split their records over several sheets, each numbering its rows from the top: the sheet
-- name completes a record's provenance (file_name, sheet, row_number). NULL for Parquet and CSV exports.
ALTER TABLE detainer ADD COLUMN sheet VARCHAR;
COMMENT ON COLUMN detainer.sheet IS 'xlsx sheet the record was read from (with file_name and row_number: its provenance); NULL for Parquet/CSV.';
COMMENT ON COLUMN detainer.row_number IS 'xlsx: spreadsheet row on its sheet (title rows and header counted); CSV: line (header = 1); Parquet: 1-based record.';
