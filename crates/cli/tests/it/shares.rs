//! The share ledger: holdings summed by the database agree with the domain's
//! replay, for ledgers of random valid transactions, as of every date and as
//! known at earlier times (one of the holders a joint holding, some
//! transactions reversed later); a split sends an issuer to the replay.

use charter_domain::{
    access::TenantGrant,
    appointment::Holder,
    entity::Fact,
    ids::{EntityId, PersonId, ShareClassId, ShareTransactionId},
    joint::JointHolding,
    person::PersonInput,
    shares::{Decimal6, Ledger, ShareClassInput, Transaction, TransactionKind},
};
use charter_storage::data::TxOptions;
use chrono::{NaiveDate, Utc};
use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use serde_json::json;

use crate::{support::Deployment, tenant_tx::tenant};

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
}

/// A wish for a transaction; indices pick among the holders and classes.
#[derive(Debug, Clone)]
struct Wish {
    kind: u8,
    on: u32,
    from: usize,
    to: usize,
    shares: i64,
    class: usize,
}

fn wish() -> impl Strategy<Value = Wish> {
    (0..6u8, 0..60u32, 0..4usize, 0..4usize, 1..40i64, 0..2usize).prop_map(|(kind, on, from, to, shares, class)| Wish {
        kind,
        on,
        from,
        to,
        shares,
        class,
    })
}

