//! Beneficial owners as Beneficial Ownership Data Standard 0.4 statements
//! (<https://standard.openownership.org/en/0.4.0/>): one entity statement
//! for the subject, one person statement per beneficial owner, and one
//! relationship statement each with its shareholding and voting interests.

use chrono::NaiveDate;
use serde_json::{Value, json};

/// The subject of the statements.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: uuid::Uuid,
    pub name: String,
    /// `GB`, `US-DE`.
    pub jurisdiction: Option<String>,
    pub lei: Option<String>,
    pub registration_number: Option<String>,
}

/// A beneficial owner with the effective fractions (0–1) it holds.
#[derive(Debug, Clone)]
pub struct Owner {
    pub id: uuid::Uuid,
    pub given_name: String,
    pub family_name: String,
    pub nationality: Option<String>,
    pub capital: f64,
    pub votes: f64,
    /// The part of `capital` and `votes` held in shares of the subject
    /// itself; the rest is held through other entities.
    pub direct_capital: f64,
    pub direct_votes: f64,
    /// Whether some of it is held jointly with other persons (each joint
    /// holder counts the joint holding in full).
    pub jointly: bool,
}

/// The smallest part of a holding stated (a millionth of a percent, the
/// precision of the shares stated): below it, a remainder of rounding.
const PART: f64 = 1e-8;

