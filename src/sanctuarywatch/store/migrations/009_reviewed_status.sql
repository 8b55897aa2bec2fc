-- A person's decision in the review queue updates the facts that printed the name: their resolution_status
-- becomes 'reviewed' (provenance unchanged). Analyses treat 'reviewed' like 'accepted'.
COMMENT ON COLUMN list_membership.resolution_status IS 'accepted, needs_review or unresolved (resolver status), or reviewed (a person chose the GEOID in the review queue).';
