//! Share certificates: the register of certificates of a class of shares
//! (for classes that issue them). A certificate is never edited: what
//! happens to it (cancelled, reported lost, replaced) is a status event, and
//! its current status is its latest event. A certificate may not be for more
//! shares than its holder holds on its issue date, and a holder's
//! outstanding certificates of a class may not cover more than the holding,
//! both checked against the share ledger replayed by [`Ledger`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::{
    FieldError, Invalid,
    appointment::Holder,
    ids::{ShareCertificateId, ShareClassId, ShareTransactionId},
    shares::{Breach, Ledger, parse_shares},
    temporal::parse_date,
    text::bounded_text,
    validation::Collector,
};

/// Where a certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    /// Outstanding: it evidences its holder's shares.
    Issued,
    /// Withdrawn without a replacement (shares transferred, cancelled, …).
    Cancelled,
    /// Reported lost by its holder; it no longer counts as outstanding and
    /// may be replaced.
    Lost,
    /// Replaced by another certificate for the same holder and shares.
    Replaced,
}

impl CertificateStatus {
    pub const ALL: [Self; 4] = [Self::Issued, Self::Cancelled, Self::Lost, Self::Replaced];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Cancelled => "cancelled",
            Self::Lost => "lost",
            Self::Replaced => "replaced",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| FieldError::new(field, "one_of", "must be one of: issued, cancelled, lost, replaced"))
    }

    /// Cancelled and replaced certificates are done with.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Cancelled | Self::Replaced)
    }
}

/// A certificate number: 1 to 50 characters, unique within its class
/// (`"ORD-001"`, `"7"`; a JSON number is taken as its digits).
pub fn parse_number(field: &str, value: &Value) -> Result<String, FieldError> {
    match value {
        Value::String(raw) => bounded_text(field, raw, 50),
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        _ => Err(FieldError::new(field, "type", "must be a string such as \"ORD-001\"")),
    }
}

/// A date field that may be left out (today) but not in the future.
fn past_date(errors: &mut Collector, body: &Map<String, Value>, field: &str, today: NaiveDate) -> Option<NaiveDate> {
    let date = match body.get(field) {
        None | Some(Value::Null) => Some(today),
        Some(Value::String(raw)) => errors.take(parse_date(field, raw)),
        Some(_) => {
            errors.push(FieldError::new(field, "date", "must be a date as YYYY-MM-DD"));
            None
        }
    };
    if date.is_some_and(|d| d > today) {
        errors.push(FieldError::new(field, "not_future", "must not be after today"));
        return None;
    }
    date
}

fn unknown_fields(errors: &mut Collector, body: &Map<String, Value>, known: &[&str], what: &str) {
    for key in body.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.push(FieldError::new(key.clone(), "unknown_field", format!("is not a field of {what}")));
    }
}

fn reason(errors: &mut Collector, body: &Map<String, Value>) -> Option<String> {
    match body.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => errors.take(bounded_text("reason", raw, 500)),
        Some(_) => {
            errors.push(FieldError::new("reason", "type", "must be a string"));
            None
        }
    }
}

/// A certificate to issue, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificate {
    pub number: String,
    pub holder: Holder,
    pub shares: i64,
    pub issued_on: NaiveDate,
    /// The ledger transaction it evidences.
    pub share_transaction: Option<ShareTransactionId>,
    pub reason: Option<String>,
}

