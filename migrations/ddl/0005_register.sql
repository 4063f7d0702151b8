-- The legal entity register: every changing fact of an entity kept as
-- versions with a business validity (valid, a daterange) and a recording
-- period (recorded, a tstzrange), persons, appointments with their terms,
-- tenant configuration, an audit trail and idempotency keys.
--
-- This is the "expand" half of moving the legacy legal_entity columns into
-- facts: dml/0001 copies them for each tenant, and the contract migration
-- 0006 drops them once every tenant of a database has.

-- Exclusion constraints mixing equality (uuid, text) with range overlap.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Folds text for search and sorting: compatibility decomposition, without
-- diacritics, lower case, punctuation and white space as one space
-- ('Müller & Söhne GmbH' -> 'muller sohne gmbh').
CREATE FUNCTION fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN btrim(regexp_replace(lower(regexp_replace(normalize(t, NFKD), '[\u0300-\u036f]', '', 'g')),
                            '[[:punct:][:space:]]+', ' ', 'g'));

-- New code no longer writes the legacy columns.
ALTER TABLE legal_entity ALTER COLUMN legal_name DROP NOT NULL;

CREATE TABLE entity_fact (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    entity_id   uuid NOT NULL,
    -- 'legal_name', 'status', …, or 'custom.<key>'.
    fact        text NOT NULL CHECK (fact ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$'),
    value       jsonb NOT NULL,
    -- The text a search matches (names and identifiers), else NULL; parts
    -- of a list (other names, tax ids) are joined by ' | '.
    search_text text,
    -- What filters and sorting compare: a name or identifier folded (see
    -- fold), a scalar value as it is, else NULL. A plain column because
    -- row-level security lets an index serve only leakproof operators, and
    -- functions over a column (lower(), #>>) are not.
    value_key   text COLLATE "C" GENERATED ALWAYS AS (
                    CASE WHEN search_text IS NOT NULL THEN charter.fold(search_text)
                         WHEN jsonb_typeof(value) IN ('string', 'number', 'boolean') THEN value #>> '{}'
                    END) STORED,
    valid       daterange NOT NULL CHECK (NOT isempty(valid)),
    recorded    tstzrange NOT NULL,
    reason      text CHECK (length(reason) <= 500),
    recorded_by text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entity_id) REFERENCES legal_entity (tenant_id, id),
    -- No two versions of one fact may overlap in both business and recording time.
    -- The entity and fact are keyed as one expression so that the planner, which
    -- cannot match reads against it, never picks this GiST index (slow for
    -- equality on uuids) over the btree indexes below; tenant_id stays a plain
    -- column because Citus needs the distribution column in the constraint.
    CONSTRAINT entity_fact_no_overlap
        EXCLUDE USING gist (tenant_id WITH =, (entity_id::text || ' ' || fact) WITH =,
                            valid WITH &&, recorded WITH &&)
);
SELECT enable_tenant_isolation('entity_fact');
-- An entity's versions as on record at a past time (history, known_at reads).
CREATE INDEX entity_fact_entity ON entity_fact (tenant_id, entity_id, fact);
-- An entity's versions as on record now: what nearly every read wants. The
-- included columns answer a list's per-entity probes from the index alone.
CREATE INDEX entity_fact_current ON entity_fact (tenant_id, entity_id, fact) INCLUDE (valid, value_key)
    WHERE upper_inf(recorded);
-- Filters on current knowledge (jurisdiction, legal form, status, …) and
-- sorting by name, in index order. With `valid` included, reading the index
-- in order costs little enough that the planner prefers it to fetching and
-- sorting every match even when it underestimates how many there are.
CREATE INDEX entity_fact_key ON entity_fact (tenant_id, fact, value_key, entity_id) INCLUDE (valid)
    WHERE upper_inf(recorded);
-- Which facts are current, of which tenant, and what values they hold are
-- correlated; without these statistics the planner multiplied the fractions,
-- expected one row where 18,000 came, and sorted them all instead of reading
-- an index in order.
CREATE STATISTICS entity_fact_shape (mcv, dependencies) ON fact, value_key, (upper_inf(recorded)) FROM entity_fact;
CREATE STATISTICS entity_fact_tenant_shape (mcv) ON tenant_id, fact, (upper_inf(recorded)) FROM entity_fact;

-- The words of names and identifiers, one row each, for search. Row-level
-- security lets an index serve only leakproof operators, so trigram and
-- full-text indexes never apply to a tenant's rows; a prefix range over
-- these words (text >= and <, leakproof) does. Derived from entity_fact by
-- the trigger below and nothing else: moves and exports skip it.
-- The key leads with the entity so that a search for several words checks the
-- others against one entity's few terms; the triggers maintain it on insert,
-- update and delete (a foreign key's cascade would look rows up by fact_id
-- alone, which no index here serves).
CREATE TABLE entity_search_term (
    tenant_id uuid NOT NULL,
    entity_id uuid NOT NULL,
    fact_id   uuid NOT NULL,
    term      text COLLATE "C" NOT NULL,
    valid     daterange NOT NULL,
    recorded  tstzrange NOT NULL,
    PRIMARY KEY (tenant_id, entity_id, fact_id, term),
    FOREIGN KEY (tenant_id, entity_id) REFERENCES legal_entity (tenant_id, id)
);
SELECT enable_tenant_isolation('entity_search_term');
-- Entities with a word starting with …, read from the index alone.
CREATE INDEX entity_search_term_lookup ON entity_search_term (tenant_id, term, entity_id) INCLUDE (valid, recorded);

-- Each part of a fact's search text (' | ' separates them) gives its folded
-- words and, so that 'HRB12345' finds 'HRB 123 45', itself without spaces.
CREATE FUNCTION index_search_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO charter.entity_search_term (tenant_id, entity_id, fact_id, term, valid, recorded)
        SELECT DISTINCT NEW.tenant_id, NEW.entity_id, NEW.id, t.term, NEW.valid, NEW.recorded
          FROM regexp_split_to_table(NEW.search_text, ' \| ') AS p (part)
         CROSS JOIN LATERAL (SELECT charter.fold(p.part) AS folded) f
         CROSS JOIN LATERAL unnest(string_to_array(f.folded, ' ') || replace(f.folded, ' ', '')) AS t (term)
         WHERE t.term <> '';
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE charter.entity_search_term SET valid = NEW.valid, recorded = NEW.recorded
         WHERE tenant_id = NEW.tenant_id AND entity_id = NEW.entity_id AND fact_id = NEW.id;
    ELSE
        DELETE FROM charter.entity_search_term
         WHERE tenant_id = OLD.tenant_id AND entity_id = OLD.entity_id AND fact_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER entity_fact_search_terms AFTER INSERT OR UPDATE OF valid, recorded ON entity_fact
    FOR EACH ROW WHEN (NEW.search_text IS NOT NULL) EXECUTE FUNCTION index_search_terms();
CREATE TRIGGER entity_fact_search_terms_gone AFTER DELETE ON entity_fact
    FOR EACH ROW WHEN (OLD.search_text IS NOT NULL) EXECUTE FUNCTION index_search_terms();

CREATE TABLE person (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    given_name    text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 200),
    family_name   text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 200),
    date_of_birth date,
    nationality   text CHECK (nationality ~ '^[A-Z]{2}$'),
    email         text CHECK (length(email) <= 320),
    version       bigint NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('person');
