//! Effective-dated facts against a model: any sequence of changes, each
//! valid from a date (until a date, or until the next change on record),
//! reads back as of every date — and as known at every earlier moment —
//! exactly as a few lines of in-memory bookkeeping predict. The fact is a
//! registration number, so searches (whose terms a trigger keeps beside the
//! versions) must agree with the model too.

use std::time::Duration;

use charter_domain::{access::TenantGrant, entity::Fact, ids::EntityId};
use charter_storage::data::{AsOf, EntityQuery, FactSetting, TxOptions};
use chrono::{DateTime, NaiveDate, Utc};
use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use serde_json::{Value, json};

use crate::{support::Deployment, tenant_tx::tenant};

/// Days after 2020-01-01 the changes and reads use.
const DAYS: u32 = 40;

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
}

/// One change: the number from a day, until a later day or the next change,
/// set to a value or removed; `together` runs it in the previous change's
/// transaction; `bulk` sets a value until the next change through
/// `set_facts` (an import's path) instead of `change_fact`.
#[derive(Debug, Clone)]
struct Change {
    from: u32,
    to: Option<u32>,
    value: Option<u8>,
    together: bool,
    bulk: bool,
}

fn change() -> impl Strategy<Value = Change> {
    (
        0..DAYS,
        prop::option::of(1..DAYS / 2),
        prop::option::weighted(0.85, 0..4u8),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(from, length, value, together, bulk)| {
            let to = if bulk { None } else { length.map(|l| from + l) };
            Change { from, to, value: if bulk { value.or(Some(0)) } else { value }, together, bulk }
        })
}

/// What the register should hold: versions `[start, end)` of one fact.
#[derive(Debug, Clone, PartialEq)]
struct Model(Vec<(u32, Option<u32>, u8)>);

impl Model {
    fn apply(&mut self, c: &Change) {
        let until = c.to.or_else(|| self.0.iter().map(|v| v.0).filter(|s| *s > c.from).min());
        let overlaps =
            |(s, e, _): &(u32, Option<u32>, u8)| e.is_none_or(|e| e > c.from) && until.is_none_or(|u| *s < u);
        let mut kept: Vec<_> = self.0.iter().filter(|v| !overlaps(v)).cloned().collect();
        for (s, e, v) in self.0.iter().filter(|v| overlaps(v)) {
            if *s < c.from {
                kept.push((*s, Some(c.from), *v));
            }
            if let Some(u) = until
                && e.is_none_or(|e| e > u)
            {
                kept.push((u, *e, *v));
            }
        }
        if let Some(v) = c.value {
            kept.push((c.from, until, v));
        }
        kept.sort();
        self.0 = kept;
    }

    fn on(&self, d: u32) -> Option<u8> {
        self.0.iter().find(|(s, e, _)| *s <= d && e.is_none_or(|e| d < e)).map(|v| v.2)
    }
}

/// The registration number a model value stands for ("HRB 7111" for 1).
fn number(v: u8) -> Value {
    json!(format!("HRB 7{0}{0}{0}", v))
}

/// A search that only that number's versions of the case's entity match
/// (its words joined, and the case's name: every case's entity holds the
/// same numbers, and a search answers a page of at most 100).
fn search_for(v: u8, case: &str) -> String {
    format!("hrb7{0}{0}{0} {case}", v)
}