impl NewCertificate {
    const FIELDS: [&'static str; 6] = ["number", "holder", "shares", "issued_on", "share_transaction_id", "reason"];

    /// `{"number": "ORD-001", "holder": {"person_id": …}, "shares": 600,
    /// "issued_on": "2022-01-01", "share_transaction_id": …, "reason": …}`;
    /// `issued_on` defaults to today and may not be later.
    pub fn parse(body: &Map<String, Value>, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        unknown_fields(&mut errors, body, &Self::FIELDS, "a share certificate");
        let present = |field: &str| body.get(field).filter(|v| !v.is_null());
        let number = match present("number") {
            Some(value) => errors.take(parse_number("number", value)),
            None => {
                errors.push(FieldError::new("number", "required", "is required"));
                None
            }
        };
        let holder = match present("holder") {
            Some(value) => errors.take(Holder::parse_shareholder("holder", value)),
            None => {
                errors.push(FieldError::new("holder", "required", "is required"));
                None
            }
        };
        let shares = match present("shares") {
            Some(value) => errors.take(parse_shares("shares", value)),
            None => {
                errors.push(FieldError::new("shares", "required", "is required"));
                None
            }
        };
        let issued_on = past_date(&mut errors, body, "issued_on", today);
        let share_transaction = match present("share_transaction_id") {
            None => None,
            Some(Value::String(raw)) => errors.take(ShareTransactionId::parse("share_transaction_id", raw)),
            Some(_) => {
                errors.push(FieldError::new("share_transaction_id", "uuid", "must be a UUID (share transaction id)"));
                None
            }
        };
        let reason = reason(&mut errors, body);
        errors.finish()?;
        let (Some(number), Some(holder), Some(shares), Some(issued_on)) = (number, holder, shares, issued_on) else {
            return Err(Invalid(vec![FieldError::new("body", "required", "incomplete share certificate")]));
        };
        Ok(Self { number, holder, shares, issued_on, share_transaction, reason })
    }
}

/// What a status change asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// `POST …/cancel`.
    Cancel,
    /// `POST …/report-lost`.
    ReportLost,
    /// `POST …/replace`: a new certificate for the same holder and shares.
    Replace,
}

impl StatusAction {
    /// The status the certificate takes.
    pub fn status(self) -> CertificateStatus {
        match self {
            Self::Cancel => CertificateStatus::Cancelled,
            Self::ReportLost => CertificateStatus::Lost,
            Self::Replace => CertificateStatus::Replaced,
        }
    }
}

/// A status change, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub action: StatusAction,
    pub effective_on: NaiveDate,
    pub reason: Option<String>,
    /// For a replacement: the new certificate's number.
    pub number: Option<String>,
}

impl StatusChange {
    /// `{"effective_from": "2024-01-01", "reason": …}`, and for a
    /// replacement also `"number"` (required). `effective_from` defaults to
    /// today and may not be later.
    pub fn parse(action: StatusAction, body: &Map<String, Value>, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        let known: &[&str] = match action {
            StatusAction::Replace => &["effective_from", "reason", "number"],
            StatusAction::Cancel | StatusAction::ReportLost => &["effective_from", "reason"],
        };
        unknown_fields(&mut errors, body, known, "this status change");
        let effective_on = past_date(&mut errors, body, "effective_from", today);
        let reason = reason(&mut errors, body);
        let number = match (action, body.get("number").filter(|v| !v.is_null())) {
            (StatusAction::Replace, Some(value)) => errors.take(parse_number("number", value)),
            (StatusAction::Replace, None) => {
                errors.push(FieldError::new("number", "required", "the replacement certificate needs a number"));
                None
            }
            _ => None,
        };
        errors.finish()?;
        let effective_on =
            effective_on.ok_or_else(|| Invalid(vec![FieldError::new("effective_from", "required", "is required")]))?;
        Ok(Self { action, effective_on, reason, number })
    }
}

/// `{"certificated": true}`: whether a class of shares issues certificates.
pub fn parse_certificated(body: &Map<String, Value>) -> Result<bool, Invalid> {
    let mut errors = Collector::new();
    unknown_fields(&mut errors, body, &["certificated"], "a share class update (only certificated can change)");
    let certificated = match body.get("certificated") {
        Some(Value::Bool(b)) => Some(*b),
        None | Some(Value::Null) => {
            errors.push(FieldError::new("certificated", "required", "is required"));
            None
        }
        Some(_) => {
            errors.push(FieldError::new("certificated", "type", "must be true or false"));
            None
        }
    };
    errors.finish()?;
    certificated.ok_or_else(|| Invalid(vec![FieldError::new("certificated", "required", "is required")]))
}

/// One entry of a certificate's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    pub status: CertificateStatus,
    pub effective_on: NaiveDate,
    /// For `replaced`: the certificate issued in its place.
    pub replacement: Option<ShareCertificateId>,
    pub reason: Option<String>,
}

/// Why a status change cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The certificate's status does not allow it (already cancelled, …).
    State(String),
    /// The change itself breaks a rule.
    Invalid(FieldError),
}

/// A certificate with its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: ShareCertificateId,
    pub class: ShareClassId,
    pub number: String,
    pub holder: Holder,
    pub shares: i64,
    pub issued_on: NaiveDate,
    pub share_transaction: Option<ShareTransactionId>,
    /// In the order recorded, `issued` first.
    pub history: Vec<StatusEvent>,
}