CREATE INDEX person_name ON person (tenant_id, lower(family_name), lower(given_name), id);

-- Appointment roles: built-in ones for every tenant, and the tenant's own.
CREATE TABLE appointment_role (
    tenant_id  uuid NOT NULL,
    key        text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    label      text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    builtin    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('appointment_role');

CREATE TABLE appointment (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL,
    entity_id        uuid NOT NULL,
    holder_person_id uuid,
    holder_entity_id uuid,
    role             text NOT NULL,
    version          bigint NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entity_id) REFERENCES legal_entity (tenant_id, id),
    FOREIGN KEY (tenant_id, holder_person_id) REFERENCES person (tenant_id, id),
    FOREIGN KEY (tenant_id, holder_entity_id) REFERENCES legal_entity (tenant_id, id),
    FOREIGN KEY (tenant_id, role) REFERENCES appointment_role (tenant_id, key),
    CHECK ((holder_person_id IS NULL) <> (holder_entity_id IS NULL)),
    CHECK (holder_entity_id IS DISTINCT FROM entity_id)
);
SELECT enable_tenant_isolation('appointment');
CREATE INDEX appointment_entity ON appointment (tenant_id, entity_id, role);
CREATE INDEX appointment_person ON appointment (tenant_id, holder_person_id) WHERE holder_person_id IS NOT NULL;
CREATE INDEX appointment_holder_entity ON appointment (tenant_id, holder_entity_id) WHERE holder_entity_id IS NOT NULL;

