-- Single sign-on: users who sign in through an identity provider, their
-- memberships of tenants, browser sessions and sign-ins under way, and the
-- platform's security trail (sign-ins, refused credentials, membership and
-- key changes). Tenant business data stays in the data plane.

-- A user is one identity at one provider (issuer + subject). Platform roles
-- come from the provider's roles claim and are refreshed at every sign-in.
CREATE TABLE control.users (
    id              uuid PRIMARY KEY,
    issuer          text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    email           text CHECK (email = lower(email)),
    email_verified  boolean NOT NULL DEFAULT false,
    name            text CHECK (length(name) <= 200),
    platform_roles  text[] NOT NULL DEFAULT '{}'
                    CHECK (platform_roles <@ ARRAY['platform-admin', 'business-development']),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz,
    UNIQUE (issuer, subject)
);

-- A membership is granted by email, before or after the person first signs
-- in. At a sign-in with that email verified it binds to the user, and from
-- then on it follows the user (the provider's subject), not the email.
CREATE TABLE control.memberships (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES control.tenants (id),
    email      text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    user_id    uuid REFERENCES control.users (id),
    role       text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, email)
);
CREATE UNIQUE INDEX memberships_tenant_user ON control.memberships (tenant_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX memberships_user ON control.memberships (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX memberships_unbound_email ON control.memberships (email) WHERE user_id IS NULL;

-- Browser sessions. Only a SHA-256 of the cookie's secret is kept; the CSRF
-- token is handed to the page (GET /api/v1/me) and must come back on writes.
CREATE TABLE control.sessions (
    secret_hash  bytea PRIMARY KEY CHECK (length(secret_hash) = 32),
    user_id      uuid NOT NULL REFERENCES control.users (id),
    csrf_token   text NOT NULL,
    -- The provider's ID token, for RP-initiated logout (`id_token_hint`).
    id_token     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON control.sessions (user_id);
CREATE INDEX sessions_expires ON control.sessions (expires_at);

-- Sign-ins under way: the `state` sent to the provider (its SHA-256) with the
-- nonce and PKCE verifier it must come back to. Taken once (DELETE … RETURNING),
-- so a replayed `state` finds nothing.
CREATE TABLE control.oidc_logins (
    state_hash    bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    nonce         text NOT NULL,
    pkce_verifier text NOT NULL,
    return_to     text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The platform's security trail, append-only.
CREATE TABLE control.security_events (
    id         uuid PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    kind       text NOT NULL CHECK (kind ~ '^[a-z_]+(\.[a-z_]+)?$'),
    actor      text,
    tenant_id  uuid REFERENCES control.tenants (id),
    detail     jsonb NOT NULL DEFAULT '{}',
    request_id text
);
CREATE INDEX security_events_kind ON control.security_events (kind, id);
CREATE INDEX security_events_tenant ON control.security_events (tenant_id, id) WHERE tenant_id IS NOT NULL;

CREATE FUNCTION control.refuse_security_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the security trail is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER security_events_append_only
    BEFORE UPDATE OR DELETE ON control.security_events
    FOR EACH ROW EXECUTE FUNCTION control.refuse_security_event_change();
