//! Users who sign in through an identity provider, their memberships of
//! tenants, browser sessions, sign-ins under way, and the security trail
//! (control migration 0003).

use std::collections::{BTreeMap, BTreeSet};

use charter_domain::{
    access::{EntityScope, PlatformRole, TenantRole, User},
    identity::Identity,
    ids::{TenantId, UserId},
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_postgres::Row;

use super::{
    ControlPlane,
    notify::{Invalidation, announce},
};
use crate::{StoreError, random_bytes};

/// A user as listed (`GET /api/v1/me`).
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub platform_roles: BTreeSet<PlatformRole>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

/// A membership of a tenant, granted to an email address.
#[derive(Debug, Clone)]
pub struct MembershipRecord {
    pub id: uuid::Uuid,
    pub tenant: TenantId,
    pub email: String,
    /// Set once the person signed in with that email verified.
    pub user: Option<UserId>,
    pub role: TenantRole,
    /// The entity groups it is limited to (`None`: every entity).
    pub entity_groups: Option<Vec<String>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A sign-in under way, as stored when it began.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    /// The tenant whose own provider it went to (`None`: the firm's).
    pub tenant: Option<TenantId>,
}

/// A client's own identity provider (control migration 0004).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantIdentityProvider {
    pub tenant: TenantId,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Lower-case email domains whose sign-ins go to it.
    pub email_domains: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

const SELECT_TENANT_PROVIDER: &str = "SELECT p.tenant_id, p.issuer, p.client_id, p.client_secret,
        ARRAY(SELECT d.domain FROM control.tenant_identity_domains d WHERE d.tenant_id = p.tenant_id ORDER BY d.domain),
        p.updated_at
   FROM control.tenant_identity_providers p";

impl TenantIdentityProvider {
    fn from_row(row: &Row) -> Self {
        Self {
            tenant: TenantId::from_uuid(row.get(0)),
            issuer: row.get(1),
            client_id: row.get(2),
            client_secret: row.get(3),
            email_domains: row.get(4),
            updated_at: row.get(5),
        }
    }
}

/// A live browser session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: UserId,
    pub csrf_token: String,
    pub id_token: Option<String>,
}

/// An event of the security trail.
#[derive(Debug, Clone)]
pub struct SecurityEvent {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: Option<String>,
    pub tenant: Option<TenantId>,
    pub detail: Value,
    pub request_id: Option<String>,
}

/// How long a sign-in may take between `/auth/login` and `/auth/callback`.
const LOGIN_TTL_SECS: f64 = 600.0;

const MEMBERSHIP_COLUMNS: &str =
    "id, tenant_id, email, user_id, role, created_at, created_by, updated_at, entity_groups";

fn roles(row: &Row, index: usize) -> BTreeSet<PlatformRole> {
    let names: Vec<String> = row.get(index);
    names.iter().filter_map(|n| PlatformRole::from_name(n)).collect()
}

fn tenant_role(raw: &str) -> Result<TenantRole, StoreError> {
    TenantRole::parse("role", raw).map_err(|e| StoreError::Internal(format!("unreadable membership role: {e}")))
}

impl MembershipRecord {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.get(0),
            tenant: TenantId::from_uuid(row.get(1)),
            email: row.get(2),
            user: row.get::<_, Option<uuid::Uuid>>(3).map(UserId::from_uuid),
            role: tenant_role(row.get(4))?,
            created_at: row.get(5),
            created_by: row.get(6),
            updated_at: row.get(7),
            entity_groups: row.get(8),
        })
    }
}

/// SHA-256 of a secret handed to a browser (a session cookie, a `state`).
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A random URL-safe secret (256 bits).
pub fn random_secret() -> Result<String, StoreError> {
    use base64::Engine;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes()?))
}

