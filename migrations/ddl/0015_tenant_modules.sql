-- More tenant settings, chosen when a client is onboarded: the modules the
-- tenant uses (the UI shows only those) and the jurisdictions its new
-- entities default to (the add-entity wizard offers them first).

ALTER TABLE tenant_setting
    ADD COLUMN modules text[] NOT NULL
        DEFAULT '{register,shares,structure,beneficial_ownership}'
        CHECK (modules <@ '{register,shares,structure,beneficial_ownership}'::text[]),
    ADD COLUMN default_jurisdictions text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(default_jurisdictions) <= 20);