/// The statements, in the order BODS wants them (records before the
/// relationships that refer to them). Statement ids are derived from the
/// record and the date, so the same export made twice is the same.
pub fn statements(subject: &Subject, owners: &[Owner], as_of: NaiveDate, published: NaiveDate) -> Vec<Value> {
    let publication = json!({
        "publicationDate": published.to_string(),
        "bodsVersion": "0.4",
        "publisher": { "name": "Charter" },
    });
    let statement_id =
        |record: &str| uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("{record}@{as_of}").as_bytes());
    let subject_record = format!("charter-entity-{}", subject.id);
    let mut identifiers = Vec::new();
    if let Some(lei) = &subject.lei {
        identifiers
            .push(json!({ "id": lei, "scheme": "XI-LEI", "schemeName": "Global Legal Entity Identifier Index" }));
    }
    if let (Some(number), Some(jurisdiction)) = (&subject.registration_number, &subject.jurisdiction) {
        identifiers.push(json!({ "id": number, "schemeName": format!("Company register of {jurisdiction}") }));
    }
    let mut entity = json!({
        "isComponent": false,
        "entityType": { "type": "registeredEntity" },
        "name": subject.name,
        "identifiers": identifiers,
    });
    if let Some(jurisdiction) = &subject.jurisdiction {
        entity["jurisdiction"] = json!({ "code": jurisdiction });
    }
    let mut out = vec![json!({
        "statementId": statement_id(&subject_record),
        "declarationSubject": subject_record,
        "statementDate": as_of.to_string(),
        "recordId": subject_record,
        "recordType": "entity",
        "recordDetails": entity,
        "publicationDetails": publication,
    })];
    for owner in owners {
        let person_record = format!("charter-person-{}", owner.id);
        let mut person = json!({
            "isComponent": false,
            "personType": "knownPerson",
            "names": [{
                "type": "legal",
                "fullName": format!("{} {}", owner.given_name, owner.family_name),
                "givenName": owner.given_name,
                "familyName": owner.family_name,
            }],
        });
        if let Some(nationality) = &owner.nationality {
            person["nationalities"] = json!([{ "code": nationality }]);
        }
        out.push(json!({
            "statementId": statement_id(&person_record),
            "declarationSubject": subject_record,
            "statementDate": as_of.to_string(),
            "recordId": person_record,
            "recordType": "person",
            "recordDetails": person,
            "publicationDetails": publication,
        }));
        let relationship_record = format!("charter-relationship-{}-{}", subject.id, owner.id);
        let percent = |fraction: f64| (fraction * 100.0 * 1e6).round() / 1e6;
        let interest = |kind: &str, reach: &str, fraction: f64| {
            let mut interest = json!({
                "type": kind, "directOrIndirect": reach, "beneficialOwnershipOrControl": true,
                "share": { "exact": percent(fraction) },
            });
            if owner.jointly {
                interest["details"] = json!("held in part or in whole jointly with other persons, counted in full");
            }
            interest
        };
        // A holding partly in the subject's own shares and partly through
        // other entities is two interests, each with its part: BODS says
        // direct or indirect of an interest, not of a person.
        let mut interests = Vec::new();
        for (kind, total, direct) in
            [("shareholding", owner.capital, owner.direct_capital), ("votingRights", owner.votes, owner.direct_votes)]
        {
            if direct > PART {
                interests.push(interest(kind, "direct", direct));
            }
            if total - direct > PART {
                interests.push(interest(kind, "indirect", total - direct));
            }
        }
        out.push(json!({
            "statementId": statement_id(&relationship_record),
            "declarationSubject": subject_record,
            "statementDate": as_of.to_string(),
            "recordId": relationship_record,
            "recordType": "relationship",
            "recordDetails": {
                "isComponent": false,
                "subject": subject_record,
                "interestedParty": person_record,
                "interests": interests,
            },
            "publicationDetails": publication,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pat Smith with 58 % of the capital and votes, `direct` of it in the
    /// subject's own shares.
    fn pat_smith(direct: f64) -> Owner {
        Owner {
            id: uuid::Uuid::now_v7(),
            given_name: "Pat".into(),
            family_name: "Smith".into(),
            nationality: None,
            capital: 0.58,
            votes: 0.58,
            direct_capital: direct,
            direct_votes: direct,
            jointly: false,
        }
    }

    #[test]
    fn records_come_before_the_relationships_that_name_them() {
        let subject = Subject {
            id: uuid::Uuid::now_v7(),
            name: "B Ltd".into(),
            jurisdiction: Some("GB".into()),
            lei: None,
            registration_number: Some("01234567".into()),
        };
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let out = statements(&subject, &[pat_smith(0.58)], day, day);
        let kinds: Vec<&str> = out.iter().filter_map(|s| s["recordType"].as_str()).collect();
        assert_eq!(kinds, ["entity", "person", "relationship"]);
        assert_eq!(out[2]["recordDetails"]["subject"], out[0]["recordId"]);
        assert_eq!(out[2]["recordDetails"]["interestedParty"], out[1]["recordId"]);
        assert_eq!(out[2]["recordDetails"]["interests"][0]["share"]["exact"], 58.0);
        assert!(out[2]["recordDetails"]["interests"][0].get("details").is_none());
        assert!(out.iter().all(|s| s["statementId"].as_str().is_some_and(|id| id.len() >= 32)));
        assert_eq!(statements(&subject, &[], day, day)[0]["statementId"], out[0]["statementId"]);
    }

    #[test]
    fn a_holding_partly_through_others_is_two_interests_each_with_its_part() {
        let subject = Subject {
            id: uuid::Uuid::now_v7(),
            name: "B Ltd".into(),
            jurisdiction: None,
            lei: None,
            registration_number: None,
        };
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let interests = |owner: Owner| -> Vec<(String, String, f64)> {
            statements(&subject, &[owner], day, day)[2]["recordDetails"]["interests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let text = |key: &str| i[key].as_str().unwrap().to_owned();
                    (text("type"), text("directOrIndirect"), i["share"]["exact"].as_f64().unwrap())
                })
                .collect()
        };
        let mixed = interests(pat_smith(0.10));
        let expected = [
            ("shareholding", "direct", 10.0),
            ("shareholding", "indirect", 48.0),
            ("votingRights", "direct", 10.0),
            ("votingRights", "indirect", 48.0),
        ];
        assert_eq!(mixed.len(), expected.len(), "{mixed:?}");
        for ((kind, reach, share), (k, r, s)) in mixed.iter().zip(expected) {
            assert_eq!((kind.as_str(), reach.as_str()), (k, r));
            assert!((share - s).abs() < 1e-9, "{mixed:?}");
        }
        let only_through_others: Vec<String> = interests(pat_smith(0.0)).into_iter().map(|i| i.1).collect();
        assert_eq!(only_through_others, ["indirect", "indirect"]);
    }
}
