//! Who may do what in which tenant.
//!
//! A [`TenantGrant`] is the only way to name a tenant to the storage layer,
//! and [`authorize`] is the only public way to obtain one for a caller: the
//! tenant context of a request comes from this check, never from the request
//! alone. Background work that acts for the platform itself (onboarding,
//! migrations) uses [`TenantGrant::for_system`], which names its reason.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
};

use crate::{
    FieldError,
    ids::{ApiKeyId, TenantId, UserId},
};

/// A role inside one tenant, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantRole {
    /// Everything an editor may do, plus managing the tenant's keys and members.
    Admin,
    /// Reads and changes the tenant's data.
    Editor,
    /// Reads the tenant's data.
    Viewer,
}

impl TenantRole {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw {
            "admin" => Ok(Self::Admin),
            "editor" => Ok(Self::Editor),
            "viewer" => Ok(Self::Viewer),
            _ => Err(FieldError::new(field, "one_of", "must be one of: admin, editor, viewer")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
        }
    }

    /// Whether this role may perform `action`.
    pub fn permits(self, action: Action) -> bool {
        match action {
            Action::Read => true,
            Action::Write => matches!(self, Self::Admin | Self::Editor),
            Action::Administer => matches!(self, Self::Admin),
        }
    }
}

impl fmt::Display for TenantRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request wants to do inside a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
    /// Manage the tenant itself: its keys, members and settings.
    Administer,
}

/// A role across the platform, granted by the identity provider (its roles
/// claim, `groups` unless configured otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlatformRole {
    /// Operates the platform; acts as a tenant admin everywhere.
    PlatformAdmin,
    /// Onboards and configures tenants, but reads no tenant's data unless
    /// also a member of it.
    BusinessDevelopment,
}

impl PlatformRole {
    /// The claim values that grant platform roles.
    pub const CLAIM_VALUES: [(&'static str, Self); 2] =
        [("charter:platform-admin", Self::PlatformAdmin), ("charter:business-development", Self::BusinessDevelopment)];

    /// The platform roles among an identity provider's group names (others ignored).
    pub fn from_claim_values<'a>(values: impl IntoIterator<Item = &'a str>) -> BTreeSet<Self> {
        values
            .into_iter()
            .filter_map(|v| Self::CLAIM_VALUES.iter().find(|(name, _)| *name == v).map(|(_, role)| *role))
            .collect()
    }

    /// `platform-admin` or `business-development`.
    pub fn from_name(raw: &str) -> Option<Self> {
        [Self::PlatformAdmin, Self::BusinessDevelopment].into_iter().find(|r| r.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "platform-admin",
            Self::BusinessDevelopment => "business-development",
        }
    }
}

/// Which entities of a tenant a grant reaches: all of them, or those in
/// any of some entity groups (the entity's `groups` fact, as of the date
/// asked). A limited grant reaches only the routes that check it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EntityScope {
    #[default]
    All,
    Groups(BTreeSet<String>),
}

impl EntityScope {
    /// `None` or an empty list: every entity.
    pub fn of(groups: Option<Vec<String>>) -> Self {
        match groups {
            Some(groups) if !groups.is_empty() => Self::Groups(groups.into_iter().collect()),
            _ => Self::All,
        }
    }

    pub fn groups(&self) -> Option<Vec<String>> {
        match self {
            Self::All => None,
            Self::Groups(groups) => Some(groups.iter().cloned().collect()),
        }
    }
}

/// A person signed in through the identity provider, with what they may
/// open: their platform roles and their memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub platform_roles: BTreeSet<PlatformRole>,
    /// The tenants they are a member of, with their role in each.
    pub memberships: BTreeMap<TenantId, TenantRole>,
    /// The memberships limited to entity groups (the others reach every entity).
    pub limited_to: BTreeMap<TenantId, BTreeSet<String>>,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An operator of the whole platform (`charter admin-key create`).
    PlatformAdmin { key_id: ApiKeyId },
    /// An integration key of exactly one tenant, maybe limited to entity groups.
    TenantKey { key_id: ApiKeyId, tenant: TenantId, role: TenantRole, scope: EntityScope },
    /// A person signed in through the identity provider (a session, or a
    /// bearer token the host platform forwards).
    User(Box<User>),
}

