-- A tenant's settings: one row per tenant, written on the first change
-- (`PATCH /api/v1/tenants/{slug}/settings`). A tenant without a row has the
-- defaults, which are also the column defaults here and
-- `charter_domain::ownership::Threshold::DEFAULT` in the code. Later
-- settings are further columns of this row.

CREATE TABLE tenant_setting (
    tenant_id                      uuid NOT NULL,
    -- Percent of effective capital or votes that makes a natural person a
    -- beneficial owner.
    beneficial_ownership_threshold numeric(9, 6) NOT NULL DEFAULT 25
                                   CHECK (beneficial_ownership_threshold > 0
                                          AND beneficial_ownership_threshold <= 100),
    updated_at                     timestamptz NOT NULL DEFAULT now(),
    updated_by                     text NOT NULL,
    PRIMARY KEY (tenant_id),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('tenant_setting');
