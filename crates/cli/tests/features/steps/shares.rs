//! Feature: Share ledger and registers.

use std::collections::HashMap;

use cucumber::{given, then, when};
use reqwest::Method;
use serde_json::{Value, json};

use super::CharterWorld;

#[derive(Default)]
pub struct State {
    /// Class name → id.
    classes: HashMap<String, String>,
    /// Person name → id.
    persons: HashMap<String, String>,
    /// The entity whose shares the scenario is about.
    issuer: Option<String>,
    /// The ledger's size before a refused request.
    ledger_before: Option<usize>,
    /// "Ann Lee|Bo Lee" → the joint holding's id.
    joint: HashMap<String, String>,
    /// A moment just before the latest reversal was requested (RFC 3339).
    before_reversal: Option<String>,
    /// A moment just before the latest change of authorised capital (RFC 3339).
    before_change: Option<String>,
}

/// `"Pat Smith" 600 (60 %)` → (name, shares, percent).
fn holding(raw: &str) -> (String, i64, f64) {
    let (name, rest) = raw.trim().trim_start_matches('"').split_once('"').expect("a quoted name");
    let (shares, percent) = rest.trim().split_once(" (").expect("shares (percent %)");
    let percent = percent.trim_end_matches(')').trim_end_matches('%').trim();
    (name.to_owned(), count(shares), percent.parse().expect("a percentage"))
}

/// `1,000` → 1000.
fn count(raw: &str) -> i64 {
    raw.replace(',', "").parse().expect("a whole number")
}

impl CharterWorld {
    /// The person named so, created on first use.
    async fn shareholder(&mut self, name: &str) -> Value {
        if let Some(id) = self.shares.persons.get(name) {
            return json!({ "person_id": id });
        }
        let (given, family) = name.split_once(' ').expect("a given and a family name");
        let (status, created) = self
            .in_register(Method::POST, "/persons", Some(json!({ "given_name": given, "family_name": family })))
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        self.shares.persons.insert(name.to_owned(), id.clone());
        json!({ "person_id": id })
    }

    fn only_class(&self) -> String {
        self.shares.classes.values().next().cloned().expect("a class of shares")
    }

    /// Records a transaction of the scenario's only class; keeps the response.
    async fn share_transaction(&mut self, mut body: Value) -> (u16, Value) {
        body["share_class_id"] = json!(self.only_class());
        let response = self.in_register(Method::POST, "/share-transactions", Some(body)).await;
        self.responses.push(response.clone());
        response
    }