impl Principal {
    pub fn is_platform_admin(&self) -> bool {
        match self {
            Self::PlatformAdmin { .. } => true,
            Self::TenantKey { .. } => false,
            Self::User(user) => user.platform_roles.contains(&PlatformRole::PlatformAdmin),
        }
    }

    /// Whether the caller may onboard new tenants (and configure them while
    /// doing so): platform admins and business development.
    pub fn may_onboard(&self) -> bool {
        self.is_platform_admin()
            || matches!(self, Self::User(user) if user.platform_roles.contains(&PlatformRole::BusinessDevelopment))
    }

    pub fn actor(&self) -> Actor {
        match self {
            Self::PlatformAdmin { key_id } | Self::TenantKey { key_id, .. } => Actor::ApiKey(*key_id),
            Self::User(user) => Actor::User(user.id),
        }
    }

    /// Which of `tenant`'s entities the caller reaches (given a role there).
    pub fn scope_in(&self, tenant: TenantId) -> EntityScope {
        match self {
            Self::PlatformAdmin { .. } => EntityScope::All,
            Self::TenantKey { scope, .. } => scope.clone(),
            Self::User(user) if user.platform_roles.contains(&PlatformRole::PlatformAdmin) => EntityScope::All,
            Self::User(user) => user.limited_to.get(&tenant).cloned().map_or(EntityScope::All, EntityScope::Groups),
        }
    }

    /// The caller's role in `tenant`, if it has any.
    pub fn role_in(&self, tenant: TenantId) -> Option<TenantRole> {
        match self {
            // Platform operators act as tenant admins everywhere.
            Self::PlatformAdmin { .. } => Some(TenantRole::Admin),
            Self::TenantKey { tenant: own, role, .. } => (*own == tenant).then_some(*role),
            Self::User(user) if user.platform_roles.contains(&PlatformRole::PlatformAdmin) => Some(TenantRole::Admin),
            // Business development reads nothing of a tenant it is not a member of.
            Self::User(user) => user.memberships.get(&tenant).copied(),
        }
    }
}

/// Who performed a change, for audit trails and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    ApiKey(ApiKeyId),
    /// A person signed in through the identity provider.
    User(UserId),
    /// The platform itself, with the job that acted.
    System(&'static str),
}

impl fmt::Display for Actor {
    /// `api_key:<id>` or `system:<job>`, as audit events record it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey(id) => write!(f, "api_key:{id}"),
            Self::User(id) => write!(f, "user:{id}"),
            Self::System(job) => write!(f, "system:{job}"),
        }
    }
}

/// Why a caller may not act in a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The caller has no role in the tenant. Reported like an unknown tenant,
    /// so that a key of one client cannot learn which other clients exist.
    #[error("the caller has no access to this tenant")]
    NoAccess,
    /// The caller's role is too weak for the action.
    #[error("the caller's role does not allow this action")]
    RoleTooWeak,
}

/// Proof that an actor may act in one tenant with one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantGrant {
    tenant: TenantId,
    role: TenantRole,
    actor: Actor,
    scope: EntityScope,
}

