//! The world every scenario runs in, and the step definitions by feature.

mod audit;
mod bad_input;
mod certificates;
mod fleet;
mod gleif;
mod isolation;
mod lifecycle;
mod lint;
mod onboarding;
mod ownership;
mod register;
mod running;
mod shares;
mod sso;

use std::collections::HashMap;

use serde_json::Value;

use crate::support::Deployment;

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct CharterWorld {
    deployment: Option<Deployment>,
    /// Slug → an admin key of that tenant.
    keys: HashMap<String, String>,
    /// Legal name → (tenant slug, entity id).
    entities: HashMap<String, (String, String)>,
    /// Responses of the latest requests, newest last.
    responses: Vec<(u16, Value)>,
    isolation: isolation::State,
    audit: audit::State,
    lint: lint::State,
    bad_input: bad_input::State,
    certificates: certificates::State,
    fleet: fleet::State,
    gleif: gleif::State,
    lifecycle: lifecycle::State,
    ownership: ownership::State,
    register: register::State,
    running: running::State,
    shares: shares::State,
    sso: sso::State,
}

impl std::fmt::Debug for CharterWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CharterWorld")
            .field("control_plane", &self.deployment.as_ref().map(|d| d.control_url.database().to_owned()))
            .field("tenants", &self.keys.keys().collect::<Vec<_>>())
            .field("entities", &self.entities)
            .field("responses", &self.responses)
            .finish_non_exhaustive()
    }
}

impl CharterWorld {
    fn new() -> Self {
        charter_api::oidc::install_tls_provider();
        Self {
            deployment: None,
            keys: HashMap::new(),
            entities: HashMap::new(),
            responses: Vec::new(),
            isolation: isolation::State::default(),
            audit: audit::State::default(),
            lint: lint::State::default(),
            bad_input: bad_input::State::default(),
            certificates: certificates::State::default(),
            fleet: fleet::State::default(),
            gleif: gleif::State::default(),
            lifecycle: lifecycle::State::default(),
            ownership: ownership::State::default(),
            register: register::State::default(),
            running: running::State::default(),
            shares: shares::State::default(),
            sso: sso::State::default(),
        }
    }

    /// The scenario's deployment, started on first use.
    async fn deployment(&mut self) -> &Deployment {
        if self.deployment.is_none() {
            self.deployment = Some(Deployment::start().await);
        }
        self.deployment.as_ref().expect("just started")
    }

    fn last(&self) -> &(u16, Value) {
        self.responses.last().expect("a request was made")
    }

    fn key_of(&self, slug: &str) -> String {
        self.keys.get(slug).unwrap_or_else(|| panic!("no key for tenant {slug}")).clone()
    }

    /// Onboards a tenant and keeps an admin key of it.
    async fn onboard(&mut self, slug: &str, placement: &str) -> (u16, Value) {
        let deployment = self.deployment().await;
        let (status, body) = deployment.onboard(slug, placement).await;
        assert!(status == 201 || status == 200, "onboarding {slug}: {status} {body}");
        let key = deployment.tenant_key(slug, "admin").await;
        self.keys.insert(slug.to_owned(), key);
        (status, body)
    }

    pub async fn teardown(&mut self) {
        self.isolation.teardown();
        self.fleet.teardown();
        self.lifecycle.teardown();
        self.running.teardown().await;
        if let Some(deployment) = self.deployment.take() {
            deployment.destroy().await;
        }
    }
}

/// Steps used by several features.
mod common {
    use cucumber::{given, then};

    use super::CharterWorld;

    #[given(expr = "tenants {string} and {string} onboarded with placement {string}")]
    async fn tenants_onboarded(world: &mut CharterWorld, first: String, second: String, placement: String) {
        world.onboard(&first, &placement).await;
        world.onboard(&second, &placement).await;
    }

    #[then(expr = "the response status is {int}")]
    async fn status_is(world: &mut CharterWorld, status: u16) {
        let (actual, body) = world.last();
        assert_eq!(*actual, status, "{body}");
    }
}
