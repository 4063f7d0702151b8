-- Gives each tenant the built-in appointment roles and the head of its
-- audit chain.
-- requires: ddl 0005

INSERT INTO charter.appointment_role (tenant_id, key, label, builtin)
SELECT charter.current_tenant(), r.key, r.label, true
  FROM (VALUES ('director', 'Director'), ('managing_director', 'Managing director'), ('chair', 'Chair'),
               ('secretary', 'Company secretary'), ('ceo', 'Chief executive officer'),
               ('cfo', 'Chief financial officer'), ('authorised_signatory', 'Authorised signatory'),
               ('alternate_director', 'Alternate director'), ('manager', 'Manager'), ('member', 'Member'),
               ('general_partner', 'General partner'), ('limited_partner', 'Limited partner'),
               ('trustee', 'Trustee'), ('auditor', 'Auditor'), ('registered_agent', 'Registered agent'))
       AS r (key, label)
ON CONFLICT (tenant_id, key) DO NOTHING;

INSERT INTO charter.audit_head (tenant_id, seq, hash)
VALUES (charter.current_tenant(), 0, '\x0000000000000000000000000000000000000000000000000000000000000000')
ON CONFLICT (tenant_id) DO NOTHING;
