-- ICE facility lists (2017-2021): each row is one facility as printed on one list; two lists print no DETLOC,
-- so the code may be matched from another list or stay unknown (NULL) with match_status 'unmatched'.
ALTER TABLE ice_facility ALTER COLUMN facility_code DROP NOT NULL;
ALTER TABLE ice_facility ADD COLUMN sheet_name VARCHAR;
ALTER TABLE ice_facility ADD COLUMN list_as_of DATE;
ALTER TABLE ice_facility ADD COLUMN facility_type_detailed VARCHAR;
ALTER TABLE ice_facility ADD COLUMN match_status VARCHAR;
ALTER TABLE ice_facility ADD COLUMN matched_from VARCHAR;
ALTER TABLE ice_facility ADD COLUMN place_geoid VARCHAR;
ALTER TABLE ice_facility ADD COLUMN county_method VARCHAR;

COMMENT ON COLUMN ice_facility.facility_code IS 'ICE DETLOC code: as printed, or matched by name + city + state from a list that prints it (match_status); NULL when unmatched.';
COMMENT ON COLUMN ice_facility.county IS 'County name as printed on the list (lists without a County column: NULL).';
COMMENT ON COLUMN ice_facility.geoid IS 'County GEOID of the facility; how it was found is in county_method.';
COMMENT ON COLUMN ice_facility.resolution_status IS 'accepted when geoid is set, else the resolver status of the county (or city) text, or unresolved.';
COMMENT ON COLUMN ice_facility.sheet_name IS 'Worksheet the row was read from (a list may span several sheets).';
COMMENT ON COLUMN ice_facility.list_as_of IS 'Data date of the list (IIDS extract date in the title rows), not the file modification date.';
COMMENT ON COLUMN ice_facility.facility_type_detailed IS 'Type Detailed as printed (DIGSA, USMS IGA, CDF, SPC, ...), where the list has it.';
COMMENT ON COLUMN ice_facility.match_status IS 'printed (DETLOC on the list), matched (DETLOC found by name + city + state on another list), ambiguous or unmatched.';
COMMENT ON COLUMN ice_facility.matched_from IS 'For matched rows: the rule and the file the DETLOC came from.';
COMMENT ON COLUMN ice_facility.place_geoid IS 'Census place GEOID of the printed city, when the city was resolved (used when no county is known).';
COMMENT ON COLUMN ice_facility.county_method IS 'How geoid was obtained: county column, same DETLOC in <file>, city, or unresolved.';