#[test]
fn summed_holdings_agree_with_the_replayed_ledger() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let deployment = runtime.block_on(crate::support::Deployment::start());
    // Every case is an issuer of a tenant, and dml 0003 rebuilds the
    // positions of all of a tenant's issuers; it is older than reversals and
    // does not know them, so cases that may reverse have a tenant of their own.
    let [plain, reversing] = ["ledger", "ledger-reversals"].map(|slug| {
        let (tenant, database) = runtime.block_on(tenant(&deployment, slug));
        (tenant, database, TenantGrant::for_system(tenant, "test"))
    });
    let (_, database_url) = runtime.block_on(deployment.tenant_database("ledger"));
    let data = deployment.fleet.data();
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let cases = (prop::collection::vec(wish(), 1..40), any::<bool>(), any::<bool>());
    let outcome = runner.run(&cases, |(wishes, split, reverses)| {
        let (tenant, database, grant) = if reverses { &reversing } else { &plain };
        let (tenant, database) = (*tenant, *database);
        runtime.block_on(async {
            let mut tx = data.begin(database, grant, TxOptions::maintenance()).await.unwrap();
            let issuer = EntityId::generate();
            tx.create_entity(
                issuer,
                &[(Fact::LegalName, json!("Issuer Ltd")), (Fact::Jurisdiction, json!("GB"))],
                day(0),
                "t",
            )
            .await
            .unwrap();
            let mut holders: Vec<Holder> = Vec::new();
            for n in 0..3 {
                let id = PersonId::generate();
                let person = PersonInput {
                    given_name: "Holder".into(),
                    family_name: format!("H{n}"),
                    date_of_birth: None,
                    nationality: None,
                    email: None,
                };
                tx.create_person(id, &person).await.unwrap();
                holders.push(Holder::Person(id));
            }
            // The fourth holder: the first two persons jointly.
            let persons =
                holders.iter().take(2).filter_map(|h| if let Holder::Person(p) = h { Some(*p) } else { None });
            let joint = JointHolding::of(persons.collect()).unwrap();
            tx.record_joint_holdings(std::slice::from_ref(&joint), "t").await.unwrap();
            holders.push(Holder::Joint(joint.id));
            let mut classes = Vec::new();
            for (name, votes) in [("A", 1), ("B", 10)] {
                let class = ShareClassId::generate();
                let input = ShareClassInput {
                    name: name.into(),
                    currency: "EUR".into(),
                    nominal_value: Decimal6::ONE,
                    votes_per_share: Decimal6::from_millionths(votes * 1_000_000),
                    authorised: Some(500),
                    effective_from: day(0),
                };
                tx.create_share_class(class, issuer, &input, None, "t").await.unwrap();
                classes.push(class);
            }
            let authorised = tx.authorised_capital(issuer).await.unwrap();
            let mut ledger = Ledger::default();
            let mut snapshots = Vec::new();
            let kinds = [
                TransactionKind::Issuance,
                TransactionKind::Transfer,
                TransactionKind::Cancellation,
                TransactionKind::Conversion,
                TransactionKind::Issuance,
            ];
            // What is on record and may be reversed (once, and not a reversal).
            let mut reversible: Vec<Transaction> = Vec::new();
            for w in wishes {
                if w.kind == 5 && reverses {
                    if reversible.is_empty() {
                        continue;
                    }
                    let original = reversible[w.shares as usize % reversible.len()].clone();
                    let reversal = Transaction::reversal(&original, "recorded in error").unwrap();
                    let next = ledger.with(reversal.clone());
                    let recorded =
                        tx.record_share_reversal_checked(issuer, &reversal, &original, "t").await.unwrap();
                    assert_eq!(recorded.is_ok(), next.check(&authorised).is_ok());
                    if recorded.is_ok() {
                        ledger = next;
                        reversible.retain(|t| t.id != original.id);
                    }
                    tx.commit().await.unwrap();
                    snapshots.push((Utc::now(), ledger.clone()));
                    tx = data.begin(database, grant, TxOptions::maintenance()).await.unwrap();
                    continue;
                }
                // Without reversals, their wishes are issuances.
                let kind = kinds[usize::from(w.kind.min(4))];
                let t = Transaction {
                    id: ShareTransactionId::generate(),
                    kind,
                    class: classes[w.class],
                    effective_on: day(w.on),
                    from: (kind != TransactionKind::Issuance).then_some(holders[w.from]),
                    to: match kind {
                        TransactionKind::Cancellation => None,
                        TransactionKind::Conversion => Some(holders[w.from]),
                        _ => Some(holders[if w.to == w.from { (w.to + 1) % 4 } else { w.to }]),
                    },
                    shares: w.shares,
                    to_class: (kind == TransactionKind::Conversion).then_some(classes[1 - w.class]),
                    to_shares: (kind == TransactionKind::Conversion).then_some(w.shares * 2),
                    ratio: None,
                    reason: None,
                    reverses: None,
                };
                let next = ledger.with(t.clone());
                let recorded = tx.record_share_transaction_checked(issuer, &t, "t").await.unwrap();
                assert_eq!(recorded.is_ok(), next.check(&authorised).is_ok());
                if recorded.is_ok() {
                    ledger = next;
                    reversible.push(t);
                }
                // Each transaction on record at its own moment.
                tx.commit().await.unwrap();
                snapshots.push((Utc::now(), ledger.clone()));
                tx = data.begin(database, grant, TxOptions::maintenance()).await.unwrap();
            }
            if split {
                let mut t = Transaction {
                    id: ShareTransactionId::generate(),
                    kind: TransactionKind::Split,
                    class: classes[0],
                    effective_on: day(30),
                    from: None,
                    to: None,
                    shares: 0,
                    to_class: None,
                    to_shares: None,
                    ratio: Some((2, 1)),
                    reason: None,
                    reverses: None,
                };
                t.id = ShareTransactionId::generate();
                if tx.record_share_transaction_checked(issuer, &t, "t").await.unwrap().is_ok() {
                    ledger = ledger.with(t);
                }
            }
            tx.commit().await.unwrap();
            snapshots.push((Utc::now(), ledger.clone()));

            let mut tx = data.begin(database, grant, TxOptions::snapshot()).await.unwrap();
            // The positions, written transaction by transaction (back-dated
            // ones rewriting what follows them), are the replay of the ledger.
            for d in 0..70 {
                let at = tx.holdings_at(&[issuer], day(d)).await.unwrap();
                assert_eq!(at[&issuer], ledger.holdings(day(d)), "positions, day {d}");
            }
            // And so are those a bulk load rebuilds for the whole ledger.
            let mut bulk = data.begin(database, grant, TxOptions::maintenance()).await.unwrap();
            bulk.record_share_transactions(issuer, &[], "t").await.unwrap();
            for d in 0..70 {
                let at = bulk.holdings_at(&[issuer], day(d)).await.unwrap();
                assert_eq!(at[&issuer], ledger.holdings(day(d)), "rebuilt positions, day {d}");
            }
            bulk.rollback().await.unwrap();
            // So are the positions the data migration builds for ledgers
            // recorded before positions existed (dml 0003, the replay in SQL;
            // reversals came later, ddl 0018).
            if !reverses {
                let app = crate::support::connect_as_app(&database_url, &deployment.fleet).await;
                app.batch_execute(&format!(
                    "BEGIN;
                     SELECT set_config('charter.tenant_id', '{tenant}', true);
                     DELETE FROM charter.share_position p USING charter.share_holder h
                      WHERE h.issuer_id = '{issuer}' AND p.share_class_id = h.share_class_id AND p.holder_id = h.holder_id;
                     DELETE FROM charter.share_holder WHERE issuer_id = '{issuer}';
                     {};
                     COMMIT",
                    include_str!("../../../../migrations/dml/0003_share_positions.sql")
                ))
                .await
                .unwrap();
                let mut rebuilt = data.begin(database, grant, TxOptions::snapshot()).await.unwrap();
                for d in 0..70 {
                    let at = rebuilt.holdings_at(&[issuer], day(d)).await.unwrap();
                    // Ledgers recorded before ddl 0010 had no joint holders (ddl 0014).
                    let mut expected = ledger.holdings(day(d));
                    expected.retain(|(_, holder), _| !matches!(holder, Holder::Joint(_)));
                    assert_eq!(at[&issuer], expected, "positions from dml 0003, day {d}");
                }
                rebuilt.commit().await.unwrap();
            }
            for (known_at, ledger) in snapshots.iter().rev().take(4) {
                for d in (0..70).step_by(5) {
                    let expected = ledger.holdings(day(d));
                    let (summed, replay) = tx.summed_holdings(&[issuer], day(d), Some(*known_at)).await.unwrap();
                    if replay.is_empty() {
                        assert_eq!(
                            summed.get(&issuer).cloned().unwrap_or_default(),
                            expected,
                            "day {d} as known at {known_at}"
                        );
                    } else {
                        assert_eq!(replay, vec![issuer]);
                        let records = tx.share_ledgers(&[issuer]).await.unwrap();
                        let known: Vec<Transaction> =
                            records.into_iter().filter(|r| r.recorded_at <= *known_at).map(|r| r.transaction).collect();
                        assert_eq!(Ledger::new(known).holdings(day(d)), expected, "replayed, day {d}");
                    }
                }
            }
            tx.commit().await.unwrap();
        });
        Ok(())
    });
    runtime.block_on(deployment.destroy());
    outcome.unwrap();
}