-- When an appointment holds: [appointed_on, ceased_on), with what it was known.
CREATE TABLE appointment_term (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL,
    appointment_id    uuid NOT NULL,
    valid             daterange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    recorded          tstzrange NOT NULL,
    signing_authority text CHECK (length(signing_authority) <= 200),
    reason            text CHECK (length(reason) <= 500),
    recorded_by       text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, appointment_id) REFERENCES appointment (tenant_id, id),
    -- Keyed as entity_fact_no_overlap is, for the same reason.
    CONSTRAINT appointment_term_no_overlap
        EXCLUDE USING gist (tenant_id WITH =, (appointment_id::text) WITH =, valid WITH &&, recorded WITH &&)
);
SELECT enable_tenant_isolation('appointment_term');
CREATE INDEX appointment_term_appointment ON appointment_term (tenant_id, appointment_id);

-- Custom fields the tenant defines on its entities.
CREATE TABLE custom_field (
    tenant_id  uuid NOT NULL,
    key        text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('custom_field');

CREATE TABLE entity_group (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('entity_group');

-- The audit trail: a hash chain per tenant. audit_head holds the last link,
-- and its row lock orders a tenant's events.
CREATE TABLE audit_head (
    tenant_id uuid NOT NULL,
    seq       bigint NOT NULL,
    hash      bytea NOT NULL,
    PRIMARY KEY (tenant_id),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('audit_head');

CREATE TABLE audit_event (
    tenant_id     uuid NOT NULL,
    seq           bigint NOT NULL,
    id            uuid NOT NULL,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text,
    request_id    text,
    -- The resource before and after the change, and what the request asked
    -- for when that is more than the difference (effective dates, reason).
    before        jsonb,
    after         jsonb,
    change        jsonb,
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('audit_event');
CREATE INDEX audit_event_resource ON audit_event (tenant_id, resource_type, resource_id, seq);

-- The text an event's hash covers, with the previous link's hash before it.
CREATE FUNCTION audit_digest(prev bytea, seq bigint, id uuid, at timestamptz, actor text, action text,
                             resource_type text, resource_id text, request_id text, before jsonb, after jsonb,
                             change jsonb)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws('|', seq, id, (extract(epoch FROM at) * 1000000)::bigint,
        actor, action, resource_type, coalesce(resource_id, ''), coalesce(request_id, ''),
        coalesce(before::text, 'null'), coalesce(after::text, 'null'), coalesce(change::text, 'null')), 'UTF8'))
$$;

-- A POST's result, returned again when the same Idempotency-Key is reused.
CREATE TABLE idempotency_key (
    tenant_id    uuid NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    status       integer NOT NULL,
    response     jsonb NOT NULL,
    location     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('idempotency_key');