impl TenantGrant {
    /// A grant for the platform's own work in a tenant (onboarding,
    /// migrations, seeding). `job` names the work in logs and audit events.
    pub fn for_system(tenant: TenantId, job: &'static str) -> Self {
        Self { tenant, role: TenantRole::Admin, actor: Actor::System(job), scope: EntityScope::All }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn role(&self) -> TenantRole {
        self.role
    }

    pub fn actor(&self) -> Actor {
        self.actor
    }

    /// The entities the grant reaches.
    pub fn scope(&self) -> &EntityScope {
        &self.scope
    }
}

/// Decides whether `principal` may perform `action` in `tenant`.
pub fn authorize(principal: &Principal, tenant: TenantId, action: Action) -> Result<TenantGrant, Denied> {
    let role = principal.role_in(tenant).ok_or(Denied::NoAccess)?;
    if !role.permits(action) {
        return Err(Denied::RoleTooWeak);
    }
    Ok(TenantGrant { tenant, role, actor: principal.actor(), scope: principal.scope_in(tenant) })
}

/// Like [`authorize`], for configuring a tenant (its settings, custom
/// fields, roles, entity groups and members): those who onboard tenants may
/// set a client up without being members of it. The routes that use it
/// touch configuration only, never the client's data.
pub fn authorize_configuration(principal: &Principal, tenant: TenantId, action: Action) -> Result<TenantGrant, Denied> {
    match authorize(principal, tenant, action) {
        Err(_) if principal.may_onboard() => {
            Ok(TenantGrant { tenant, role: TenantRole::Admin, actor: principal.actor(), scope: EntityScope::All })
        }
        outcome => outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tenant: TenantId, role: TenantRole) -> Principal {
        Principal::TenantKey { key_id: ApiKeyId::generate(), tenant, role, scope: EntityScope::All }
    }

    #[test]
    fn a_tenant_key_reaches_only_its_tenant() {
        let (acme, globex) = (TenantId::generate(), TenantId::generate());
        let acme_admin = key(acme, TenantRole::Admin);
        assert_eq!(authorize(&acme_admin, acme, Action::Administer).unwrap().tenant(), acme);
        assert_eq!(authorize(&acme_admin, globex, Action::Read), Err(Denied::NoAccess));
    }

    #[test]
    fn roles_are_ordered_by_power() {
        let tenant = TenantId::generate();
        let table = [
            (TenantRole::Viewer, [true, false, false]),
            (TenantRole::Editor, [true, true, false]),
            (TenantRole::Admin, [true, true, true]),
        ];
        for (role, expected) in table {
            let principal = key(tenant, role);
            for (action, allowed) in [Action::Read, Action::Write, Action::Administer].into_iter().zip(expected) {
                let outcome = authorize(&principal, tenant, action);
                assert_eq!(outcome.is_ok(), allowed, "{role} {action:?}");
                if !allowed {
                    assert_eq!(outcome, Err(Denied::RoleTooWeak));
                }
            }
        }
    }

    #[test]
    fn users_reach_the_tenants_they_are_members_of_and_business_development_reads_none() {
        let (acme, globex, initech) = (TenantId::generate(), TenantId::generate(), TenantId::generate());
        let user = |roles: &[&str], memberships: &[(TenantId, TenantRole)]| {
            Principal::User(Box::new(User {
                id: UserId::generate(),
                platform_roles: PlatformRole::from_claim_values(roles.iter().copied()),
                memberships: memberships.iter().copied().collect(),
                limited_to: BTreeMap::new(),
            }))
        };
        let sam = user(&["staff"], &[(acme, TenantRole::Editor), (globex, TenantRole::Viewer)]);
        assert!(authorize(&sam, acme, Action::Write).is_ok());
        assert_eq!(authorize(&sam, globex, Action::Write), Err(Denied::RoleTooWeak));
        assert_eq!(authorize(&sam, initech, Action::Read), Err(Denied::NoAccess));
        assert!(!sam.may_onboard());
        let bd = user(&["charter:business-development"], &[]);
        assert!(bd.may_onboard() && !bd.is_platform_admin());
        assert_eq!(authorize(&bd, acme, Action::Read), Err(Denied::NoAccess));
        assert!(authorize_configuration(&bd, acme, Action::Administer).is_ok(), "sets a client up");
        assert_eq!(authorize_configuration(&sam, initech, Action::Read), Err(Denied::NoAccess));
        let mut europe_desk = User {
            id: UserId::generate(),
            platform_roles: BTreeSet::new(),
            memberships: [(acme, TenantRole::Editor), (globex, TenantRole::Viewer)].into_iter().collect(),
            limited_to: BTreeMap::new(),
        };
        europe_desk.limited_to.insert(acme, BTreeSet::from(["europe".to_owned()]));
        let europe_desk = Principal::User(Box::new(europe_desk));
        let grant = authorize(&europe_desk, acme, Action::Write).unwrap();
        assert_eq!(grant.scope(), &EntityScope::Groups(BTreeSet::from(["europe".to_owned()])));
        assert_eq!(authorize(&europe_desk, globex, Action::Read).unwrap().scope(), &EntityScope::All);
        let operator = user(&["charter:platform-admin"], &[]);
        assert_eq!(authorize(&operator, acme, Action::Administer).map(|g| g.role()), Ok(TenantRole::Admin));
        assert!(operator.actor().to_string().starts_with("user:"));
    }

    #[test]
    fn platform_admins_act_as_tenant_admins() {
        let admin = Principal::PlatformAdmin { key_id: ApiKeyId::generate() };
        let grant = authorize(&admin, TenantId::generate(), Action::Administer).unwrap();
        assert_eq!(grant.role(), TenantRole::Admin);
    }
}