/// A ledger recorded before classes had to have authorised capital on the
/// date of their first transaction (`Breach::BeforeAuthorised`) refuses
/// every new write to its issuer until dml 0004 dates the class's capital
/// back to that transaction; then it takes writes again, the version it
/// replaced stays on record, and running the migration again changes
/// nothing.
#[tokio::test]
async fn dml_0004_dates_a_class_back_to_its_first_transaction() {
    let deployment = Deployment::start().await;
    assert_eq!(deployment.onboard("legacy", "shared").await.0, 201);
    let key = deployment.tenant_key("legacy", "editor").await;
    let base = "/api/v1/tenants/legacy";
    let post = |path: String, body: serde_json::Value| {
        let (deployment, key) = (&deployment, key.clone());
        async move { deployment.send(reqwest::Method::POST, &path, &key, Some(body)).await }
    };
    let entity = deployment.create_entity("legacy", &key, "Legacy Holdings Ltd").await;
    let (status, class) = post(
        format!("{base}/entities/{entity}/share-classes"),
        serde_json::json!({ "name": "Ordinary", "currency": "GBP", "authorised_shares": 1000,
                            "effective_from": "2020-01-01" }),
    )
    .await;
    assert_eq!(status, 201, "{class}");
    let class = class["id"].as_str().expect("id").to_owned();
    let (status, person) =
        post(format!("{base}/persons"), serde_json::json!({ "given_name": "Pat", "family_name": "Smith" })).await;
    assert_eq!(status, 201, "{person}");
    let issue = |on: &str, shares: i64| {
        serde_json::json!({ "kind": "issuance", "share_class_id": class, "to_holder": { "person_id": person["id"] },
                            "shares": shares, "effective_from": on })
    };
    assert_eq!(post(format!("{base}/share-transactions"), issue("2021-06-01", 100)).await.0, 201);
    // As a release before the rule could leave it: the class's capital
    // recorded from a day after its first issuance.
    let (tenant, database_url) = deployment.tenant_database("legacy").await;
    let admin = crate::support::connect_as_admin(&database_url).await;
    admin
        .execute(
            "UPDATE charter.share_class_authorised SET valid = daterange('2023-01-01', NULL) WHERE share_class_id = $1",
            &[&uuid::Uuid::parse_str(&class).expect("uuid")],
        )
        .await
        .expect("legacy state");
    let (status, refused) = post(format!("{base}/share-transactions"), issue("2024-01-01", 10)).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["rule"], "before_authorised_capital", "{refused}");
    assert!(refused["errors"][0]["message"].as_str().is_some_and(|m| m.contains("2021-06-01")), "{refused}");

    let app = crate::support::connect_as_app(&database_url, &deployment.fleet).await;
    let migrate = format!(
        "BEGIN; SELECT set_config('charter.tenant_id', '{tenant}', true); {}; COMMIT",
        include_str!("../../../../migrations/dml/0004_authorised_from_first_transaction.sql")
    );
    app.batch_execute(&migrate).await.expect("dml 0004");
    let classes = format!("{base}/entities/{entity}/share-classes");
    let dated_back = serde_json::json!([{ "valid_from": "2021-06-01", "valid_to": null, "authorised_shares": 1000 }]);
    assert_eq!(authorised_history(&deployment, &key, &classes).await, dated_back);
    assert_eq!(post(format!("{base}/share-transactions"), issue("2024-01-01", 10)).await.0, 201);
    app.batch_execute(&migrate).await.expect("dml 0004 again");
    assert_eq!(authorised_history(&deployment, &key, &classes).await, dated_back, "a second run changes nothing");
    let versions: i64 = admin
        .query_one("SELECT count(*) FROM charter.share_class_authorised WHERE tenant_id = $1", &[&tenant])
        .await
        .expect("count")
        .get(0);
    assert_eq!(versions, 2, "the version replaced stays on record");
    deployment.destroy().await;
}

/// The first class's `authorised_history` as the API lists the classes at `path`.
async fn authorised_history(deployment: &Deployment, key: &str, path: &str) -> serde_json::Value {
    deployment.send(reqwest::Method::GET, path, key, None).await.1[0]["authorised_history"].clone()
}
