-- Tenant tiers (limits for noisy neighbours), offboarding tombstones and
-- tenant moves between databases.

ALTER TABLE control.tenants
    ADD COLUMN tier text NOT NULL DEFAULT 'standard' CHECK (tier IN ('standard', 'premium', 'unmetered')),
    ADD COLUMN offboarded_at timestamptz,
    -- Where the offboarding export was written, and its SHA-256.
    ADD COLUMN export_archive text,
    ADD COLUMN export_sha256 text;
ALTER TABLE control.tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE control.tenants
    ADD CONSTRAINT tenants_status_check CHECK (status IN ('provisioning', 'active', 'offboarded'));

-- A move in progress. The placement switches atomically (one UPDATE of
-- control.placements); this row says how far the move got, so that a rerun
-- after a crash completes it or rolls it back.
CREATE TABLE control.tenant_moves (
    tenant_id  uuid PRIMARY KEY REFERENCES control.tenants (id),
    source_id  uuid NOT NULL REFERENCES control.databases (id),
    target_id  uuid NOT NULL REFERENCES control.databases (id),
    phase      text NOT NULL CHECK (phase IN ('copying', 'frozen', 'switched')),
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (source_id <> target_id)
);

-- Finished moves, for operators.
CREATE TABLE control.tenant_move_history (
    tenant_id   uuid NOT NULL REFERENCES control.tenants (id),
    source_id   uuid NOT NULL REFERENCES control.databases (id),
    target_id   uuid NOT NULL REFERENCES control.databases (id),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    freeze_ms   bigint NOT NULL,
    rows_copied bigint NOT NULL,
    PRIMARY KEY (tenant_id, finished_at)
);
