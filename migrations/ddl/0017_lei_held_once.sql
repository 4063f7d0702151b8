-- An LEI identifies one legal entity for good (ISO 17442: it is never
-- reassigned, and a merged or retired entity keeps its own). So within a
-- tenant's current knowledge no two entities hold the same LEI, whatever
-- the periods: a back-dated correction moves it by superseding the wrong
-- version (which leaves this partial index), not by overlapping it.
--
-- The API refuses such a write naming the other entity (422, `lei`,
-- `unique_lei`) and GLEIF imports of one tenant take turns (an advisory
-- lock), so this constraint is what holds when two writers race: the
-- second waits for the first to commit and is refused. A database where a
-- tenant already has two entities with one LEI stops here, naming the key;
-- an entity manager merges or corrects them, and the migration resumes.

ALTER TABLE entity_fact ADD CONSTRAINT entity_fact_lei_held_once
    EXCLUDE USING gist (tenant_id WITH =, value_key WITH =, entity_id WITH <>)
    WHERE (fact = 'lei' AND upper_inf(recorded));
