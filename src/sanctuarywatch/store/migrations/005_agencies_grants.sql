-- Grants: keep the program name as printed beside the short code, and the joint allocation of a JAG
-- disparate jurisdiction (shared with its county; the individual allocation stays in amount).

ALTER TABLE grant_award ADD COLUMN program_title VARCHAR;
ALTER TABLE grant_award ADD COLUMN joint_amount DECIMAL(18, 2);
COMMENT ON COLUMN grant_award.program IS 'Short program code: byrne_jag, scaap, cops_hiring, cops_cpd, psn, voca, vawa, rsat, coverdell, second_chance, other.';
COMMENT ON COLUMN grant_award.program_title IS 'The program or solicitation title as the source printed it.';
COMMENT ON COLUMN grant_award.joint_amount IS 'BJS JAG allocation tables: the joint allocation a disparate jurisdiction shares with its county (NULL elsewhere).';
COMMENT ON COLUMN grant_award.amount IS 'Award amount in US dollars; for a JAG allocation, the eligible individual allocation.';
