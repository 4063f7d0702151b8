//! Group structure, effective ownership, beneficial owners and ultimate
//! parents, as of a date.

use axum::{
    Json,
    extract::State,
    http::HeaderValue,
    response::{IntoResponse, Response},
};
use charter_domain::{
    FieldError,
    access::Action,
    appointment::Holder,
    bods::{Owner, Subject, statements},
    ownership::{Basis, Graph, beneficial_owners, control_chain, ultimate_parents},
};
use charter_storage::data::{TenantTx, TxMode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::Caller,
    conditional::AsOfQuery,
    error::{ApiError, Missing},
    extract::{PathParams, QueryParams, entity_id},
    group::Group,
    problems::ReadProblems,
    routes::shares::{holder_json, joint_members},
};

/// Round a fraction or percentage for display (exact enough for any register).
fn round(value: f64) -> f64 {
    (value * 1e9).round() / 1e9
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StructureQuery {
    /// Levels of holders to show (default 3, at most 1000).
    #[param(value_type = Option<u32>)]
    up: Option<String>,
    /// Levels of holdings to show (default 3, at most 1000).
    #[param(value_type = Option<u32>)]
    down: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    known_at: Option<String>,
}

/// A node of a structure chart: an entity or a person, once each.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Node {
    id: uuid::Uuid,
    /// `entity` or `person`.
    #[serde(rename = "type")]
    kind: &'static str,
    name: Option<String>,
    /// 0 for the entity asked about, −n for holders n levels up, +n for holdings n levels down.
    level: i32,
}

/// A link of a structure chart: `from` holds shares of `to`, or consolidates it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Link {
    from: uuid::Uuid,
    to: uuid::Uuid,
    /// `shareholding` (from the share ledger), or a GLEIF consolidation
    /// relationship in lower case (`is_directly_consolidated_by`,
    /// `is_ultimately_consolidated_by`, …), shown as its own kind.
    kind: String,
    /// For a shareholding.
    capital_pct: Option<f64>,
    votes_pct: Option<f64>,
    /// For a relationship: its period as the source gives it.
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

/// A group structure chart as of a date, ready for a diagram.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Structure {
    entity_id: uuid::Uuid,
    as_of: NaiveDate,
    nodes: Vec<Node>,
    links: Vec<Link>,
}

