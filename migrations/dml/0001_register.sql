-- Moves each entity's legacy legal_name and jurisdiction into facts, valid
-- from the day the entity was created. The bridge of an expand/contract
-- change: contract 0006 drops the legacy columns once every tenant of a
-- database has run it (tenants onboarded after that never had them).
-- requires: ddl 0005

INSERT INTO charter.entity_fact (tenant_id, id, entity_id, fact, value, search_text, valid, recorded, recorded_by)
SELECT e.tenant_id, gen_random_uuid(), e.id, f.fact, f.value, f.search_text,
       daterange(e.created_at::date, NULL), tstzrange(e.created_at, NULL), 'migration:0001_register'
  FROM charter.legal_entity e
 CROSS JOIN LATERAL (VALUES
        ('legal_name', to_jsonb(e.legal_name), e.legal_name),
        ('jurisdiction', to_jsonb(e.jurisdiction), NULL),
        ('status', '"active"'::jsonb, NULL),
        ('management_status', '"managed"'::jsonb, NULL)) AS f (fact, value, search_text)
 WHERE e.tenant_id = charter.current_tenant()
   AND e.legal_name IS NOT NULL
   AND f.value <> 'null'::jsonb
   AND NOT EXISTS (SELECT 1 FROM charter.entity_fact x
                    WHERE x.tenant_id = e.tenant_id AND x.entity_id = e.id AND x.fact = f.fact);