impl Certificate {
    /// A new certificate of `class`, issued as asked.
    pub fn issue(class: ShareClassId, new: &NewCertificate) -> Self {
        Self {
            id: ShareCertificateId::generate(),
            class,
            number: new.number.clone(),
            holder: new.holder,
            shares: new.shares,
            issued_on: new.issued_on,
            share_transaction: new.share_transaction,
            history: vec![StatusEvent {
                status: CertificateStatus::Issued,
                effective_on: new.issued_on,
                replacement: None,
                reason: new.reason.clone(),
            }],
        }
    }

    /// The status now: that of the latest event.
    pub fn status(&self) -> CertificateStatus {
        self.history.last().map_or(CertificateStatus::Issued, |e| e.status)
    }

    /// The date the current status took effect.
    pub fn status_since(&self) -> NaiveDate {
        self.history.last().map_or(self.issued_on, |e| e.effective_on)
    }

    /// The first day it no longer counts as outstanding (cancelled, lost or
    /// replaced on that day).
    pub fn ended_on(&self) -> Option<NaiveDate> {
        self.history.iter().find(|e| e.status != CertificateStatus::Issued).map(|e| e.effective_on)
    }

    /// Whether it evidences its holder's shares at the end of `date`.
    pub fn outstanding_on(&self, date: NaiveDate) -> bool {
        self.issued_on <= date && self.ended_on().is_none_or(|end| date < end)
    }

    /// The certificate that replaced this one, if any.
    pub fn replaced_by(&self) -> Option<ShareCertificateId> {
        self.history.iter().find_map(|e| e.replacement)
    }

    /// The event a status change adds, if the certificate's status and
    /// history allow it. A replacement's event names `replacement`.
    pub fn change(
        &self,
        change: &StatusChange,
        replacement: Option<ShareCertificateId>,
    ) -> Result<StatusEvent, Refusal> {
        let status = self.status();
        let allowed = match change.action {
            StatusAction::Cancel | StatusAction::Replace => !status.is_final(),
            StatusAction::ReportLost => status == CertificateStatus::Issued,
        };
        if !allowed {
            return Err(Refusal::State(format!(
                "certificate {} is {}: it cannot be {}",
                self.number,
                status.as_str(),
                change.action.status().as_str()
            )));
        }
        let since = self.status_since();
        if change.effective_on < since {
            return Err(Refusal::Invalid(FieldError::new(
                "effective_from",
                "not_before_status",
                format!("must be on or after {since}, when the certificate became {}", status.as_str()),
            )));
        }
        Ok(StatusEvent {
            status: change.action.status(),
            effective_on: change.effective_on,
            replacement: replacement.filter(|_| change.action == StatusAction::Replace),
            reason: change.reason.clone(),
        })
    }

    /// The certificate with `event` added to its history.
    pub fn with_event(&self, event: StatusEvent) -> Self {
        let mut changed = self.clone();
        changed.history.push(event);
        changed
    }

    /// A new certificate for the same holder and shares, numbered `number`,
    /// issued on the replacement date.
    pub fn replacement(&self, number: &str, change: &StatusChange) -> Self {
        let new = NewCertificate {
            number: number.to_owned(),
            holder: self.holder,
            shares: self.shares,
            issued_on: change.effective_on,
            share_transaction: None,
            reason: change.reason.clone(),
        };
        Self::issue(self.class, &new)
    }
}