fn levels(raw: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> u32 {
    match raw.map(str::parse::<u32>) {
        None => 3,
        Some(Ok(n)) if n <= 1000 => n,
        Some(_) => {
            errors.push(FieldError::new(field, "range", "must be a whole number from 0 to 1000"));
            0
        }
    }
}

/// The group structure around an entity as of a date: its holders `up`
/// levels up and its holdings `down` levels down. Every entity and person
/// appears once, so cross-holdings and cycles are shown, not followed forever.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/structure",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        StructureQuery,
    ),
    responses((status = 200, description = "Nodes and links", body = Structure), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn structure(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<StructureQuery>,
) -> Result<Json<Structure>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let entity = entity_id(&id)?;
    let mut errors = Vec::new();
    let up = levels(query.up.as_deref(), "up", &mut errors);
    let down = levels(query.down.as_deref(), "down", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let at = AsOfQuery { as_of: query.as_of, known_at: query.known_at }.parse()?;
    let mut tx = state.read_entity(&scope, entity).await?;
    let group = Group::around(&mut tx, entity, at, (up, down), true).await?;
    let holders: Vec<Holder> = group.levels.keys().copied().collect();
    let names = tx.holder_names(&holders, at.date).await?;
    tx.commit().await?;
    let nodes = group
        .levels
        .iter()
        .map(|(holder, level)| Node {
            id: holder.as_uuid(),
            kind: match holder {
                Holder::Person(_) => "person",
                Holder::Entity(_) => "entity",
                Holder::Joint(_) => "joint_holding",
            },
            name: names.get(holder).cloned(),
            level: *level,
        })
        .collect();
    let shareholdings = group.stakes.iter().map(|s| Link {
        from: s.holder.as_uuid(),
        to: s.issuer.as_uuid(),
        kind: "shareholding".into(),
        capital_pct: Some(round(s.capital * 100.0)),
        votes_pct: Some(round(s.votes * 100.0)),
        valid_from: None,
        valid_to: None,
    });
    let consolidations = group.consolidations.iter().map(|r| Link {
        from: r.parent.as_uuid(),
        to: r.child.as_uuid(),
        kind: r.kind.to_lowercase(),
        capital_pct: None,
        votes_pct: None,
        valid_from: r.from,
        valid_to: r.to,
    });
    let links = shareholdings.chain(consolidations).collect();
    Ok(Json(Structure { entity_id: entity.as_uuid(), as_of: at.date, nodes, links }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OwnershipQuery {
    /// `capital` (default) or `votes`.
    basis: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    known_at: Option<String>,
}

/// One holder's ownership of an entity, through every chain.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EffectiveStake {
    #[schema(value_type = Object)]
    holder: Value,
    holder_name: Option<String>,
    /// The fraction (0–1) held through every chain, cycles included.
    effective: f64,
    /// The fraction held directly.
    direct: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EffectiveOwnership {
    entity_id: uuid::Uuid,
    as_of: NaiveDate,
    /// `capital` or `votes`.
    basis: &'static str,
    items: Vec<EffectiveStake>,
}

/// The effective ownership of every holder upstream of an entity:
/// E = M + M² + … = M(I − M)⁻¹ over the direct stakes M, as a fraction.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/effective-ownership",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        OwnershipQuery,
    ),
    responses((status = 200, description = "Holders, largest first", body = EffectiveOwnership), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn effective_ownership(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<OwnershipQuery>,
) -> Result<Json<EffectiveOwnership>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let entity = entity_id(&id)?;
    let basis = basis(query.basis.as_deref(), Basis::Capital)?;
    let at = AsOfQuery { as_of: query.as_of, known_at: query.known_at }.parse()?;
    let mut tx = state.read_entity(&scope, entity).await?;
    let group = Group::upstream(&mut tx, entity, at).await?;
    let graph = Graph::new(group.stakes);
    let (effective, _) = graph.effective(entity, basis);
    let holders: Vec<Holder> = effective.keys().copied().collect();
    let names = tx.holder_names(&holders, at.date).await?;
    let joint = joint_members(&mut tx, &holders).await?;
    tx.commit().await?;
    let direct =
        |holder: &Holder| graph.holders_of(entity).iter().find(|s| s.holder == *holder).map_or(0.0, |s| basis.of(s));
    let mut items: Vec<EffectiveStake> = effective
        .iter()
        .map(|(holder, fraction)| EffectiveStake {
            holder: holder_json(*holder, &joint),
            holder_name: names.get(holder).cloned(),
            effective: round(*fraction),
            direct: round(direct(holder)),
        })
        .collect();
    items.sort_by(|a, b| b.effective.total_cmp(&a.effective));
    Ok(Json(EffectiveOwnership { entity_id: entity.as_uuid(), as_of: at.date, basis: basis_name(basis), items }))
}

/// The `basis` parameter, `default` when not given.
fn basis(raw: Option<&str>, default: Basis) -> Result<Basis, ApiError> {
    match raw {
        None => Ok(default),
        Some("capital") => Ok(Basis::Capital),
        Some("votes") => Ok(Basis::Votes),
        Some(_) => Err(ApiError::InvalidQuery(vec![FieldError::new("basis", "one_of", "must be capital or votes")])),
    }
}

fn basis_name(basis: Basis) -> &'static str {
    match basis {
        Basis::Capital => "capital",
        Basis::Votes => "votes",
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UltimateParentsQuery {
    /// `votes` (default) or `capital`: the stakes that link entities, the
    /// effective ownership shown, and the majorities followed for control.
    basis: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    known_at: Option<String>,
}

/// An ultimate parent of an entity.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UltimateParent {
    entity_id: uuid::Uuid,
    name: Option<String>,
    /// `shareholding` (from the share ledgers) or `gleif` (an
    /// `IS_ULTIMATELY_CONSOLIDATED_BY` relationship recorded from GLEIF).
    /// An entity found both ways is listed once for each.
    source: &'static str,
    /// For a shareholding: its effective ownership of the entity on the
    /// basis, a fraction (0–1) through every chain. Null for GLEIF.
    effective: Option<f64>,
    /// At the top of the chains above the entity: no entity holds it, or it
    /// belongs to a cycle of cross-holdings that no entity outside holds.
    /// Always true for GLEIF.
    top: bool,
    /// The ultimate controlling parent: reached from the entity by
    /// following, at each step, the entity holding more than 50 % on the
    /// basis, until none does (or a person does). At most one item; never a
    /// GLEIF one.
    controlling: bool,
    /// For GLEIF: the relationship's period, as GLEIF gives it.
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UltimateParents {
    entity_id: uuid::Uuid,
    as_of: NaiveDate,
    /// `votes` or `capital`.
    basis: &'static str,
    /// The majority holders followed from the entity up, the ultimate
    /// controlling parent last; empty when no entity holds a majority of it.
    control_chain: Vec<uuid::Uuid>,
    /// The controlling parent first, then by effective ownership; GLEIF's last.
    items: Vec<UltimateParent>,
}

/// The ultimate parents of an entity as of a date: the entities at the top
/// of the chains of shareholdings above it, its ultimate controlling parent
/// (the end of the chain of majority holders), and the ultimate
/// consolidating parent GLEIF names. A cycle of cross-holdings without an
/// entity holder outside it is the top of its chains: each member is listed.
/// GLEIF relationships are those on record now, whatever `known_at` says.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/ultimate-parents",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        UltimateParentsQuery,
    ),
    responses((status = 200, description = "The ultimate parents", body = UltimateParents), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn ultimate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<UltimateParentsQuery>,
) -> Result<Json<UltimateParents>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let entity = entity_id(&id)?;
    let basis = basis(query.basis.as_deref(), Basis::Votes)?;
    let at = AsOfQuery { as_of: query.as_of, known_at: query.known_at }.parse()?;
    let mut tx = state.read_entity(&scope, entity).await?;
    let group = Group::upstream(&mut tx, entity, at).await?;
    let graph = Graph::new(group.stakes);
    let parents = ultimate_parents(&graph, entity, basis);
    let chain = control_chain(&graph, entity, basis);
    let mut consolidating = Vec::new();
    for link in tx.relationships_around(&[entity], at.date).await? {
        if link.child == entity
            && link.kind == "IS_ULTIMATELY_CONSOLIDATED_BY"
            && !consolidating.iter().any(|(parent, _, _)| *parent == link.parent)
        {
            consolidating.push((link.parent, link.from, link.to));
        }
    }
    let holders: Vec<Holder> = parents
        .iter()
        .map(|p| p.entity)
        .chain(consolidating.iter().map(|(parent, _, _)| *parent))
        .map(Holder::Entity)
        .collect();
    let names = tx.holder_names(&holders, at.date).await?;
    tx.commit().await?;
    let name = |e| names.get(&Holder::Entity(e)).cloned();
    let shareholding = parents.iter().map(|p| UltimateParent {
        entity_id: p.entity.as_uuid(),
        name: name(p.entity),
        source: "shareholding",
        effective: Some(round(p.effective)),
        top: p.top,
        controlling: p.controlling,
        valid_from: None,
        valid_to: None,
    });
    let gleif = consolidating.iter().map(|(parent, from, to)| UltimateParent {
        entity_id: parent.as_uuid(),
        name: name(*parent),
        source: "gleif",
        effective: None,
        top: true,
        controlling: false,
        valid_from: *from,
        valid_to: *to,
    });
    Ok(Json(UltimateParents {
        entity_id: entity.as_uuid(),
        as_of: at.date,
        basis: basis_name(basis),
        control_chain: chain.iter().map(|e| e.as_uuid()).collect(),
        items: shareholding.chain(gleif).collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BeneficialOwnersQuery {
    /// Percent of effective capital or votes that makes a beneficial owner
    /// (default: the tenant's setting, `beneficial_ownership_threshold_pct`, 25 unless changed).
    #[param(value_type = Option<f64>)]
    threshold: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    known_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BeneficialOwner {
    person_id: uuid::Uuid,
    name: Option<String>,
    /// Effective fraction (0–1) of the capital.
    capital: f64,
    /// Effective fraction (0–1) of the votes.
    votes: f64,
    /// Whether any of it is held in the entity itself (alone or jointly).
    direct: bool,
    /// The part of `capital` and of `votes` held in the entity itself; the
    /// rest is held through other entities.
    direct_capital: f64,
    direct_votes: f64,
    /// Joint holdings the interest is held through in part or in whole;
    /// each joint holder counts a joint holding in full.
    joint_holding_ids: Vec<uuid::Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BeneficialOwners {
    entity_id: uuid::Uuid,
    as_of: NaiveDate,
    /// The threshold applied, in percent.
    threshold: f64,
    /// Where it comes from: `query` (the `threshold` parameter) or
    /// `tenant_settings` (the tenant's `beneficial_ownership_threshold_pct`).
    threshold_source: &'static str,
    items: Vec<BeneficialOwner>,
}

/// The natural persons whose effective capital or votes in an entity reach
/// the threshold, as of a date.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/beneficial-owners",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        BeneficialOwnersQuery,
    ),
    responses((status = 200, description = "Beneficial owners, largest first", body = BeneficialOwners), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn beneficial(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<BeneficialOwnersQuery>,
) -> Result<Json<BeneficialOwners>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let entity = entity_id(&id)?;
    let asked = threshold(query.threshold.as_deref())?;
    let at = AsOfQuery { as_of: query.as_of, known_at: query.known_at }.parse()?;
    let mut tx = state.read_entity(&scope, entity).await?;
    let (threshold, threshold_source) = applied_threshold(&mut tx, asked).await?;
    let group = Group::upstream(&mut tx, entity, at).await?;
    let graph = Graph::new(group.stakes);
    let joint = joint_members(&mut tx, &graph.stakes().map(|s| s.holder).collect::<Vec<_>>()).await?;
    let owners = beneficial_owners(&graph, entity, threshold / 100.0, &joint);
    let holders: Vec<Holder> = owners.iter().map(|o| Holder::Person(o.person)).collect();
    let names = tx.holder_names(&holders, at.date).await?;
    tx.commit().await?;
    let items = owners
        .into_iter()
        .map(|o| BeneficialOwner {
            person_id: o.person.as_uuid(),
            name: names.get(&Holder::Person(o.person)).cloned(),
            capital: round(o.capital),
            votes: round(o.votes),
            direct: o.direct,
            direct_capital: round(o.direct_capital),
            direct_votes: round(o.direct_votes),
            joint_holding_ids: o.jointly.iter().map(|j| j.as_uuid()).collect(),
        })
        .collect();
    Ok(Json(BeneficialOwners { entity_id: entity.as_uuid(), as_of: at.date, threshold, threshold_source, items }))
}

/// The beneficial owners of an entity as Beneficial Ownership Data Standard
/// 0.4 statements: the entity, each owner, and each owner's interests
/// (shareholding and voting rights, direct or indirect, exact percentages).
/// The threshold applied and where it comes from are in the response
/// headers `beneficial-ownership-threshold` and
/// `beneficial-ownership-threshold-source` (`query` or `tenant_settings`).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/beneficial-owners/bods",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        BeneficialOwnersQuery,
    ),
    responses(
        (status = 200, description = "BODS 0.4 statements", body = Vec<Object>, headers(
            ("beneficial-ownership-threshold" = f64, description = "The threshold applied, in percent"),
            ("beneficial-ownership-threshold-source" = String, description = "`query` or `tenant_settings`"),
        )),
        ReadProblems
    ),
    security(("api_key" = []))
)]
pub(crate) async fn beneficial_bods(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<BeneficialOwnersQuery>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let entity = entity_id(&id)?;
    let asked = threshold(query.threshold.as_deref())?;
    let at = AsOfQuery { as_of: query.as_of, known_at: query.known_at }.parse()?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let state_of = tx.entity_as_of(entity, at).await?.ok_or(ApiError::NotFound(Missing::Entity))?;
    let (threshold, threshold_source) = applied_threshold(&mut tx, asked).await?;
    let group = Group::upstream(&mut tx, entity, at).await?;
    let graph = Graph::new(group.stakes);
    let joint = joint_members(&mut tx, &graph.stakes().map(|s| s.holder).collect::<Vec<_>>()).await?;
    let mut owners = Vec::new();
    for owner in beneficial_owners(&graph, entity, threshold / 100.0, &joint) {
        if let Some(p) = tx.person(owner.person).await? {
            owners.push(Owner {
                id: owner.person.as_uuid(),
                given_name: p.given_name,
                family_name: p.family_name,
                nationality: p.nationality,
                capital: owner.capital,
                votes: owner.votes,
                direct_capital: owner.direct_capital,
                direct_votes: owner.direct_votes,
                jointly: !owner.jointly.is_empty(),
            });
        }
    }
    tx.commit().await?;
    let fact = |key: &str| state_of.facts.get(key).and_then(Value::as_str).map(str::to_owned);
    let subject = Subject {
        id: entity.as_uuid(),
        name: fact("legal_name").unwrap_or_default(),
        jurisdiction: fact("jurisdiction"),
        lei: fact("lei"),
        registration_number: fact("registration_number"),
    };
    let mut response = Json(statements(&subject, &owners, at.date, chrono::Utc::now().date_naive())).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&threshold.to_string()) {
        headers.insert("beneficial-ownership-threshold", value);
    }
    headers.insert("beneficial-ownership-threshold-source", HeaderValue::from_static(threshold_source));
    Ok(response)
}

/// The threshold (percent) asked for, else the tenant's setting, with where
/// it comes from.
async fn applied_threshold(tx: &mut TenantTx, asked: Option<f64>) -> Result<(f64, &'static str), ApiError> {
    Ok(match asked {
        Some(threshold) => (threshold, "query"),
        None => (tx.settings().await?.beneficial_ownership_threshold.percent(), "tenant_settings"),
    })
}

/// The `threshold` parameter, if given.
fn threshold(raw: Option<&str>) -> Result<Option<f64>, ApiError> {
    match raw.map(str::parse::<f64>) {
        None => Ok(None),
        Some(Ok(t)) if t > 0.0 && t <= 100.0 => Ok(Some(t)),
        Some(_) => Err(ApiError::InvalidQuery(vec![FieldError::new(
            "threshold",
            "range",
            "must be a percentage above 0 and at most 100",
        )])),
    }
}
