//! Who signed in, as the identity provider says: the claims of a verified
//! ID token or access token, reduced to what Charter keeps of a user.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::access::PlatformRole;

/// A verified identity at one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// Lower-cased; memberships granted by email bind only when verified.
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub platform_roles: BTreeSet<PlatformRole>,
}

/// Why claims do not make an identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("the token has no `{0}` claim")]
    Missing(&'static str),
    #[error("the `{0}` claim is malformed")]
    Malformed(&'static str),
}

impl Identity {
    /// From verified claims: `iss` and `sub` are required; the platform roles
    /// come from `roles_claim` (a list of strings, or one string separated by
    /// spaces), and `email_verified` must be `true` to count.
    pub fn from_claims(claims: &Value, roles_claim: &str) -> Result<Self, ClaimsError> {
        let text = |name: &'static str| claims.get(name).and_then(Value::as_str);
        let issuer = text("iss").ok_or(ClaimsError::Missing("iss"))?.to_owned();
        let subject = text("sub").ok_or(ClaimsError::Missing("sub"))?;
        if subject.is_empty() || subject.len() > 255 {
            return Err(ClaimsError::Malformed("sub"));
        }
        let email = text("email")
            .map(|e| e.trim().to_lowercase())
            .filter(|e| e.len() >= 3 && e.len() <= 254 && e.contains('@'));
        let roles: Vec<&str> = match claims.get(roles_claim) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(joined)) => joined.split_whitespace().collect(),
            Some(_) => return Err(ClaimsError::Malformed("roles")),
        };
        Ok(Self {
            issuer,
            subject: subject.to_owned(),
            email,
            email_verified: claims.get("email_verified").and_then(Value::as_bool).unwrap_or(false),
            name: text("name").map(|n| n.chars().take(200).collect()),
            platform_roles: PlatformRole::from_claim_values(roles),
        })
    }
}

/// An email address as memberships are granted to: trimmed, lower-cased,
/// one `@` with something on each side.
pub fn parse_email(field: &str, raw: &str) -> Result<String, crate::FieldError> {
    let email = raw.trim().to_lowercase();
    let valid = (3..=254).contains(&email.len())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && domain.contains('.')
        })
        && !email.chars().any(char::is_whitespace);
    if valid { Ok(email) } else { Err(crate::FieldError::new(field, "email", "must be an email address")) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn claims_make_an_identity_with_platform_roles() {
        let claims = json!({
            "iss": "https://login.example", "sub": "abc", "email": " Sam@Firm.Example ", "email_verified": true,
            "groups": ["staff", "charter:business-development"],
        });
        let identity = Identity::from_claims(&claims, "groups").unwrap();
        assert_eq!(identity.email.as_deref(), Some("sam@firm.example"));
        assert!(identity.email_verified);
        assert_eq!(identity.platform_roles, BTreeSet::from([PlatformRole::BusinessDevelopment]));
        let spaced = json!({"iss": "i", "sub": "s", "roles": "charter:platform-admin other"});
        assert_eq!(
            Identity::from_claims(&spaced, "roles").unwrap().platform_roles,
            BTreeSet::from([PlatformRole::PlatformAdmin])
        );
        assert_eq!(Identity::from_claims(&json!({"iss": "i"}), "groups"), Err(ClaimsError::Missing("sub")));
        assert!(
            !Identity::from_claims(&json!({"iss": "i", "sub": "s", "email": "a@b.c"}), "groups")
                .unwrap()
                .email_verified
        );
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(parse_email("email", " Bd@Firm.Example").unwrap(), "bd@firm.example");
        for bad in ["", "a", "@x.io", "a@", "a b@x.io", "a@b@c.io", "a@localhost"] {
            assert!(parse_email("email", bad).is_err(), "{bad}");
        }
    }
}