impl ControlPlane {
    /// Records a sign-in: creates the user at first sign-in (just in time),
    /// refreshes what the provider says of them, and binds the memberships
    /// granted to their email if the provider verified it. A user of a
    /// client's own provider (`tenant`) has no platform roles and binds only
    /// memberships of that tenant. Returns the user.
    pub async fn sign_in(&self, identity: &Identity, tenant: Option<TenantId>) -> Result<User, StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let platform: Vec<&str> =
            identity.platform_roles.iter().filter(|_| tenant.is_none()).map(|r| r.as_str()).collect();
        let tenant = tenant.map(|t| t.as_uuid());
        let row = tx
            .query_one(
                "INSERT INTO control.users
                     (id, issuer, subject, email, email_verified, name, platform_roles, last_sign_in_at, tenant_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)
                 ON CONFLICT (issuer, subject) DO UPDATE
                    SET email = EXCLUDED.email, email_verified = EXCLUDED.email_verified, name = EXCLUDED.name,
                        platform_roles = EXCLUDED.platform_roles, last_sign_in_at = now()
                 RETURNING id, tenant_id",
                &[
                    &UserId::generate().as_uuid(),
                    &identity.issuer,
                    &identity.subject,
                    &identity.email,
                    &identity.email_verified,
                    &identity.name,
                    &platform,
                    &tenant,
                ],
            )
            .await?;
        let user = UserId::from_uuid(row.get(0));
        if row.get::<_, Option<uuid::Uuid>>(1) != tenant {
            return Err(StoreError::Internal(format!("user {user} belongs to another tenant's provider")));
        }
        if let (Some(email), true) = (&identity.email, identity.email_verified) {
            tx.execute(
                "UPDATE control.memberships m SET user_id = $1, updated_at = now()
                  WHERE m.email = $2 AND m.user_id IS NULL AND ($3::uuid IS NULL OR m.tenant_id = $3)
                    AND NOT EXISTS (SELECT 1 FROM control.memberships o WHERE o.tenant_id = m.tenant_id AND o.user_id = $1)",
                &[&user.as_uuid(), email, &tenant],
            )
            .await?;
        }
        announce(&tx, Invalidation::User(user)).await?;
        tx.commit().await?;
        self.user(user).await?.ok_or(StoreError::NotFound)
    }

    /// A user with their platform roles and memberships of active tenants.
    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let conn = self.conn().await?;
        let Some(row) =
            conn.query_opt("SELECT platform_roles FROM control.users WHERE id = $1", &[&id.as_uuid()]).await?
        else {
            return Ok(None);
        };
        let (mut memberships, mut limited_to) = (BTreeMap::new(), BTreeMap::new());
        for m in conn
            .query(
                // A client provider's user reaches their own tenant only,
                // whatever memberships name them.
                "SELECT m.tenant_id, m.role, m.entity_groups FROM control.memberships m
                   JOIN control.tenants t ON t.id = m.tenant_id
                   JOIN control.users u ON u.id = m.user_id
                  WHERE m.user_id = $1 AND t.status = 'active' AND (u.tenant_id IS NULL OR u.tenant_id = m.tenant_id)",
                &[&id.as_uuid()],
            )
            .await?
        {
            let tenant = TenantId::from_uuid(m.get(0));
            memberships.insert(tenant, tenant_role(m.get(1))?);
            if let EntityScope::Groups(groups) = EntityScope::of(m.get(2)) {
                limited_to.insert(tenant, groups);
            }
        }
        Ok(Some(User { id, platform_roles: roles(&row, 0), memberships, limited_to }))
    }

    pub async fn user_record(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT id, issuer, subject, email, name, platform_roles, last_sign_in_at FROM control.users WHERE id = $1",
                &[&id.as_uuid()],
            )
            .await?;
        Ok(row.map(|r| UserRecord {
            id: UserId::from_uuid(r.get(0)),
            issuer: r.get(1),
            subject: r.get(2),
            email: r.get(3),
            name: r.get(4),
            platform_roles: roles(&r, 5),
            last_sign_in_at: r.get(6),
        }))
    }

    /// The user known by this provider and subject, if they signed in before.
    pub async fn user_by_subject(&self, issuer: &str, subject: &str) -> Result<Option<UserId>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt("SELECT id FROM control.users WHERE issuer = $1 AND subject = $2", &[&issuer, &subject])
            .await?;
        Ok(row.map(|r| UserId::from_uuid(r.get(0))))
    }

    /// Grants a membership to an email address; bound at once to the user
    /// who already signed in with that email verified. A second membership
    /// of the same email is a conflict on `memberships_tenant_id_email_key`.
    pub async fn create_membership(
        &self,
        tenant: TenantId,
        email: &str,
        role: TenantRole,
        entity_groups: Option<&[String]>,
        actor: &str,
    ) -> Result<MembershipRecord, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                &format!(
                    "INSERT INTO control.memberships (id, tenant_id, email, user_id, role, created_by, entity_groups)
                 VALUES ($1, $2, $3,
                         (SELECT u.id FROM control.users u
                           WHERE u.email = $3 AND u.email_verified AND (u.tenant_id IS NULL OR u.tenant_id = $2)
                             AND NOT EXISTS (SELECT 1 FROM control.memberships o
                                              WHERE o.tenant_id = $2 AND o.user_id = u.id)
                           ORDER BY u.last_sign_in_at DESC NULLS LAST LIMIT 1),
                         $4, $5, $6)
                 RETURNING {MEMBERSHIP_COLUMNS}"
                ),
                &[&uuid::Uuid::now_v7(), &tenant.as_uuid(), &email, &role.as_str(), &actor, &entity_groups],
            )
            .await?;
        let record = MembershipRecord::from_row(&row)?;
        if let Some(user) = record.user {
            announce(&conn, Invalidation::User(user)).await?;
        }
        Ok(record)
    }

    pub async fn memberships(&self, tenant: TenantId) -> Result<Vec<MembershipRecord>, StoreError> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!("SELECT {MEMBERSHIP_COLUMNS} FROM control.memberships WHERE tenant_id = $1 ORDER BY email"),
                &[&tenant.as_uuid()],
            )
            .await?;
        rows.iter().map(MembershipRecord::from_row).collect()
    }

    pub async fn membership(&self, tenant: TenantId, id: uuid::Uuid) -> Result<Option<MembershipRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("SELECT {MEMBERSHIP_COLUMNS} FROM control.memberships WHERE tenant_id = $1 AND id = $2"),
                &[&tenant.as_uuid(), &id],
            )
            .await?;
        row.as_ref().map(MembershipRecord::from_row).transpose()
    }

    /// Changes a membership's role and entity groups; its user (if bound)
    /// sees it at once.
    pub async fn update_membership(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        role: TenantRole,
        entity_groups: Option<&[String]>,
    ) -> Result<Option<MembershipRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "UPDATE control.memberships SET role = $3, entity_groups = $4, updated_at = now()
                      WHERE tenant_id = $1 AND id = $2
                     RETURNING {MEMBERSHIP_COLUMNS}"
                ),
                &[&tenant.as_uuid(), &id, &role.as_str(), &entity_groups],
            )
            .await?;
        let record = row.as_ref().map(MembershipRecord::from_row).transpose()?;
        if let Some(user) = record.as_ref().and_then(|r| r.user) {
            announce(&conn, Invalidation::User(user)).await?;
        }
        Ok(record)
    }

    /// Ends a membership; its user (if bound) loses the tenant at once.
    pub async fn delete_membership(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<MembershipRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "DELETE FROM control.memberships WHERE tenant_id = $1 AND id = $2 RETURNING {MEMBERSHIP_COLUMNS}"
                ),
                &[&tenant.as_uuid(), &id],
            )
            .await?;
        let record = row.as_ref().map(MembershipRecord::from_row).transpose()?;
        if let Some(user) = record.as_ref().and_then(|r| r.user) {
            announce(&conn, Invalidation::User(user)).await?;
        }
        Ok(record)
    }

    /// Remembers a sign-in under way under the SHA-256 of its `state`.
    pub async fn begin_login(&self, state: &str, login: &PendingLogin) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        // Sign-ins never finished are forgotten as new ones begin.
        conn.execute(
            "DELETE FROM control.oidc_logins WHERE created_at < now() - make_interval(secs => $1)",
            &[&LOGIN_TTL_SECS],
        )
        .await?;
        conn.execute(
            "INSERT INTO control.oidc_logins (state_hash, nonce, pkce_verifier, return_to, tenant_id)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &secret_hash(state).as_slice(),
                &login.nonce,
                &login.pkce_verifier,
                &login.return_to,
                &login.tenant.map(|t| t.as_uuid()),
            ],
        )
        .await?;
        Ok(())
    }

    /// Takes the sign-in a `state` names, once: a replayed or stale `state`
    /// finds nothing.
    pub async fn take_login(&self, state: &str) -> Result<Option<PendingLogin>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "DELETE FROM control.oidc_logins WHERE state_hash = $1
                 RETURNING nonce, pkce_verifier, return_to, created_at > now() - make_interval(secs => $2), tenant_id",
                &[&secret_hash(state).as_slice(), &LOGIN_TTL_SECS],
            )
            .await?;
        Ok(row.filter(|r| r.get::<_, bool>(3)).map(|r| PendingLogin {
            nonce: r.get(0),
            pkce_verifier: r.get(1),
            return_to: r.get(2),
            tenant: r.get::<_, Option<uuid::Uuid>>(4).map(TenantId::from_uuid),
        }))
    }

    /// Sets a tenant's own identity provider and the email domains routed
    /// to it (replacing what was there). A domain or issuer another tenant
    /// uses is a conflict (`tenant_identity_domains_pkey`,
    /// `tenant_identity_providers_issuer_key`).
    pub async fn set_tenant_identity_provider(
        &self,
        provider: &TenantIdentityProvider,
    ) -> Result<TenantIdentityProvider, StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let tenant = provider.tenant.as_uuid();
        tx.execute(
            "INSERT INTO control.tenant_identity_providers (tenant_id, issuer, client_id, client_secret)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id) DO UPDATE
                SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id,
                    client_secret = EXCLUDED.client_secret, updated_at = now()",
            &[&tenant, &provider.issuer, &provider.client_id, &provider.client_secret],
        )
        .await?;
        tx.execute("DELETE FROM control.tenant_identity_domains WHERE tenant_id = $1", &[&tenant]).await?;
        tx.execute(
            "INSERT INTO control.tenant_identity_domains (domain, tenant_id) SELECT unnest($2::text[]), $1",
            &[&tenant, &provider.email_domains],
        )
        .await?;
        tx.commit().await?;
        self.tenant_identity_provider(provider.tenant).await?.ok_or(StoreError::NotFound)
    }

    pub async fn tenant_identity_provider(
        &self,
        tenant: TenantId,
    ) -> Result<Option<TenantIdentityProvider>, StoreError> {
        let conn = self.conn().await?;
        let row =
            conn.query_opt(&format!("{SELECT_TENANT_PROVIDER} WHERE p.tenant_id = $1"), &[&tenant.as_uuid()]).await?;
        Ok(row.as_ref().map(TenantIdentityProvider::from_row))
    }

    /// The client provider an email domain signs in with, if any.
    pub async fn tenant_identity_provider_for_domain(
        &self,
        domain: &str,
    ) -> Result<Option<TenantIdentityProvider>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "{SELECT_TENANT_PROVIDER}
                      WHERE p.tenant_id = (SELECT d.tenant_id FROM control.tenant_identity_domains d WHERE d.domain = $1)"
                ),
                &[&domain.to_lowercase()],
            )
            .await?;
        Ok(row.as_ref().map(TenantIdentityProvider::from_row))
    }

    /// The client provider that issues as `issuer`, if any.
    pub async fn tenant_identity_provider_by_issuer(
        &self,
        issuer: &str,
    ) -> Result<Option<TenantIdentityProvider>, StoreError> {
        let conn = self.conn().await?;
        let row = conn.query_opt(&format!("{SELECT_TENANT_PROVIDER} WHERE p.issuer = $1"), &[&issuer]).await?;
        Ok(row.as_ref().map(TenantIdentityProvider::from_row))
    }

    /// Removes a tenant's own provider; its users can no longer sign in.
    pub async fn delete_tenant_identity_provider(&self, tenant: TenantId) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let deleted = conn
            .execute("DELETE FROM control.tenant_identity_providers WHERE tenant_id = $1", &[&tenant.as_uuid()])
            .await?;
        Ok(deleted == 1)
    }

    /// Opens a session for `user`; returns the cookie's secret (only its
    /// hash is kept) and the CSRF token.
    pub async fn create_session(
        &self,
        user: UserId,
        id_token: Option<&str>,
        lifetime_secs: f64,
    ) -> Result<(String, String), StoreError> {
        let (secret, csrf) = (random_secret()?, random_secret()?);
        let conn = self.conn().await?;
        // Expired sessions are forgotten as new ones open (an index probe).
        conn.execute("DELETE FROM control.sessions WHERE expires_at < now()", &[]).await?;
        conn.execute(
            "INSERT INTO control.sessions (secret_hash, user_id, csrf_token, id_token, expires_at)
             VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
            &[&secret_hash(&secret).as_slice(), &user.as_uuid(), &csrf, &id_token, &lifetime_secs],
        )
        .await?;
        Ok((secret, csrf))
    }

    /// The live session a cookie's secret opens, if any.
    pub async fn session(&self, secret: &str) -> Result<Option<SessionRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT user_id, csrf_token, id_token FROM control.sessions
                  WHERE secret_hash = $1 AND expires_at > now()",
                &[&secret_hash(secret).as_slice()],
            )
            .await?;
        Ok(row.map(|r| SessionRecord { user: UserId::from_uuid(r.get(0)), csrf_token: r.get(1), id_token: r.get(2) }))
    }

    /// Ends a session; returns it if it was live.
    pub async fn end_session(&self, secret: &str) -> Result<Option<SessionRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "DELETE FROM control.sessions WHERE secret_hash = $1 RETURNING user_id, csrf_token, id_token",
                &[&secret_hash(secret).as_slice()],
            )
            .await?;
        Ok(row.map(|r| SessionRecord { user: UserId::from_uuid(r.get(0)), csrf_token: r.get(1), id_token: r.get(2) }))
    }

    /// Appends an event to the security trail.
    pub async fn record_security_event(
        &self,
        kind: &str,
        actor: Option<&str>,
        tenant: Option<TenantId>,
        detail: &Value,
        request_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO control.security_events (id, kind, actor, tenant_id, detail, request_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&uuid::Uuid::now_v7(), &kind, &actor, &tenant.map(|t| t.as_uuid()), detail, &request_id],
        )
        .await?;
        Ok(())
    }

    /// The security trail, newest first: of one tenant, or all of it with `None`.
    pub async fn security_events(
        &self,
        tenant: Option<TenantId>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT id, at, kind, actor, tenant_id, detail, request_id FROM control.security_events
                  WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR kind = $2)
                  ORDER BY id DESC LIMIT $3",
                &[&tenant.map(|t| t.as_uuid()), &kind, &limit],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| SecurityEvent {
                id: r.get(0),
                at: r.get(1),
                kind: r.get(2),
                actor: r.get(3),
                tenant: r.get::<_, Option<uuid::Uuid>>(4).map(TenantId::from_uuid),
                detail: r.get(5),
                request_id: r.get(6),
            })
            .collect())
    }
}