    async fn issue(&mut self, shares: i64, to: &str, on: &str) {
        let holder = self.shareholder(to).await;
        let (status, body) = self
            .share_transaction(
                json!({ "kind": "issuance", "to_holder": holder, "shares": shares, "effective_from": on }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    async fn transfer(&mut self, shares: i64, from: &str, to: &str, on: &str) -> (u16, Value) {
        let (from, to) = (self.shareholder(from).await, self.shareholder(to).await);
        self.share_transaction(json!({
            "kind": "transfer", "from_holder": from, "to_holder": to, "shares": shares, "effective_from": on,
        }))
        .await
    }

    async fn ledger_size(&mut self) -> usize {
        let issuer = self.shares.issuer.clone().expect("an issuer");
        let (status, ledger) =
            self.in_register(Method::GET, &format!("/entities/{issuer}/share-transactions"), None).await;
        assert_eq!(status, 200, "{ledger}");
        ledger.as_array().expect("transactions").len()
    }
}

#[given(regex = r#"^entity "([^"]+)" with class "([^"]+)" of ([\d,]+) authorised shares$"#)]
async fn entity_with_class(world: &mut CharterWorld, entity: String, class: String, authorised: String) {
    let id = world.entity_named(&entity).await;
    let (status, created) = world
        .in_register(
            Method::POST,
            &format!("/entities/{id}/share-classes"),
            Some(json!({
                "name": class, "currency": "GBP", "nominal_value": "1.00", "votes_per_share": 1,
                "authorised_shares": count(&authorised), "effective_from": "2020-01-01",
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["authorised_shares"], count(&authorised), "{created}");
    world.shares.classes.insert(class, created["id"].as_str().expect("id").to_owned());
    world.shares.issuer = Some(id);
}

#[given(
    regex = r#"^([\d,]+) shares issued to "([^"]+)" on (\d{4}-\d{2}-\d{2}) and ([\d,]+) to "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#
)]
async fn two_issuances(
    world: &mut CharterWorld,
    a: String,
    first: String,
    on: String,
    b: String,
    second: String,
    later: String,
) {
    world.issue(count(&a), &first, &on).await;
    world.issue(count(&b), &second, &later).await;
}

#[given(regex = r#"^([\d,]+) transferred from "([^"]+)" to "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#)]
async fn transferred(world: &mut CharterWorld, shares: String, from: String, to: String, on: String) {
    let (status, body) = world.transfer(count(&shares), &from, &to, &on).await;
    assert_eq!(status, 201, "{body}");
}

#[given(
    regex = r#"^([\d,]+) shares issued to "([^"]+)" on (\d{4}-\d{2}-\d{2}) and ([\d,]+) of them transferred to "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#
)]
async fn issued_then_transferred(
    world: &mut CharterWorld,
    issued: String,
    holder: String,
    on: String,
    moved: String,
    to: String,
    later: String,
) {
    world.issue(count(&issued), &holder, &on).await;
    let (status, body) = world.transfer(count(&moved), &holder, &to, &later).await;
    assert_eq!(status, 201, "{body}");
}

#[then(regex = r#"^the register as of (\d{4}-\d{2}-\d{2})( as known before the reversal)? shows (.+)$"#)]
async fn register_shows(world: &mut CharterWorld, date: String, before_reversal: String, expected: String) {
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let mut path = format!("/entities/{issuer}/register?as_of={date}");
    if !before_reversal.is_empty() {
        let known_at = world.shares.before_reversal.clone().expect("a reversal was requested");
        path.push_str(&format!("&known_at={}", known_at.replace('+', "%2B")));
    }
    let (status, register) = world.in_register(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{register}");
    let expected: Vec<(String, i64, f64)> = expected.split(" and ").map(holding).collect();
    assert!(!expected.is_empty(), "no holdings in the step");
    let items = register["items"].as_array().expect("items");
    assert_eq!(items.len(), expected.len(), "{register}");
    for (name, shares, percent) in expected {
        let id = world.shares.persons.get(&name).cloned().expect("a known holder");
        let item = items
            .iter()
            .find(|i| i["holder"]["person_id"] == id.as_str())
            .unwrap_or_else(|| panic!("{name} is not on the register: {register}"));
        assert_eq!(item["holder_name"], name.as_str(), "{item}");
        assert_eq!(item["shares"], shares, "{item}");
        for field in ["capital_pct", "votes_pct"] {
            let actual = item[field].as_f64().expect("a percentage");
            assert!((actual - percent).abs() < 1e-9, "{field} of {name}: {actual} (expected {percent}) in {register}");
        }
    }
}

#[when(regex = r#"^I record a transfer of ([\d,]+) shares from "([^"]+)" to "([^"]+)" dated (\d{4}-\d{2}-\d{2})$"#)]
async fn record_transfer(world: &mut CharterWorld, shares: String, from: String, to: String, on: String) {
    let before = world.ledger_size().await;
    world.transfer(count(&shares), &from, &to, &on).await;
    let response = world.responses.last().cloned().expect("a response");
    assert_eq!(world.ledger_size().await, before + usize::from(response.0 == 201), "the ledger's size");
}

#[then(regex = r"^the response status is (\d+) naming (\d{4}-\d{2}-\d{2})$")]
async fn refused_naming_date(world: &mut CharterWorld, status: u16, date: String) {
    let (actual, body) = world.responses.last().cloned().expect("a response");
    assert_eq!(actual, status, "{body}");
    assert_eq!(body["code"], "validation_failed", "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["message"].as_str().is_some_and(|m| m.contains(&date)) && e["rule"].is_string()),
        "no error names {date}: {body}"
    );
}

#[when(regex = r#"^I issue ([\d,]+) shares of "([^"]+)"$"#)]
async fn issue_shares(world: &mut CharterWorld, shares: String, class: String) {
    assert!(world.shares.classes.contains_key(&class), "class {class}");
    let before = world.ledger_size().await;
    let holder = world.shareholder("Pat Smith").await;
    world.share_transaction(json!({ "kind": "issuance", "to_holder": holder, "shares": count(&shares) })).await;
    let created = world.responses.last().is_some_and(|r| r.0 == 201);
    assert_eq!(world.ledger_size().await, before + usize::from(created), "the ledger's size");
}

// ---- Feature: Group structure and effective ownership ----

impl CharterWorld {
    /// A holder named in a step: a name with a space is a person ("Pat
    /// Smith"), one without is an entity ("A").
    async fn named_holder(&mut self, name: &str) -> Value {
        if name.contains(' ') {
            self.shareholder(name).await
        } else {
            json!({ "entity_id": self.entity_named(name).await })
        }
    }

    /// The class of shares of `entity` the ownership steps issue from (100 shares, 1 vote each).
    async fn class_of(&mut self, entity: &str) -> String {
        let key = format!("{entity}/Ordinary");
        if let Some(id) = self.shares.classes.get(&key) {
            return id.clone();
        }
        let id = self.entity_named(entity).await;
        let (status, created) = self
            .in_register(
                Method::POST,
                &format!("/entities/{id}/share-classes"),
                Some(json!({
                    "name": "Ordinary", "currency": "EUR", "nominal_value": "1", "authorised_shares": 100,
                    "effective_from": "2020-01-01",
                })),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let class = created["id"].as_str().expect("id").to_owned();
        self.shares.classes.insert(key, class.clone());
        class
    }
}

/// `"Pat Smith" holds 60 % of "A", "A" holds 80 % of "B", and …` → (holder, percent, issuer).
fn stakes(text: &str) -> Vec<(String, i64, String)> {
    let parts: Vec<&str> = text.split('"').collect();
    // Names sit at odd positions; the text between two names says how one holds the other.
    let mut found = Vec::new();
    for i in (1..parts.len().saturating_sub(2)).step_by(2) {
        let between = parts[i + 1].trim();
        if let Some(percent) = between.strip_prefix("holds ").and_then(|r| r.strip_suffix(" % of")) {
            found.push((
                parts[i].to_owned(),
                percent.trim().parse().expect("a whole percentage"),
                parts[i + 2].to_owned(),
            ));
        }
    }
    found
}

#[given(regex = r#"^(".+" holds \d+ % of ".+)$"#)]
async fn holdings_in_percent(world: &mut CharterWorld, text: String) {
    let stakes = stakes(&text);
    assert!(!stakes.is_empty(), "no stakes in {text}");
    let mut issued: HashMap<String, i64> = HashMap::new();
    for (holder, percent, issuer) in &stakes {
        let class = world.class_of(issuer).await;
        let holder = world.named_holder(holder).await;
        let (status, body) = world
            .in_register(
                Method::POST,
                "/share-transactions",
                Some(json!({
                    "kind": "issuance", "share_class_id": class, "to_holder": holder, "shares": percent,
                    "effective_from": "2021-01-01",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        *issued.entry(issuer.clone()).or_default() += percent;
    }
    // The rest of each issuer's 100 shares is held by a free float (an
    // entity nobody holds), so the stakes are the percentages.
    for (issuer, total) in issued.into_iter().filter(|(_, total)| *total < 100) {
        let class = world.class_of(&issuer).await;
        let float = world.named_holder(&format!("FreeFloat{issuer}")).await;
        let (status, body) = world
            .in_register(
                Method::POST,
                "/share-transactions",
                Some(json!({
                    "kind": "issuance", "share_class_id": class, "to_holder": float, "shares": 100 - total,
                    "effective_from": "2021-01-01",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

#[then(regex = r#"^the effective ownership of "([^"]+)" in "([^"]+)" is ([\d.]+) %$"#)]
async fn effective_is(world: &mut CharterWorld, holder: String, entity: String, percent: f64) {
    let holder = world.named_holder(&holder).await;
    let id = world.entity_named(&entity).await;
    for basis in ["capital", "votes"] {
        let (status, body) =
            world.in_register(Method::GET, &format!("/entities/{id}/effective-ownership?basis={basis}"), None).await;
        assert_eq!(status, 200, "{body}");
        let item = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["holder"] == holder)
            .unwrap_or_else(|| panic!("{holder} is not an owner: {body}"));
        let effective = item["effective"].as_f64().expect("a fraction") * 100.0;
        assert!((effective - percent).abs() < 1e-6, "{basis}: {effective} % (expected {percent} %): {body}");
    }
}

#[then(regex = r#"^(.+) (is a|are the) beneficial owners? of "([^"]+)" at the (\d+) % threshold$"#)]
async fn beneficial_owners_are(world: &mut CharterWorld, persons: String, all: String, entity: String, threshold: u32) {
    let id = world.entity_named(&entity).await;
    let (status, body) =
        world.in_register(Method::GET, &format!("/entities/{id}/beneficial-owners?threshold={threshold}"), None).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = persons.split('"').skip(1).step_by(2).collect();
    let mut expected = Vec::new();
    for name in &names {
        expected.push(world.shareholder(name).await["person_id"].clone());
    }
    let mut found: Vec<Value> =
        body["items"].as_array().expect("items").iter().map(|o| o["person_id"].clone()).collect();
    if all == "are the" {
        found.sort_by_key(|v| v.to_string());
        expected.sort_by_key(|v| v.to_string());
        assert_eq!(found, expected, "beneficial owners of {entity}: {body}");
    } else {
        assert!(expected.iter().all(|p| found.contains(p)), "beneficial owners of {entity}: {body}");
    }
}

#[then(
    regex = r#"^the BODS statements of "([^"]+)" state "([^"]+)"'s shareholding as ([\d.]+) % direct and ([\d.]+) % indirect$"#
)]
async fn bods_direct_and_indirect(
    world: &mut CharterWorld,
    entity: String,
    person: String,
    direct: f64,
    indirect: f64,
) {
    let id = world.entity_named(&entity).await;
    let person_id = world.shareholder(&person).await["person_id"].clone();
    let (status, owners) = world.in_register(Method::GET, &format!("/entities/{id}/beneficial-owners"), None).await;
    assert_eq!(status, 200, "{owners}");
    let owner = owners["items"].as_array().expect("items").iter().find(|o| o["person_id"] == person_id).cloned();
    let owner = owner.unwrap_or_else(|| panic!("{person} among {owners}"));
    assert!((owner["direct_capital"].as_f64().expect("a fraction") * 100.0 - direct).abs() < 1e-6, "{owner}");
    let (status, statements) =
        world.in_register(Method::GET, &format!("/entities/{id}/beneficial-owners/bods"), None).await;
    assert_eq!(status, 200, "{statements}");
    let statements = statements.as_array().expect("statements");
    let record = format!("charter-person-{}", person_id.as_str().expect("id"));
    let relationship = statements
        .iter()
        .find(|s| s["recordType"] == "relationship" && s["recordDetails"]["interestedParty"] == record.as_str())
        .unwrap_or_else(|| panic!("no relationship of {person}: {statements:?}"));
    let shares: Vec<(&str, f64)> = relationship["recordDetails"]["interests"]
        .as_array()
        .expect("interests")
        .iter()
        .filter(|i| i["type"] == "shareholding")
        .map(|i| (i["directOrIndirect"].as_str().expect("reach"), i["share"]["exact"].as_f64().expect("exact")))
        .collect();
    assert_eq!(shares.len(), 2, "{relationship}");
    assert_eq!(shares[0].0, "direct", "{relationship}");
    assert!((shares[0].1 - direct).abs() < 1e-6, "{relationship}");
    assert_eq!(shares[1].0, "indirect", "{relationship}");
    assert!((shares[1].1 - indirect).abs() < 1e-6, "{relationship}");
}

#[when(regex = r#"^I request the structure chart of "([^"]+)" (\d+) levels up and down$"#)]
async fn request_structure(world: &mut CharterWorld, entity: String, levels: u32) {
    let id = world.entity_named(&entity).await;
    let response =
        world.in_register(Method::GET, &format!("/entities/{id}/structure?up={levels}&down={levels}"), None).await;
    world.responses.push(response);
}

#[then("each entity appears once and both links are shown")]
async fn each_once_both_links(world: &mut CharterWorld) {
    let (status, chart) = world.responses.last().cloned().expect("a chart");
    assert_eq!(status, 200, "{chart}");
    let nodes = chart["nodes"].as_array().expect("nodes");
    let mut ids: Vec<&str> = nodes.iter().filter_map(|n| n["id"].as_str()).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "a node appears twice: {chart}");
    let (a, b) = (world.entity_named("A").await, world.entity_named("B").await);
    for entity in [&a, &b] {
        assert!(ids.contains(&entity.as_str()), "{entity} is missing: {chart}");
    }
    let link = |from: &str, to: &str| {
        chart["links"].as_array().expect("links").iter().find(|l| l["from"] == from && l["to"] == to).cloned()
    };
    let a_in_b = link(&a, &b).unwrap_or_else(|| panic!("A → B missing: {chart}"));
    let b_in_a = link(&b, &a).unwrap_or_else(|| panic!("B → A missing: {chart}"));
    assert_eq!(a_in_b["capital_pct"], 60.0, "{chart}");
    assert_eq!(b_in_a["capital_pct"], 20.0, "{chart}");
}

// ---- Exports ----

#[then(regex = r#"^the register as of (\d{4}-\d{2}-\d{2}) exported as CSV lists (.+)$"#)]
async fn register_csv_lists(world: &mut CharterWorld, date: String, expected: String) {
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let key = world.key_of("acme");
    let url =
        world.deployment().await.url(&format!("/api/v1/tenants/acme/entities/{issuer}/register.csv?as_of={date}"));
    let response = reqwest::Client::new().get(url).bearer_auth(key).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"].to_str().is_ok_and(|t| t.starts_with("text/csv")),
        "{:?}",
        response.headers()
    );
    let csv = response.text().await.expect("text");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("holder_type,holder_id,holder_name,share_class,shares,capital_pct,votes_pct"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let expected: Vec<(String, i64, f64)> = expected.split(" and ").map(holding).collect();
    assert_eq!(rows.len(), expected.len(), "{csv}");
    for (name, shares, percent) in expected {
        let row = rows.iter().find(|r| r[2] == name).unwrap_or_else(|| panic!("{name} missing: {csv}"));
        assert_eq!(row[0], "person");
        assert_eq!(row[3], "Ordinary");
        assert_eq!(row[4].parse::<i64>().expect("shares"), shares, "{csv}");
        assert!((row[5].parse::<f64>().expect("percent") - percent).abs() < 1e-9, "{csv}");
    }
}

#[then(regex = r#"^the BODS statements of the beneficial owners as of (\d{4}-\d{2}-\d{2}) name (.+)$"#)]
async fn bods_statements(world: &mut CharterWorld, date: String, expected: String) {
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let (status, statements) =
        world.in_register(Method::GET, &format!("/entities/{issuer}/beneficial-owners/bods?as_of={date}"), None).await;
    assert_eq!(status, 200, "{statements}");
    let statements = statements.as_array().expect("statements");
    assert_eq!(statements[0]["recordType"], "entity", "{statements:?}");
    assert_eq!(statements[0]["recordDetails"]["name"], "HoldCo");
    assert!(statements.iter().all(|s| s["publicationDetails"]["bodsVersion"] == "0.4"));
    for owner in expected.split(" and ") {
        let (name, percent) = owner.trim().trim_start_matches('"').split_once("\" with ").expect("\"Name\" with N %");
        let percent: f64 = percent.trim_end_matches('%').trim().parse().expect("percent");
        let person = statements
            .iter()
            .find(|s| s["recordType"] == "person" && s["recordDetails"]["names"][0]["fullName"] == name)
            .unwrap_or_else(|| panic!("no person statement for {name}: {statements:?}"));
        let relationship = statements
            .iter()
            .find(|s| s["recordType"] == "relationship" && s["recordDetails"]["interestedParty"] == person["recordId"])
            .unwrap_or_else(|| panic!("no relationship for {name}"));
        let interests = relationship["recordDetails"]["interests"].as_array().expect("interests");
        let share = interests.iter().find(|i| i["type"] == "shareholding").expect("a shareholding");
        assert_eq!(share["directOrIndirect"], "direct");
        assert!((share["share"]["exact"].as_f64().expect("exact") - percent).abs() < 1e-9, "{relationship}");
    }
}

// ---- Bad input ----

#[when(regex = r"^I record a share transaction with (.+)$")]
async fn record_faulty(world: &mut CharterWorld, fault: String) {
    let class = world.only_class();
    let holder = world.shareholder("Pat Smith").await;
    let mut body = json!({
        "kind": "issuance", "share_class_id": class, "to_holder": holder, "shares": 10, "effective_from": "2022-01-01",
    });
    match fault.as_str() {
        "an unknown class" => body["share_class_id"] = json!("01a22700-0000-7000-8000-000000000001"),
        "an unknown holder" => body["to_holder"] = json!({ "person_id": "01a22700-0000-7000-8000-000000000002" }),
        "a holder of another tenant" => {
            world.onboard("globex", "shared").await;
            let key = world.key_of("globex");
            let deployment = world.deployment().await;
            let (status, person) = deployment
                .send(
                    Method::POST,
                    "/api/v1/tenants/globex/persons",
                    &key,
                    Some(json!({ "given_name": "Other", "family_name": "Tenant" })),
                )
                .await;
            assert_eq!(status, 201, "{person}");
            body["to_holder"] = json!({ "person_id": person["id"] });
        }
        "zero shares" => body["shares"] = json!(0),
        "a negative share count" => body["shares"] = json!(-5),
        "a transfer without a holder to take from" => body["kind"] = json!("transfer"),
        "an unknown kind" => body["kind"] = json!("gift"),
        "a conversion into the same class" => {
            body = json!({
                "kind": "conversion", "share_class_id": class, "to_share_class_id": class, "from_holder": holder,
                "shares": 10,
            });
        }
        "more shares than authorised" => body["shares"] = json!(1001),
        // The class's capital starts on 2020-01-01; 2002 is a slip for 2022.
        "a date before the class's authorised capital" => body["effective_from"] = json!("2002-01-01"),
        "joint holders that include an entity" => {
            let issuer = world.shares.issuer.clone().expect("an issuer");
            body["to_holder"] = json!({ "joint_holders": [holder, { "entity_id": issuer }] });
        }
        "a single joint holder" => body["to_holder"] = json!({ "joint_holders": [holder] }),
        "the same joint holder twice" => body["to_holder"] = json!({ "joint_holders": [holder, holder] }),
        "an unknown joint holder" => {
            body["to_holder"] =
                json!({ "joint_holders": [holder, { "person_id": "01a22700-0000-7000-8000-000000000003" }] });
        }
        "an unknown joint holding" => {
            body["to_holder"] = json!({ "joint_holding_id": "01a22700-0000-7000-8000-000000000004" });
        }
        other => panic!("unknown fault {other}"),
    }
    let before = world.ledger_size().await;
    let response = world.in_register(Method::POST, "/share-transactions", Some(body)).await;
    world.responses.push(response);
    world.shares.ledger_before = Some(before);
}

#[then(regex = r#"^the response status is 422 naming "([^"]+)" with rule "([^"]+)" and the ledger is unchanged$"#)]
async fn refused_with_rule(world: &mut CharterWorld, field: String, rule: String) {
    let (status, body) = world.responses.last().cloned().expect("a response");
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert!(errors.iter().any(|e| e["field"] == field.as_str() && e["rule"] == rule.as_str()), "{body}");
    let before = world.shares.ledger_before.expect("the ledger's size before");
    assert_eq!(world.ledger_size().await, before, "the ledger changed");
}

// ---- Feature: Joint holdings ----

impl CharterWorld {
    /// `{"joint_holders": [{"person_id": …}, …]}` of the persons named, in order.
    async fn joint_holders(&mut self, names: &[&str]) -> Value {
        let mut members = Vec::new();
        for name in names {
            members.push(self.shareholder(name).await);
        }
        json!({ "joint_holders": members })
    }

    /// The register as of `date`, by the API.
    async fn register_as_of(&mut self, date: &str) -> Value {
        let issuer = self.shares.issuer.clone().expect("an issuer");
        let (status, register) =
            self.in_register(Method::GET, &format!("/entities/{issuer}/register?as_of={date}"), None).await;
        assert_eq!(status, 200, "{register}");
        register
    }

    async fn beneficial_owners_of(&mut self, entity: &str, threshold: u32) -> Value {
        let id = self.entity_named(entity).await;
        let (status, body) = self
            .in_register(Method::GET, &format!("/entities/{id}/beneficial-owners?threshold={threshold}"), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

#[given(regex = r#"^([\d,]+) shares issued to "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#)]
async fn one_issuance(world: &mut CharterWorld, shares: String, to: String, on: String) {
    world.issue(count(&shares), &to, &on).await;
}

#[given(regex = r#"^([\d,]+) shares are issued jointly to "([^"]+)" and "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#)]
#[when(regex = r#"^([\d,]+) shares are issued jointly to "([^"]+)" and "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#)]
async fn issued_jointly(world: &mut CharterWorld, shares: String, first: String, second: String, on: String) {
    let holders = world.joint_holders(&[&first, &second]).await;
    let (status, body) = world
        .share_transaction(json!({
            "kind": "issuance", "to_holder": holders, "shares": count(&shares), "effective_from": on,
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["to_holder"]["joint_holding_id"].as_str().expect("the joint holding's id").to_owned();
    world.shares.joint.insert(format!("{first}|{second}"), id);
}

#[then(
    regex = r#"^the register as of (\d{4}-\d{2}-\d{2}) lists the joint holding of "([^"]+)" and "([^"]+)" with ([\d,]+) shares \(([\d.]+) %\)$"#
)]
async fn register_shows_joint(
    world: &mut CharterWorld,
    date: String,
    first: String,
    second: String,
    shares: String,
    percent: f64,
) {
    let register = world.register_as_of(&date).await;
    let id = world.shares.joint.get(&format!("{first}|{second}")).cloned().expect("a joint holding of the scenario");
    let line = register["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["holder"]["joint_holding_id"] == id.as_str())
        .unwrap_or_else(|| panic!("the joint holding of {first} and {second} is not on the register: {register}"))
        .clone();
    let persons = [world.shareholder(&first).await, world.shareholder(&second).await];
    assert_eq!(line["holder"]["joint_holders"], json!(persons), "first-named first: {line}");
    assert_eq!(line["holder_name"], format!("{first} and {second}"), "{line}");
    assert_eq!(line["shares"], count(&shares), "{line}");
    assert!((line["capital_pct"].as_f64().expect("a percentage") - percent).abs() < 1e-9, "{line}");
}

#[then(regex = r#"^the register exported as CSV lists the joint holding "([^"]+)" with ([\d,]+) shares$"#)]
async fn csv_lists_joint(world: &mut CharterWorld, name: String, shares: String) {
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let key = world.key_of("acme");
    let url = world.deployment().await.url(&format!("/api/v1/tenants/acme/entities/{issuer}/register.csv"));
    let response = reqwest::Client::new().get(url).bearer_auth(key).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let csv = response.text().await.expect("text");
    let row: Vec<&str> = csv
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[2] == name)
        .unwrap_or_else(|| panic!("{name} missing: {csv}"));
    assert_eq!(row[0], "joint_holding", "{csv}");
    let (first, second) = name.split_once(" and ").expect("two names");
    assert_eq!(Some(row[1]), world.shares.joint.get(&format!("{first}|{second}")).map(String::as_str), "{csv}");
    assert_eq!(row[4].parse::<i64>().expect("shares"), count(&shares), "{csv}");
}

#[then(regex = r#"^"([^"]+)" and "([^"]+)" each own (\d+) % of "([^"]+)" jointly$"#)]
async fn each_owns_jointly(world: &mut CharterWorld, first: String, second: String, percent: f64, entity: String) {
    let body = world.beneficial_owners_of(&entity, 25).await;
    let joint = world.shares.joint.get(&format!("{first}|{second}")).cloned().expect("a joint holding");
    for name in [first, second] {
        let person = world.shareholder(&name).await["person_id"].clone();
        let owner = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|o| o["person_id"] == person)
            .unwrap_or_else(|| panic!("{name} is not a beneficial owner: {body}"));
        assert!((owner["capital"].as_f64().expect("a fraction") * 100.0 - percent).abs() < 1e-6, "{owner}");
        assert_eq!(owner["direct"], true, "{owner}");
        assert_eq!(owner["joint_holding_ids"], json!([joint]), "{owner}");
    }
}

#[then(regex = r#"^the BODS statements say the interests of "([^"]+)" and "([^"]+)" are held jointly$"#)]
async fn bods_jointly(world: &mut CharterWorld, first: String, second: String) {
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let (status, statements) =
        world.in_register(Method::GET, &format!("/entities/{issuer}/beneficial-owners/bods"), None).await;
    assert_eq!(status, 200, "{statements}");
    let statements = statements.as_array().expect("statements");
    let interests_of = |name: &str| {
        let person = statements
            .iter()
            .find(|s| s["recordType"] == "person" && s["recordDetails"]["names"][0]["fullName"] == name)
            .unwrap_or_else(|| panic!("no person statement for {name}: {statements:?}"));
        statements
            .iter()
            .find(|s| s["recordType"] == "relationship" && s["recordDetails"]["interestedParty"] == person["recordId"])
            .map(|r| r["recordDetails"]["interests"].clone())
            .unwrap_or_else(|| panic!("no relationship for {name}"))
    };
    for name in [first.as_str(), second.as_str()] {
        let interests = interests_of(name);
        let share = interests.as_array().expect("interests").iter().find(|i| i["type"] == "shareholding").cloned();
        let share = share.expect("a shareholding");
        assert!(share["details"].as_str().is_some_and(|d| d.contains("jointly")), "{share}");
        assert!((share["share"]["exact"].as_f64().expect("exact") - 30.0).abs() < 1e-9, "{share}");
    }
    let alone = interests_of("Kim Park");
    assert!(alone[0].get("details").is_none(), "Kim Park holds alone: {alone}");
}

#[when(
    regex = r#"^the joint holding of "([^"]+)" and "([^"]+)" transfers ([\d,]+) shares to "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#
)]
async fn joint_transfers(
    world: &mut CharterWorld,
    first: String,
    second: String,
    shares: String,
    to: String,
    on: String,
) {
    let joint = world.shares.joint.get(&format!("{first}|{second}")).cloned().expect("a joint holding");
    let to = world.shareholder(&to).await;
    let (status, body) = world
        .share_transaction(json!({
            "kind": "transfer", "from_holder": { "joint_holding_id": joint }, "to_holder": to,
            "shares": count(&shares), "effective_from": on,
        }))
        .await;
    assert_eq!(status, 201, "{body}");
}

#[then(regex = r#"^"([^"]+)" is not a beneficial owner of "([^"]+)" at the (\d+) % threshold$"#)]
async fn not_beneficial_owner(world: &mut CharterWorld, name: String, entity: String, threshold: u32) {
    let body = world.beneficial_owners_of(&entity, threshold).await;
    let person = world.shareholder(&name).await["person_id"].clone();
    assert!(body["items"].as_array().expect("items").iter().all(|o| o["person_id"] != person), "{body}");
}

// ---- Reversals ----

impl CharterWorld {
    /// The issuer's ledger as the API lists it.
    async fn ledger(&mut self) -> Vec<Value> {
        let issuer = self.shares.issuer.clone().expect("an issuer");
        let (status, ledger) =
            self.in_register(Method::GET, &format!("/entities/{issuer}/share-transactions"), None).await;
        assert_eq!(status, 200, "{ledger}");
        ledger.as_array().cloned().expect("transactions")
    }
}

#[when(regex = r#"^I reverse the transaction of (\d{4}-\d{2}-\d{2})(?: because "([^"]+)"| again)$"#)]
async fn reverse_transaction(world: &mut CharterWorld, on: String, reason: String) {
    let ledger = world.ledger().await;
    let original = ledger
        .iter()
        .find(|t| t["effective_from"] == on.as_str() && t["kind"] != "reversal")
        .unwrap_or_else(|| panic!("no transaction of {on}: {ledger:?}"));
    let id = original["id"].as_str().expect("id").to_owned();
    let reason = if reason.is_empty() { "entered twice" } else { reason.as_str() };
    world.shares.ledger_before = Some(ledger.len());
    world.shares.before_reversal = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    let response = world
        .in_register(Method::POST, &format!("/share-transactions/{id}/reversal"), Some(json!({ "reason": reason })))
        .await;
    world.responses.push(response);
}

#[then(
    regex = r#"^the ledger keeps the transaction of (\d{4}-\d{2}-\d{2}) and lists its reversal with the reason "([^"]+)"$"#
)]
async fn ledger_keeps_both(world: &mut CharterWorld, on: String, reason: String) {
    let ledger = world.ledger().await;
    assert_eq!(ledger.len(), world.shares.ledger_before.expect("the ledger's size before") + 1, "{ledger:?}");
    let original = ledger.iter().find(|t| t["effective_from"] == on.as_str() && t["kind"] == "transfer");
    let original = original.unwrap_or_else(|| panic!("the transfer of {on} is gone: {ledger:?}"));
    let reversal = ledger.iter().find(|t| t["kind"] == "reversal").expect("a reversal");
    assert_eq!(reversal["reverses"], original["id"], "{reversal}");
    assert_eq!(reversal["effective_from"], on.as_str(), "{reversal}");
    assert_eq!(reversal["reason"], reason.as_str(), "{reversal}");
    let (status, events) = world
        .in_register(
            Method::GET,
            &format!(
                "/audit-events?action=share_transaction.reverse&resource_id={}",
                original["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{events}");
    assert_eq!(events["items"].as_array().map(Vec::len), Some(1), "{events}");
}

#[then(
    regex = r#"^the ledger names the transfer's holders "([^"]+)" and "([^"]+)" and class "([^"]+)" and marks it reversed by the reversal$"#
)]
async fn ledger_names_and_marks(world: &mut CharterWorld, from: String, to: String, class: String) {
    let ledger = world.ledger().await;
    let transfer = ledger.iter().find(|t| t["kind"] == "transfer").expect("the transfer");
    let reversal = ledger.iter().find(|t| t["kind"] == "reversal").expect("a reversal");
    assert_eq!(transfer["from_holder_name"], from.as_str(), "{transfer}");
    assert_eq!(transfer["to_holder_name"], to.as_str(), "{transfer}");
    assert_eq!(transfer["share_class"], class.as_str(), "{transfer}");
    assert_eq!(transfer["reversed_by"], reversal["id"], "{transfer}");
    // Only the reversed transaction is marked; the reversal itself is not.
    let marked: Vec<&Value> = ledger.iter().filter(|t| !t["reversed_by"].is_null()).collect();
    assert_eq!(marked.len(), 1, "{ledger:?}");
    assert_eq!(reversal["share_class"], class.as_str(), "{reversal}");
}

#[given(regex = r#"^"([^"]+)" appointed director of "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#)]
async fn appointed_director(world: &mut CharterWorld, person: String, entity: String, on: String) {
    let holder = world.shareholder(&person).await;
    let entity = world.entity_named(&entity).await;
    let (status, body) = world
        .in_register(
            Method::POST,
            "/appointments",
            Some(json!({ "entity_id": entity, "holder": holder, "role": "director", "appointed_on": on })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

impl CharterWorld {
    /// The audit events of an entity (`?entity_id=`), oldest first: (action, resource id).
    async fn entity_audit_trail(&mut self, entity: &str) -> Vec<(String, String)> {
        let (status, page) =
            self.in_register(Method::GET, &format!("/audit-events?entity_id={entity}&limit=200"), None).await;
        assert_eq!(status, 200, "{page}");
        assert!(page["next_cursor"].is_null(), "one page: {page}");
        let events = page["items"].as_array().expect("items");
        let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first: {seqs:?}");
        events
            .iter()
            .map(|e| {
                (e["action"].as_str().expect("action").to_owned(), e["resource_id"].as_str().unwrap_or("").to_owned())
            })
            .collect()
    }
}

#[then(
    regex = r#"^the audit trail of "([^"]+)" lists its creation, its class, the appointment, both issuances and the reversal, oldest first$"#
)]
async fn entity_audit_lists_all(world: &mut CharterWorld, entity: String) {
    let entity = world.entity_named(&entity).await;
    let trail = world.entity_audit_trail(&entity).await;
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "entity.create",
            "share_class.create",
            "share_transaction.create",
            "share_transaction.create",
            "appointment.create",
            "share_transaction.reverse"
        ],
        "{trail:?}"
    );
    // Each names what it is about: the entity, its class, its transactions.
    let ledger: Vec<String> = world.ledger().await.iter().map(|t| t["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(trail[0].1, entity);
    assert_eq!(trail[1].1, world.only_class());
    assert!(trail[2..4].iter().chain(&trail[5..]).all(|(_, id)| ledger.contains(id)), "{trail:?} {ledger:?}");
}

#[then(
    regex = r#"^the audit trail of "([^"]+)" newest first, two events a page, lists the same events in reverse order$"#
)]
async fn entity_audit_newest_first(world: &mut CharterWorld, entity: String) {
    let entity = world.entity_named(&entity).await;
    let mut oldest_first = world.entity_audit_trail(&entity).await;
    let (mut newest_first, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let mut path = format!("/audit-events?entity_id={entity}&order=newest&limit=2");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = world.in_register(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2, "{page}");
        newest_first.extend(items.iter().map(|e| {
            (e["action"].as_str().expect("action").to_owned(), e["resource_id"].as_str().unwrap_or("").to_owned())
        }));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    oldest_first.reverse();
    assert_eq!(newest_first, oldest_first);
}

#[then(regex = r#"^an audit trail asked in order "([^"]+)" is refused naming "([^"]+)"$"#)]
async fn audit_order_refused(world: &mut CharterWorld, order: String, field: String) {
    let (status, problem) = world.in_register(Method::GET, &format!("/audit-events?order={order}"), None).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], field.as_str(), "{problem}");
}

#[then("the audit trail of another entity lists none of them")]
async fn other_entity_audit(world: &mut CharterWorld) {
    let other = world.entity_named("Unrelated Ltd").await;
    let trail = world.entity_audit_trail(&other).await;
    assert_eq!(trail, [("entity.create".to_owned(), other)]);
}

#[then(regex = r#"^an audit trail asked for entity "([^"]+)" is refused naming "([^"]+)"$"#)]
async fn entity_audit_refused(world: &mut CharterWorld, raw: String, field: String) {
    let (status, problem) = world.in_register(Method::GET, &format!("/audit-events?entity_id={raw}"), None).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], field.as_str(), "{problem}");
}

#[then("the ledger exported as CSV has a line per transaction in date order, the transfer's naming its reversal")]
async fn ledger_csv_lines(world: &mut CharterWorld) {
    let ledger = world.ledger().await;
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let key = world.key_of("acme");
    let url = world.deployment().await.url(&format!("/api/v1/tenants/acme/entities/{issuer}/share-transactions.csv"));
    let response = reqwest::Client::new().get(url).bearer_auth(key).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let disposition = response.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(disposition.contains(&format!("share-ledger-{issuer}.csv")), "{disposition}");
    let csv = response.text().await.expect("text");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), ledger.len(), "{csv}");
    let dates: Vec<&str> = rows.iter().map(|r| r[column("effective_from")]).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    let transfer = rows.iter().find(|r| r[column("kind")] == "transfer").expect("the transfer");
    let reversal = rows.iter().find(|r| r[column("kind")] == "reversal").expect("the reversal");
    assert_eq!(transfer[column("reversed_by")], reversal[column("id")], "{csv}");
    assert_eq!(reversal[column("reverses")], transfer[column("id")], "{csv}");
    assert_eq!(
        (transfer[column("from_type")], transfer[column("from_name")], transfer[column("to_name")]),
        ("person", "Pat Smith", "Lee Chan"),
        "{csv}"
    );
    assert_eq!(transfer[column("share_class")], "Ordinary", "{csv}");
}

// ---- Authorised capital ----

#[when(
    regex = r#"^the authorised capital of "([^"]+)" is changed to ([\d,]+) shares from (\d{4}-\d{2}-\d{2}) because "([^"]+)"$"#
)]
async fn change_authorised(world: &mut CharterWorld, class: String, shares: String, from: String, reason: String) {
    let id = world.shares.classes.get(&class).cloned().unwrap_or_else(|| panic!("class {class}"));
    world.shares.before_change = Some(chrono::Utc::now().to_rfc3339());
    let body = json!({ "authorised_shares": count(&shares), "effective_from": from, "reason": reason });
    let response =
        world.in_register(Method::POST, &format!("/share-classes/{id}/authorised-capital"), Some(body)).await;
    world.responses.push(response);
}

#[then(
    regex = r#"^"([^"]+)" is authorised for ([\d,]+) shares from (\d{4}-\d{2}-\d{2}) until (\d{4}-\d{2}-\d{2}) and ([\d,]+) from (\d{4}-\d{2}-\d{2})$"#
)]
async fn authorised_periods(
    world: &mut CharterWorld,
    class: String,
    first: String,
    start: String,
    end: String,
    second: String,
    from: String,
) {
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let (status, classes) = world.in_register(Method::GET, &format!("/entities/{issuer}/share-classes"), None).await;
    assert_eq!(status, 200, "{classes}");
    let found = classes.as_array().expect("classes").iter().find(|c| c["name"] == class.as_str()).cloned();
    let found = found.unwrap_or_else(|| panic!("{class} in {classes}"));
    assert_eq!(
        found["authorised_history"],
        json!([
            { "valid_from": start, "valid_to": end, "authorised_shares": count(&first) },
            { "valid_from": from, "valid_to": null, "authorised_shares": count(&second) },
        ]),
        "{found}"
    );
    // The audit trail says who changed it, from what to what.
    let (status, events) = world
        .in_register(
            Method::GET,
            &format!("/audit-events?action=share_class.authorise&resource_id={}", found["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(status, 200, "{events}");
    let events = events["items"].as_array().expect("items");
    assert_eq!(events.len(), 1, "one change was made: {events:?}");
    assert_eq!(events[0]["before"]["authorised_history"].as_array().map(Vec::len), Some(1), "{}", events[0]);
}

#[then(regex = r"^the authorised capital on (\d{4}-\d{2}-\d{2}) as known before the change is ([\d,]+)$")]
async fn authorised_as_known_before(world: &mut CharterWorld, date: String, shares: String) {
    // What was on record before the change is kept, not rewritten: the
    // history of the class as known then had one period.
    let (tenant, url) = world.deployment().await.tenant_database("acme").await;
    let before = world.shares.before_change.clone().expect("a change");
    let client = crate::support::connect_as_admin(&url).await;
    let class = uuid::Uuid::parse_str(&world.only_class()).expect("uuid");
    let day = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").expect("date");
    let known: Vec<Option<i64>> = client
        .query(
            "SELECT authorised FROM charter.share_class_authorised
              WHERE tenant_id = $1 AND share_class_id = $2 AND valid @> $3::date AND recorded @> $4::text::timestamptz",
            &[&tenant, &class, &day, &before],
        )
        .await
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(known, [Some(count(&shares))]);
}

#[when(regex = r#"^I record an issuance of ([\d,]+) shares to "([^"]+)" dated (\d{4}-\d{2}-\d{2})$"#)]
async fn record_issuance(world: &mut CharterWorld, shares: String, to: String, on: String) {
    let holder = world.shareholder(&to).await;
    world
        .share_transaction(
            json!({ "kind": "issuance", "to_holder": holder, "shares": count(&shares), "effective_from": on }),
        )
        .await;
}

#[when(regex = r#"^I change the authorised capital of "([^"]+)" with (.+)$"#)]
async fn change_authorised_faulty(world: &mut CharterWorld, class: String, fault: String) {
    let id = world.shares.classes.get(&class).cloned().unwrap_or_else(|| panic!("class {class}"));
    let body = match fault.as_str() {
        "no number of shares" => json!({ "effective_from": "2030-01-01" }),
        "zero shares" => json!({ "authorised_shares": 0, "effective_from": "2030-01-01" }),
        "a past date and no reason" => json!({ "authorised_shares": 2000, "effective_from": "2021-01-01" }),
        "a field it does not take" => json!({ "authorised_shares": 2000, "effective_from": "2030-01-01", "name": "B" }),
        "a date that is not one" => json!({ "authorised_shares": 2000, "effective_from": "2030-02-30" }),
        other => panic!("no such fault: {other}"),
    };
    let response =
        world.in_register(Method::POST, &format!("/share-classes/{id}/authorised-capital"), Some(body)).await;
    world.responses.push(response);
}

#[then(
    regex = r#"^the response status is 422 naming "([^"]+)" with rule "([^"]+)" and the authorised capital is unchanged$"#
)]
async fn authorised_change_refused(world: &mut CharterWorld, field: String, rule: String) {
    let (status, body) = world.responses.last().cloned().expect("a response");
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert!(errors.iter().any(|e| e["field"] == field.as_str() && e["rule"] == rule.as_str()), "{body}");
    let issuer = world.shares.issuer.clone().expect("an issuer");
    let (_, classes) = world.in_register(Method::GET, &format!("/entities/{issuer}/share-classes"), None).await;
    assert_eq!(
        classes[0]["authorised_history"],
        json!([{ "valid_from": "2020-01-01", "valid_to": null, "authorised_shares": 1000 }]),
        "{classes}"
    );
}