/// Checks `candidate` (a certificate about to be issued) against the
/// issuer's ledger and the class's other certificates (as they will stand,
/// e.g. the replaced one with its `replaced` event):
///
/// * it may not be for more shares than its holder holds at the end of its
///   issue date (`exceeds_holding`);
/// * the holder's outstanding certificates of the class, it included, may
///   not cover more shares than the holding on its issue date, nor on any
///   later date on which another of the holder's certificates was issued
///   (`outstanding_exceeds_holding`).
///
/// Both errors name `shares` and the date.
pub fn check_holding(ledger: &Ledger, candidate: &Certificate, others: &[Certificate]) -> Result<(), FieldError> {
    let held = |date: NaiveDate| ledger.holdings(date).get(&(candidate.class, candidate.holder)).copied().unwrap_or(0);
    let issued_on = candidate.issued_on;
    let holding = held(issued_on);
    if candidate.shares > holding {
        return Err(FieldError::new(
            "shares",
            "exceeds_holding",
            format!(
                "the holder holds {holding} shares of this class on {issued_on}, fewer than the {} on the certificate",
                candidate.shares
            ),
        ));
    }
    let mine: Vec<&Certificate> = others
        .iter()
        .filter(|c| c.id != candidate.id && c.class == candidate.class && c.holder == candidate.holder)
        .collect();
    let dates: BTreeSet<NaiveDate> =
        std::iter::once(issued_on).chain(mine.iter().map(|c| c.issued_on).filter(|d| *d > issued_on)).collect();
    for date in dates {
        let covered: i64 = std::iter::once(candidate)
            .chain(mine.iter().copied())
            .filter(|c| c.outstanding_on(date))
            .map(|c| c.shares)
            .sum();
        let holding = held(date);
        if covered > holding {
            return Err(FieldError::new(
                "shares",
                "outstanding_exceeds_holding",
                format!(
                    "on {date} the holder's outstanding certificates of this class would cover {covered} shares, \
                     more than the {holding} held"
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that `ledger` (with a new transaction in it) still carries the
/// class's `certificates`: on every date from a holder's first outstanding
/// certificate on, the certificates outstanding then cover no more shares
/// than the holder holds. So certificated shares are transferred, cancelled
/// or consolidated only once their certificates are cancelled or replaced.
pub fn check_certificates_held(ledger: &Ledger, certificates: &[Certificate]) -> Result<(), Breach> {
    let positions = ledger.positions();
    let mut by_holding: BTreeMap<(ShareClassId, Holder), Vec<&Certificate>> = BTreeMap::new();
    for c in certificates {
        by_holding.entry((c.class, c.holder)).or_default().push(c);
    }
    for ((class, holder), mine) in by_holding {
        let series = positions.get(&(class, holder)).map_or(&[][..], Vec::as_slice);
        let held = |date: NaiveDate| series.iter().take_while(|(on, _)| *on <= date).last().map_or(0, |p| p.1);
        let first = mine.iter().map(|c| c.issued_on).min().unwrap_or(NaiveDate::MAX);
        let dates: BTreeSet<NaiveDate> = mine
            .iter()
            .flat_map(|c| std::iter::once(c.issued_on).chain(c.ended_on()))
            .chain(series.iter().map(|p| p.0))
            .filter(|d| *d >= first)
            .collect();
        for date in dates {
            let covered: i64 = mine.iter().filter(|c| c.outstanding_on(date)).map(|c| c.shares).sum();
            let held = held(date);
            if covered > held {
                return Err(Breach::UncoveredCertificates { date, class, holder, covered, held });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{
        ids::PersonId,
        shares::{Transaction, TransactionKind},
    };

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn rules(result: Result<impl std::fmt::Debug, Invalid>) -> Vec<(String, &'static str)> {
        result.unwrap_err().0.into_iter().map(|e| (e.field, e.rule)).collect()
    }

    fn issuance(class: ShareClassId, to: Holder, shares: i64, on: &str) -> Transaction {
        Transaction {
            id: ShareTransactionId::generate(),
            kind: TransactionKind::Issuance,
            class,
            effective_on: day(on),
            from: None,
            to: Some(to),
            shares,
            to_class: None,
            to_shares: None,
            ratio: None,
            reason: None,
            reverses: None,
        }
    }

    fn certificate(class: ShareClassId, holder: Holder, number: &str, shares: i64, on: &str) -> Certificate {
        let new = NewCertificate {
            number: number.into(),
            holder,
            shares,
            issued_on: day(on),
            share_transaction: None,
            reason: None,
        };
        Certificate::issue(class, &new)
    }

    #[test]
    fn parses_a_certificate_and_names_each_broken_rule() {
        let today = day("2026-01-01");
        let person = PersonId::generate();
        let ok = NewCertificate::parse(
            &body(json!({"number": " ORD-001 ", "holder": {"person_id": person}, "shares": 600, "issued_on": "2022-01-01"})),
            today,
        )
        .unwrap();
        assert_eq!(ok.number, "ORD-001");
        assert_eq!(ok.holder, Holder::Person(person));
        assert_eq!(ok.issued_on, day("2022-01-01"));
        let numeric =
            NewCertificate::parse(&body(json!({"number": 7, "holder": {"person_id": person}, "shares": 1})), today);
        assert_eq!(numeric.unwrap().number, "7");
        assert_eq!(
            rules(NewCertificate::parse(&body(json!({})), today)),
            [("number".into(), "required"), ("holder".into(), "required"), ("shares".into(), "required")]
        );
        let bad = json!({
            "number": "x".repeat(51), "holder": {"person_id": "nope"}, "shares": 1.5, "issued_on": "2022-13-01",
            "colour": "red",
        });
        let found = rules(NewCertificate::parse(&body(bad), today));
        for expected in [
            ("colour", "unknown_field"),
            ("number", "max_length"),
            ("holder.person_id", "uuid"),
            ("shares", "type"),
            ("issued_on", "date"),
        ] {
            assert!(found.contains(&(expected.0.into(), expected.1)), "{expected:?} in {found:?}");
        }
        let found = rules(NewCertificate::parse(
            &body(json!({"number": "  ", "holder": {"person_id": person, "entity_id": person}, "shares": 0,
                         "issued_on": "2026-01-02"})),
            today,
        ));
        for expected in
            [("number", "required"), ("holder", "holder"), ("shares", "positive"), ("issued_on", "not_future")]
        {
            assert!(found.contains(&(expected.0.into(), expected.1)), "{expected:?} in {found:?}");
        }
        assert!(
            rules(NewCertificate::parse(
                &body(json!({"number": "1", "holder": {"person_id": person}, "shares": -3})),
                today
            ))
            .contains(&("shares".into(), "positive"))
        );
    }

    #[test]
    fn status_changes_move_forward_only() {
        let today = day("2026-01-01");
        let class = ShareClassId::generate();
        let pat = Holder::Person(PersonId::generate());
        let cert = certificate(class, pat, "ORD-001", 600, "2022-01-01");
        assert_eq!(cert.status(), CertificateStatus::Issued);
        let cancel =
            StatusChange::parse(StatusAction::Cancel, &body(json!({"effective_from": "2024-01-01"})), today).unwrap();
        let event = cert.change(&cancel, None).unwrap();
        let cancelled = cert.with_event(event);
        assert_eq!(cancelled.status(), CertificateStatus::Cancelled);
        assert_eq!(cancelled.ended_on(), Some(day("2024-01-01")));
        assert!(cancelled.outstanding_on(day("2023-12-31")) && !cancelled.outstanding_on(day("2024-01-01")));
        assert!(matches!(cancelled.change(&cancel, None), Err(Refusal::State(_))));
        let early =
            StatusChange::parse(StatusAction::ReportLost, &body(json!({"effective_from": "2021-01-01"})), today)
                .unwrap();
        assert!(matches!(
            cert.change(&early, None),
            Err(Refusal::Invalid(FieldError { rule: "not_before_status", .. }))
        ));
        let lost = cert
            .with_event(cert.change(&StatusChange { effective_on: day("2023-01-01"), ..early.clone() }, None).unwrap());
        assert!(matches!(lost.change(&early, None), Err(Refusal::State(_))));
        let replace = StatusChange::parse(
            StatusAction::Replace,
            &body(json!({"effective_from": "2023-02-01", "number": "ORD-002", "reason": "lost in the post"})),
            today,
        )
        .unwrap();
        let new = lost.replacement("ORD-002", &replace);
        let replaced = lost.with_event(lost.change(&replace, Some(new.id)).unwrap());
        assert_eq!(replaced.status(), CertificateStatus::Replaced);
        assert_eq!(replaced.replaced_by(), Some(new.id));
        assert_eq!((new.holder, new.shares, new.issued_on), (pat, 600, day("2023-02-01")));
        assert_eq!(replaced.ended_on(), Some(day("2023-01-01")), "lost ended it");
        assert_eq!(
            rules(StatusChange::parse(StatusAction::Replace, &body(json!({})), today)),
            [("number".into(), "required")]
        );
        assert_eq!(
            rules(StatusChange::parse(StatusAction::Cancel, &body(json!({"number": "X"})), today)),
            [("number".into(), "unknown_field")]
        );
        assert_eq!(parse_certificated(&body(json!({"certificated": true}))), Ok(true));
        assert_eq!(rules(parse_certificated(&body(json!({"certificated": "yes"})))), [("certificated".into(), "type")]);
        assert_eq!(rules(parse_certificated(&body(json!({"name": "B"})))).len(), 2);
    }

    #[test]
    fn certificates_stay_within_the_holding() {
        let class = ShareClassId::generate();
        let (pat, lee) = (Holder::Person(PersonId::generate()), Holder::Person(PersonId::generate()));
        let ledger = Ledger::new(vec![
            issuance(class, pat, 600, "2022-01-01"),
            issuance(class, lee, 400, "2023-01-01"),
            issuance(class, pat, 100, "2024-01-01"),
        ]);
        let too_many = certificate(class, pat, "1", 601, "2022-01-01");
        assert_eq!(check_holding(&ledger, &too_many, &[]).unwrap_err().rule, "exceeds_holding");
        let before_issue = certificate(class, lee, "2", 400, "2022-06-30");
        let error = check_holding(&ledger, &before_issue, &[]).unwrap_err();
        assert!(error.message.contains("holds 0 shares") && error.message.contains("2022-06-30"), "{error:?}");
        let first = certificate(class, pat, "1", 400, "2022-01-01");
        assert_eq!(check_holding(&ledger, &first, &[]), Ok(()));
        let second = certificate(class, pat, "2", 300, "2022-02-01");
        let error = check_holding(&ledger, &second, std::slice::from_ref(&first)).unwrap_err();
        assert_eq!((error.field.as_str(), error.rule), ("shares", "outstanding_exceeds_holding"));
        // Other holders' certificates do not count; a later holding does.
        let lees = certificate(class, lee, "3", 400, "2023-01-01");
        assert_eq!(
            check_holding(&ledger, &certificate(class, pat, "2", 200, "2022-02-01"), &[first.clone(), lees]),
            Ok(())
        );
        assert_eq!(
            check_holding(&ledger, &certificate(class, pat, "2", 300, "2024-01-01"), std::slice::from_ref(&first)),
            Ok(())
        );
        // A back-dated certificate counts on the later dates other certificates were issued.
        let later = certificate(class, pat, "4", 700, "2024-01-01");
        let early = certificate(class, pat, "5", 100, "2022-01-01");
        assert_eq!(
            check_holding(&ledger, &early, std::slice::from_ref(&later)).unwrap_err().rule,
            "outstanding_exceeds_holding"
        );
        // A cancelled certificate no longer counts from its cancellation on.
        let cancel =
            StatusChange { action: StatusAction::Cancel, effective_on: day("2022-06-01"), reason: None, number: None };
        let cancelled = first.with_event(first.change(&cancel, None).unwrap());
        assert_eq!(check_holding(&ledger, &certificate(class, pat, "2", 600, "2022-06-01"), &[cancelled]), Ok(()));
        // A replacement for the same shares fits once the old one is replaced.
        let replace = StatusChange { action: StatusAction::Replace, number: Some("6".into()), ..cancel };
        let new = first.replacement("6", &replace);
        assert!(check_holding(&ledger, &new, std::slice::from_ref(&first)).is_err());
        let replaced = first.with_event(first.change(&replace, Some(new.id)).unwrap());
        assert_eq!(check_holding(&ledger, &new, &[replaced]), Ok(()));
    }

    #[test]
    fn a_ledger_must_keep_covering_outstanding_certificates() {
        let class = ShareClassId::generate();
        let (pat, lee) = (Holder::Person(PersonId::generate()), Holder::Person(PersonId::generate()));
        let ledger = Ledger::new(vec![issuance(class, pat, 600, "2022-01-01")]);
        let certificates = [certificate(class, pat, "ORD-001", 600, "2022-01-01")];
        assert_eq!(check_certificates_held(&ledger, &certificates), Ok(()));
        let mut transfer = issuance(class, lee, 100, "2024-01-01");
        (transfer.kind, transfer.from) = (TransactionKind::Transfer, Some(pat));
        let moved = ledger.with(transfer);
        let breach = check_certificates_held(&moved, &certificates).unwrap_err();
        assert_eq!(breach.date(), day("2024-01-01"));
        assert!(matches!(breach, Breach::UncoveredCertificates { covered: 600, held: 500, .. }), "{breach:?}");
        // Another holder's shares moving does not touch Pat's certificate.
        let other = ledger.with(issuance(class, lee, 10, "2024-01-01"));
        assert_eq!(check_certificates_held(&other, &certificates), Ok(()));
    }
}