async fn run_case(
    deployment: &Deployment,
    grant: &TenantGrant,
    database: charter_domain::ids::DatabaseId,
    changes: Vec<Change>,
) {
    let data = deployment.fleet.data();
    let entity = EntityId::generate();
    let case = format!("case{}", entity.as_uuid().simple());
    let mut model = Model(vec![(0, None, 0)]);
    let mut tx = data.begin(database, grant, TxOptions::maintenance()).await.unwrap();
    tx.create_entity(
        entity,
        &[(Fact::LegalName, json!(format!("Model {case} Ltd"))), (Fact::RegistrationNumber, number(0))],
        day(0),
        "system:test",
    )
    .await
    .unwrap();
    let mut snapshots: Vec<(DateTime<Utc>, Model)> = Vec::new();
    for c in &changes {
        if !c.together {
            tx.commit().await.unwrap();
            snapshots.push((Utc::now(), model.clone()));
            tokio::time::sleep(Duration::from_millis(1)).await;
            tx = data.begin(database, grant, TxOptions::maintenance()).await.unwrap();
        }
        let value = c.value.map(number);
        match (c.bulk, &value) {
            (true, Some(value)) => {
                let setting = FactSetting {
                    entity,
                    fact: Fact::RegistrationNumber,
                    value: Some(value.clone()),
                    from: day(c.from),
                    to: None,
                };
                tx.set_facts(&[setting], Some("model"), "system:test").await.unwrap();
            }
            _ => tx
                .change_fact(
                    entity,
                    &Fact::RegistrationNumber,
                    value.as_ref(),
                    day(c.from),
                    c.to.map(day),
                    Some("model"),
                    "system:test",
                )
                .await
                .unwrap(),
        }
        model.apply(c);
    }
    tx.commit().await.unwrap();
    snapshots.push((Utc::now(), model.clone()));

    let mut tx = data.begin(database, grant, TxOptions::snapshot()).await.unwrap();
    for (known_at, model) in &snapshots {
        for d in 0..DAYS + DAYS / 2 {
            let state = tx.entity_as_of(entity, AsOf::known_at(day(d), *known_at)).await.unwrap().unwrap();
            assert_eq!(
                state.facts.get("registration_number"),
                model.on(d).map(number).as_ref(),
                "day {d} as known at {known_at}, after {changes:?}; model {model:?}"
            );
        }
    }
    // Searches find the entity by the number it had on a day, as known then.
    for (known_at, model) in &snapshots {
        for d in (0..DAYS + DAYS / 2).step_by(3) {
            for v in 0..4 {
                let query = EntityQuery { text: Some(search_for(v, &case)), limit: 100, ..EntityQuery::default() };
                let found = tx.list_entities(AsOf::known_at(day(d), *known_at), &query).await.unwrap();
                assert_eq!(
                    found.iter().any(|(_, id)| *id == entity),
                    model.on(d) == Some(v),
                    "search {v} on day {d} as known at {known_at}, after {changes:?}; model {model:?}"
                );
            }
        }
    }
    // The latest record agrees with the last snapshot.
    for d in 0..DAYS + DAYS / 2 {
        let state = tx.entity_as_of(entity, AsOf::latest(day(d))).await.unwrap().unwrap();
        assert_eq!(
            state.facts.get("registration_number"),
            model.on(d).map(number).as_ref(),
            "day {d} as on record now"
        );
        for v in 0..4 {
            let query = EntityQuery { text: Some(search_for(v, &case)), limit: 100, ..EntityQuery::default() };
            let found = tx.list_entities(AsOf::latest(day(d)), &query).await.unwrap();
            assert_eq!(found.iter().any(|(_, id)| *id == entity), model.on(d) == Some(v), "search {v} on day {d} now");
        }
    }
    let history: Vec<(NaiveDate, Option<NaiveDate>, Value)> = tx
        .entity_history(entity, Some(Utc::now()))
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.fact == "registration_number")
        .map(|v| (v.valid_from.unwrap(), v.valid_to, v.value))
        .collect();
    let expected: Vec<_> = model.0.iter().map(|(s, e, v)| (day(*s), e.map(day), number(*v))).collect();
    assert_eq!(history, expected, "the timeline after {changes:?}");
    tx.commit().await.unwrap();
}

#[test]
fn effective_dated_changes_read_back_as_the_model_predicts() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let deployment = runtime.block_on(Deployment::start());
    let (tenant, database) = runtime.block_on(tenant(&deployment, "alpha"));
    let grant = TenantGrant::for_system(tenant, "test");
    // Each case is a few dozen round trips; PROPTEST_CASES=500 for a long run.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(32);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let outcome = runner.run(&prop::collection::vec(change(), 1..8), |changes| {
        runtime.block_on(run_case(&deployment, &grant, database, changes));
        Ok(())
    });
    runtime.block_on(deployment.destroy());
    outcome.unwrap();
}
