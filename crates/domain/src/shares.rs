//! Share capital: classes of shares and the append-only ledger of what
//! happened to them. Holdings are never stored: they are replayed from the
//! ledger as of a date, and a new transaction is accepted only if replaying
//! the ledger with it keeps every later date valid too (no negative holding,
//! never more issued than authorised), so a back-dated transfer cannot
//! overdraw a position that a later transaction relied on.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::{
    FieldError, Invalid,
    appointment::Holder,
    ids::{ShareClassId, ShareTransactionId},
    joint::JointHolding,
    temporal::{EffectiveChange, parse_date},
    text::bounded_text,
    validation::Collector,
};

/// A non-negative decimal with up to six decimal places, kept exactly as
/// millionths (nominal values, votes per share).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal6(i128);

impl Decimal6 {
    const SCALE: i128 = 1_000_000;
    pub const ZERO: Self = Self(0);
    pub const ONE: Self = Self(Self::SCALE);

    /// `"1"`, `"0.01"`, `"1000000.123456"`, or the same as a JSON number.
    pub fn parse(field: &str, value: &Value) -> Result<Self, FieldError> {
        let raw = match value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return Err(FieldError::new(field, "type", "must be a decimal number, e.g. \"0.01\"")),
        };
        let invalid = || {
            FieldError::new(
                field,
                "decimal",
                "must be a number ≥ 0 with at most 15 digits before and 6 after the point",
            )
        };
        let (whole, fraction) = raw.split_once('.').unwrap_or((&raw, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 15 || fraction.len() > 6 || !digits(whole) || !digits(fraction) {
            return Err(invalid());
        }
        let whole: i128 = whole.parse().map_err(|_| invalid())?;
        let fraction: i128 =
            if fraction.is_empty() { 0 } else { format!("{fraction:0<6}").parse().map_err(|_| invalid())? };
        Ok(Self(whole * Self::SCALE + fraction))
    }

    pub const fn millionths(self) -> i128 {
        self.0
    }

    pub const fn from_millionths(millionths: i128) -> Self {
        Self(millionths)
    }

    /// Plain decimal text without trailing zeros: `"0.01"`, `"1"`.
    pub fn to_text(self) -> String {
        let (whole, fraction) = (self.0 / Self::SCALE, self.0 % Self::SCALE);
        if fraction == 0 {
            return whole.to_string();
        }
        let fraction = format!("{fraction:06}");
        format!("{whole}.{}", fraction.trim_end_matches('0'))
    }
}

/// ISO 4217 alphabetic code: three capital letters.
pub fn parse_currency(field: &str, raw: &str) -> Result<String, FieldError> {
    if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::new(field, "currency", "must be an ISO 4217 code such as EUR, GBP or USD"))
    }
}

/// A count of shares: a whole number from 1 to 10^15.
pub fn parse_shares(field: &str, value: &Value) -> Result<i64, FieldError> {
    const MAX: i64 = 1_000_000_000_000_000;
    match value.as_i64() {
        Some(n) if (1..=MAX).contains(&n) => Ok(n),
        Some(_) => Err(FieldError::new(field, "positive", "must be a whole number of shares from 1 to 10^15")),
        None => Err(FieldError::new(field, "type", "must be a whole number of shares")),
    }
}

/// A new class of shares of an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareClassInput {
    pub name: String,
    pub currency: String,
    pub nominal_value: Decimal6,
    pub votes_per_share: Decimal6,
    /// `None`: unlimited.
    pub authorised: Option<i64>,
    pub effective_from: NaiveDate,
}

impl ShareClassInput {
    const FIELDS: [&'static str; 7] =
        ["name", "currency", "nominal_value", "votes_per_share", "authorised_shares", "effective_from", "reason"];

    pub fn parse(body: &Map<String, Value>, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        for key in body.keys().filter(|k| !Self::FIELDS.contains(&k.as_str())) {
            errors.push(FieldError::new(key.clone(), "unknown_field", "is not a field of a share class"));
        }
        let text = |field: &str| body.get(field).and_then(Value::as_str);
        let name = match text("name") {
            Some(raw) => errors.take(bounded_text("name", raw, 200)),
            None => {
                errors.push(FieldError::new("name", "required", "is required"));
                None
            }
        };
        let currency = match text("currency") {
            Some(raw) => errors.take(parse_currency("currency", raw)),
            None => {
                errors.push(FieldError::new("currency", "required", "is required"));
                None
            }
        };
        let nominal_value = match body.get("nominal_value") {
            Some(value) => errors.take(Decimal6::parse("nominal_value", value)),
            None => Some(Decimal6::ZERO),
        };
        let votes_per_share = match body.get("votes_per_share") {
            Some(value) => errors.take(Decimal6::parse("votes_per_share", value)),
            None => Some(Decimal6::ONE),
        };
        let authorised = match body.get("authorised_shares") {
            None | Some(Value::Null) => Some(None),
            Some(value) => errors.take(parse_shares("authorised_shares", value)).map(Some),
        };
        let effective_from = match body.get("effective_from") {
            None | Some(Value::Null) => Some(today),
            Some(Value::String(raw)) => errors.take(parse_date("effective_from", raw)),
            Some(_) => {
                errors.push(FieldError::new("effective_from", "date", "must be a date as YYYY-MM-DD"));
                None
            }
        };
        errors.finish()?;
        match (name, currency, nominal_value, votes_per_share, authorised, effective_from) {
            (Some(name), Some(currency), Some(nominal_value), Some(votes_per_share), Some(authorised), Some(from)) => {
                Ok(Self { name, currency, nominal_value, votes_per_share, authorised, effective_from: from })
            }
            _ => Err(Invalid(vec![FieldError::new("body", "required", "incomplete share class")])),
        }
    }
}

/// What a ledger transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    /// New shares to a holder.
    Issuance,
    /// Shares from one holder to another.
    Transfer,
    /// Shares of a holder cancelled or redeemed.
    Cancellation,
    /// Every holding of the class multiplied by `ratio` (a consolidation
    /// when the ratio is below one).
    Split,
    /// A holder's shares of one class turned into shares of another.
    Conversion,
    /// Takes back an earlier transaction recorded in error (`reverses`): as
    /// known from then on, the ledger stands as if it had never been made;
    /// as known before, it did. Recorded through its own endpoint.
    Reversal,
}

impl TransactionKind {
    pub const ALL: [Self; 6] =
        [Self::Issuance, Self::Transfer, Self::Cancellation, Self::Split, Self::Conversion, Self::Reversal];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issuance => "issuance",
            Self::Transfer => "transfer",
            Self::Cancellation => "cancellation",
            Self::Split => "split",
            Self::Conversion => "conversion",
            Self::Reversal => "reversal",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| {
            FieldError::new(
                field,
                "one_of",
                "must be one of: issuance, transfer, cancellation, split, conversion, reversal",
            )
        })
    }
}

/// One transaction of the ledger, new or on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub id: ShareTransactionId,
    pub kind: TransactionKind,
    pub class: ShareClassId,
    pub effective_on: NaiveDate,
    pub from: Option<Holder>,
    pub to: Option<Holder>,
    /// Shares moved (for a split: unused, 0).
    pub shares: i64,
    /// A conversion's target class and the shares it yields.
    pub to_class: Option<ShareClassId>,
    pub to_shares: Option<i64>,
    /// A split's ratio: new shares per old share, as numerator / denominator.
    pub ratio: Option<(i64, i64)>,
    pub reason: Option<String>,
    /// A reversal's transaction, taken back.
    pub reverses: Option<ShareTransactionId>,
}

impl Transaction {
    const FIELDS: [&'static str; 11] = [
        "kind",
        "share_class_id",
        "from_holder",
        "to_holder",
        "shares",
        "effective_from",
        "to_share_class_id",
        "to_shares",
        "ratio_numerator",
        "ratio_denominator",
        "reason",
    ];

    /// Parses a new transaction; which holders and amounts it needs depends
    /// on its kind. A holder named by its joint holders comes back as the
    /// joint holding as well, to be recorded if it is new.
    pub fn parse(body: &Map<String, Value>, today: NaiveDate) -> Result<(Self, Vec<JointHolding>), Invalid> {
        let mut errors = Collector::new();
        for key in body.keys().filter(|k| !Self::FIELDS.contains(&k.as_str())) {
            errors.push(FieldError::new(key.clone(), "unknown_field", "is not a field of a share transaction"));
        }
        let present = |field: &str| body.get(field).filter(|v| !v.is_null());
        let required = |errors: &mut Collector, field: &str| {
            errors.push(FieldError::new(field, "required", "is required for this kind of transaction"));
        };
        let forbidden = |errors: &mut Collector, field: &str| {
            errors.push(FieldError::new(field, "not_allowed", "does not belong to this kind of transaction"));
        };
        let kind = match present("kind").and_then(Value::as_str) {
            Some(raw) => errors.take(TransactionKind::parse("kind", raw)),
            None => {
                errors.push(FieldError::new("kind", "required", "is required"));
                None
            }
        };
        let class = match present("share_class_id").and_then(Value::as_str) {
            Some(raw) => errors.take(ShareClassId::parse("share_class_id", raw)),
            None => {
                errors.push(FieldError::new("share_class_id", "required", "is required"));
                None
            }
        };
        let mut joint_holdings: Vec<JointHolding> = Vec::new();
        let mut holder = |errors: &mut Collector, field: &str| {
            let value = present(field)?;
            match value.as_object().and_then(|o| o.get("joint_holders").filter(|_| o.len() == 1)) {
                Some(members) => {
                    errors.take(JointHolding::parse(&format!("{field}.joint_holders"), members)).map(|j| {
                        let id = j.id;
                        joint_holdings.push(j);
                        Holder::Joint(id)
                    })
                }
                None => errors.take(Holder::parse_shareholder(field, value).map_err(|e| {
                    if e.rule == "holder" {
                        FieldError::new(
                            field,
                            "holder",
                            format!("{}, or {{\"joint_holders\": [{{\"person_id\": …}}, …]}}", e.message),
                        )
                    } else {
                        e
                    }
                })),
            }
        };
        let from = holder(&mut errors, "from_holder");
        let to = holder(&mut errors, "to_holder");
        let count =
            |errors: &mut Collector, field: &str| present(field).and_then(|v| errors.take(parse_shares(field, v)));
        let shares = count(&mut errors, "shares");
        let to_shares = count(&mut errors, "to_shares");
        let numerator = count(&mut errors, "ratio_numerator");
        let denominator = count(&mut errors, "ratio_denominator");
        let to_class = present("to_share_class_id")
            .and_then(Value::as_str)
            .and_then(|raw| errors.take(ShareClassId::parse("to_share_class_id", raw)));
        let effective_on = match present("effective_from") {
            None => Some(today),
            Some(Value::String(raw)) => errors.take(parse_date("effective_from", raw)),
            Some(_) => {
                errors.push(FieldError::new("effective_from", "date", "must be a date as YYYY-MM-DD"));
                None
            }
        };
        let reason =
            present("reason").and_then(Value::as_str).and_then(|raw| errors.take(bounded_text("reason", raw, 500)));
        if let Some(kind) = kind {
            let needs = |errors: &mut Collector, field: &str, given: bool, wanted: bool| match (given, wanted) {
                (false, true) if !errors.fields().any(|f| f == field) => required(errors, field),
                (true, false) => forbidden(errors, field),
                _ => {}
            };
            let given = |field: &str| present(field).is_some();
            let (wants_from, wants_to, wants_shares) = match kind {
                TransactionKind::Issuance => (false, true, true),
                TransactionKind::Transfer => (true, true, true),
                TransactionKind::Cancellation => (true, false, true),
                TransactionKind::Split => (false, false, false),
                TransactionKind::Conversion => (true, given("to_holder"), true),
                TransactionKind::Reversal => {
                    errors.push(FieldError::new(
                        "kind",
                        "reversal_endpoint",
                        "a reversal takes back a recorded transaction: POST …/share-transactions/{id}/reversal",
                    ));
                    (false, false, false)
                }
            };
            needs(&mut errors, "from_holder", given("from_holder"), wants_from);
            needs(&mut errors, "to_holder", given("to_holder"), wants_to);
            needs(&mut errors, "shares", given("shares"), wants_shares);
            let conversion = kind == TransactionKind::Conversion;
            needs(&mut errors, "to_share_class_id", given("to_share_class_id"), conversion);
            needs(&mut errors, "to_shares", given("to_shares"), conversion && given("to_shares"));
            let split = kind == TransactionKind::Split;
            needs(&mut errors, "ratio_numerator", given("ratio_numerator"), split);
            needs(&mut errors, "ratio_denominator", given("ratio_denominator"), split);
            if kind == TransactionKind::Transfer && from.is_some() && from == to {
                errors.push(FieldError::new("to_holder", "different_holder", "must differ from from_holder"));
            }
            if conversion && to_class.is_some() && to_class == class {
                errors.push(FieldError::new("to_share_class_id", "different_class", "must differ from share_class_id"));
            }
            if split && numerator.is_some() && numerator == denominator {
                errors.push(FieldError::new("ratio_numerator", "not_one", "a split's ratio must not be 1"));
            }
        }
        errors.finish()?;
        let (Some(kind), Some(class), Some(effective_on)) = (kind, class, effective_on) else {
            return Err(Invalid(vec![FieldError::new("body", "required", "incomplete share transaction")]));
        };
        let to_shares = match kind {
            TransactionKind::Conversion => to_shares.or(shares),
            _ => None,
        };
        let to = match kind {
            TransactionKind::Conversion => to.or(from),
            _ => to,
        };
        let transaction = Self {
            id: ShareTransactionId::generate(),
            kind,
            class,
            effective_on,
            from,
            to,
            shares: shares.unwrap_or(0),
            to_class,
            to_shares,
            ratio: numerator.zip(denominator),
            reason,
            reverses: None,
        };
        Ok((transaction, joint_holdings))
    }

    /// The reversal of `original` (a transaction on record, not itself a
    /// reversal), for `reason`: of its class, from its date, so that every
    /// date it changed is checked again without it.
    pub fn reversal(original: &Transaction, reason: &str) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        if original.kind == TransactionKind::Reversal {
            errors.push(FieldError::new(
                "id",
                "not_a_reversal",
                "a reversal cannot be reversed: record the transaction it took back again",
            ));
        }
        let reason = errors.take(bounded_text("reason", reason, 500));
        errors.finish()?;
        Ok(Self {
            id: ShareTransactionId::generate(),
            kind: TransactionKind::Reversal,
            class: original.class,
            effective_on: original.effective_on,
            from: None,
            to: None,
            shares: 0,
            to_class: None,
            to_shares: None,
            ratio: None,
            reason,
            reverses: Some(original.id),
        })
    }

    /// The classes this transaction touches.
    pub fn classes(&self) -> impl Iterator<Item = ShareClassId> {
        std::iter::once(self.class).chain(self.to_class)
    }

    /// The holders this transaction names.
    pub fn holders(&self) -> impl Iterator<Item = Holder> {
        self.from.into_iter().chain(self.to)
    }
}

/// The authorised share capital of a class over time: `[from, to)` → limit
/// (`None`: unlimited).
pub type Authorised = Vec<(NaiveDate, Option<NaiveDate>, Option<i64>)>;

/// A change of a class's authorised capital (a resolution raising or
/// lowering it, or lifting the limit): `authorised` (`None`: unlimited)
/// from `change.from` on, replacing what was on record from that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorisedChange {
    pub authorised: Option<i64>,
    pub change: EffectiveChange,
}

impl AuthorisedChange {
    const FIELDS: [&'static str; 3] = ["authorised_shares", "effective_from", "reason"];

    /// `authorised_shares` (a whole number, or `null` for unlimited:
    /// required), `effective_from` (default `today`) and `reason` (required
    /// when back-dated, as any correction).
    pub fn parse(body: &Map<String, Value>, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        for key in body.keys().filter(|k| !Self::FIELDS.contains(&k.as_str())) {
            errors.push(FieldError::new(
                key.clone(),
                "unknown_field",
                "is not a field of a change of authorised capital",
            ));
        }
        let authorised = match body.get("authorised_shares") {
            None => {
                errors.push(FieldError::new(
                    "authorised_shares",
                    "required",
                    "a number of shares, or null for unlimited",
                ));
                None
            }
            Some(Value::Null) => Some(None),
            Some(value) => errors.take(parse_shares("authorised_shares", value)).map(Some),
        };
        let text = |field: &str| body.get(field).and_then(Value::as_str);
        let change = match EffectiveChange::parse(text("effective_from"), None, text("reason"), today, true) {
            Ok(change) => Some(change),
            Err(Invalid(found)) => {
                found.into_iter().for_each(|e| errors.push(e));
                None
            }
        };
        errors.finish()?;
        match (authorised, change) {
            (Some(authorised), Some(change)) => Ok(Self { authorised, change }),
            _ => Err(Invalid(vec![FieldError::new("body", "required", "incomplete change")])),
        }
    }

    /// `current` with this change: periods before its day kept (the one
    /// running then ends on it), the new limit from that day on.
    pub fn applied_to(&self, current: &Authorised) -> Authorised {
        let from = self.change.from;
        let mut periods: Authorised = current
            .iter()
            .filter(|(start, _, _)| *start < from)
            .map(|(start, end, limit)| (*start, Some(end.map_or(from, |end| end.min(from))), *limit))
            .collect();
        periods.push((from, None, self.authorised));
        periods
    }
}

/// Holdings: (class, holder) → shares.
pub type Holdings = BTreeMap<(ShareClassId, Holder), i64>;

/// Holdings over time: for each class and holder, (date, shares at the end
/// of that date) from each date the holding may have changed on.
pub type Positions = BTreeMap<(ShareClassId, Holder), Vec<(NaiveDate, i64)>>;

/// Why a ledger cannot stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// A holder would hold fewer than zero shares on `date`.
    Negative { date: NaiveDate, class: ShareClassId, holder: Holder, shares: i64 },
    /// More shares of a class would be issued on `date` than authorised.
    OverAuthorised { date: NaiveDate, class: ShareClassId, issued: i64, authorised: i64 },
    /// Shares of a class would be issued on `date`, before its authorised
    /// capital starts (`from`): the class has none yet.
    BeforeAuthorised { date: NaiveDate, class: ShareClassId, from: NaiveDate },
    /// A split would leave a holder with a fraction of a share on `date`.
    Fractional { date: NaiveDate, class: ShareClassId, holder: Holder },
    /// A holder's outstanding share certificates would cover more shares
    /// than they hold on `date` (see `certificate::check_certificates_held`).
    UncoveredCertificates { date: NaiveDate, class: ShareClassId, holder: Holder, covered: i64, held: i64 },
}

impl Breach {
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::Negative { date, .. }
            | Self::OverAuthorised { date, .. }
            | Self::BeforeAuthorised { date, .. }
            | Self::Fractional { date, .. }
            | Self::UncoveredCertificates { date, .. } => *date,
        }
    }

    /// The same breach as a field error of the transaction that caused it.
    pub fn to_field_error(&self) -> FieldError {
        match self {
            Self::Negative { date, shares, .. } => FieldError::new(
                "shares",
                "insufficient_shares",
                format!("the holder would hold {shares} shares on {date}: not enough shares at that date"),
            ),
            Self::OverAuthorised { date, issued, authorised, .. } => FieldError::new(
                "shares",
                "exceeds_authorised",
                format!("{issued} shares would be issued on {date}, more than the {authorised} authorised"),
            ),
            Self::Fractional { date, .. } => FieldError::new(
                "ratio_numerator",
                "whole_shares",
                format!("the split would leave a holder with a fraction of a share on {date}"),
            ),
            Self::BeforeAuthorised { date, from, .. } => FieldError::new(
                "effective_from",
                "before_authorised_capital",
                format!(
                    "shares of the class would be issued on {date}, before its authorised capital starts on {from}: \
                     change the authorised capital from an earlier date first"
                ),
            ),
            Self::UncoveredCertificates { date, covered, held, .. } => FieldError::new(
                "shares",
                "certificates_outstanding",
                format!(
                    "on {date} the holder's outstanding share certificates would cover {covered} shares, more than \
                     the {held} held: cancel or replace them first"
                ),
            ),
        }
    }
}

/// The ledger of one issuer, in the order it takes effect: by date, then in
/// the order recorded.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    transactions: Vec<Transaction>,
}

impl Ledger {
    /// `transactions` in the order they were recorded. Reversals and the
    /// transactions they took back are left out: neither has any effect.
    pub fn new(mut transactions: Vec<Transaction>) -> Self {
        let reversed: BTreeSet<ShareTransactionId> = transactions.iter().filter_map(|t| t.reverses).collect();
        transactions.retain(|t| t.kind != TransactionKind::Reversal && !reversed.contains(&t.id));
        // A stable sort keeps the recorded order within a date.
        transactions.sort_by_key(|t| t.effective_on);
        Self { transactions }
    }

    pub fn len(&self) -> usize {
        self.transactions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }

    /// The ledger with `transaction` recorded last (a reversal: without the
    /// transaction it takes back).
    pub fn with(&self, transaction: Transaction) -> Self {
        let mut transactions = self.transactions.clone();
        if let Some(reversed) = transaction.reverses {
            transactions.retain(|t| t.id != reversed);
            return Self { transactions };
        }
        let at = transactions.partition_point(|t| t.effective_on <= transaction.effective_on);
        transactions.insert(at, transaction);
        Self { transactions }
    }

    /// Holdings at the end of `date` (zero holdings left out).
    pub fn holdings(&self, date: NaiveDate) -> Holdings {
        let mut holdings = Holdings::new();
        for t in self.transactions.iter().take_while(|t| t.effective_on <= date) {
            apply(&mut holdings, t);
        }
        holdings.retain(|_, shares| *shares != 0);
        holdings
    }

    /// Every holding over time: for each class and holder, the shares held
    /// at the end of each date on which a transaction touched them (a split
    /// touches every holder of its class), in date order. The same replay
    /// as [`holdings`](Self::holdings), kept as a series.
    pub fn positions(&self) -> Positions {
        let mut holdings = Holdings::new();
        let mut positions = Positions::new();
        let mut touched: BTreeSet<(ShareClassId, Holder)> = BTreeSet::new();
        for (n, t) in self.transactions.iter().enumerate() {
            match t.kind {
                TransactionKind::Split => {
                    touched.extend(holdings.keys().filter(|(class, _)| *class == t.class).copied());
                }
                _ => {
                    touched.extend(t.from.map(|from| (t.class, from)));
                    touched.extend(t.to.map(|to| (t.to_class.unwrap_or(t.class), to)));
                }
            }
            apply(&mut holdings, t);
            let date_ends = self.transactions.get(n + 1).is_none_or(|next| next.effective_on != t.effective_on);
            if date_ends {
                for pair in std::mem::take(&mut touched) {
                    let shares = holdings.get(&pair).copied().unwrap_or(0);
                    positions.entry(pair).or_default().push((t.effective_on, shares));
                }
            }
        }
        positions
    }

    /// Replays the whole ledger and reports the first date on which it breaks
    /// a rule: a negative holding, more issued than authorised (checked also
    /// on the dates the authorised capital changes; before a class's first
    /// period it has none), a fractional split.
    pub fn check(&self, authorised: &BTreeMap<ShareClassId, Authorised>) -> Result<(), Breach> {
        let mut dates: BTreeSet<NaiveDate> = self.transactions.iter().map(|t| t.effective_on).collect();
        let first = dates.first().copied();
        for versions in authorised.values() {
            dates.extend(versions.iter().map(|v| v.0).filter(|d| first.is_some_and(|f| *d > f)));
        }
        let mut holdings = Holdings::new();
        let mut next = 0;
        for date in dates {
            while let Some(t) = self.transactions.get(next).filter(|t| t.effective_on == date) {
                if let (TransactionKind::Split, Some((n, d))) = (t.kind, t.ratio) {
                    for ((class, holder), shares) in holdings.iter().filter(|((c, _), _)| *c == t.class) {
                        if shares.checked_mul(n).is_none_or(|s| s % d != 0) {
                            return Err(Breach::Fractional { date, class: *class, holder: *holder });
                        }
                    }
                }
                apply(&mut holdings, t);
                next += 1;
            }
            if let Some(((class, holder), shares)) = holdings.iter().find(|(_, shares)| **shares < 0) {
                return Err(Breach::Negative { date, class: *class, holder: *holder, shares: *shares });
            }
            for (class, versions) in authorised {
                let limit = versions
                    .iter()
                    .find(|(from, to, _)| *from <= date && to.is_none_or(|to| date < to))
                    .and_then(|v| v.2);
                let issued: i64 = holdings.iter().filter(|((c, _), _)| c == class).map(|(_, s)| *s).sum();
                if let Some(from) = versions.iter().map(|v| v.0).min()
                    && date < from
                    && issued > 0
                {
                    return Err(Breach::BeforeAuthorised { date, class: *class, from });
                }
                if let Some(limit) = limit
                    && issued > limit
                {
                    return Err(Breach::OverAuthorised { date, class: *class, issued, authorised: limit });
                }
            }
        }
        Ok(())
    }
}

/// What a class's shares weigh: nominal value (capital) and votes per share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassTerms {
    pub nominal_value: Decimal6,
    pub votes_per_share: Decimal6,
}

/// One holding with its fraction of the issuer's capital and votes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighted {
    pub class: ShareClassId,
    pub holder: Holder,
    pub shares: i64,
    /// Fraction (0..=1) of the issued capital: by nominal value, or by share
    /// count when every class has a nominal value of zero.
    pub capital: f64,
    pub votes: f64,
}

/// Each positive holding weighted against the issuer's whole issued capital
/// and votes, exactly (integer millionths) until the final division.
pub fn weigh(holdings: &Holdings, terms: &BTreeMap<ShareClassId, ClassTerms>) -> Vec<Weighted> {
    let by_nominal = terms.values().any(|t| t.nominal_value != Decimal6::ZERO);
    let capital = |class: &ShareClassId, shares: i64| match terms.get(class) {
        Some(t) if by_nominal => i128::from(shares) * t.nominal_value.millionths(),
        Some(_) => i128::from(shares),
        None => 0,
    };
    let votes = |class: &ShareClassId, shares: i64| {
        terms.get(class).map_or(0, |t| i128::from(shares) * t.votes_per_share.millionths())
    };
    let positive = || holdings.iter().filter(|(_, shares)| **shares > 0);
    let total_capital: i128 = positive().map(|((c, _), s)| capital(c, *s)).sum();
    let total_votes: i128 = positive().map(|((c, _), s)| votes(c, *s)).sum();
    let fraction = |part: i128, whole: i128| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
    positive()
        .map(|((class, holder), shares)| Weighted {
            class: *class,
            holder: *holder,
            shares: *shares,
            capital: fraction(capital(class, *shares), total_capital),
            votes: fraction(votes(class, *shares), total_votes),
        })
        .collect()
}

fn apply(holdings: &mut Holdings, t: &Transaction) {
    let mut add = |class: ShareClassId, holder: Holder, shares: i64| {
        *holdings.entry((class, holder)).or_insert(0) += shares;
    };
    match t.kind {
        TransactionKind::Issuance => {
            if let Some(to) = t.to {
                add(t.class, to, t.shares);
            }
        }
        TransactionKind::Transfer => {
            if let (Some(from), Some(to)) = (t.from, t.to) {
                add(t.class, from, -t.shares);
                add(t.class, to, t.shares);
            }
        }
        TransactionKind::Cancellation => {
            if let Some(from) = t.from {
                add(t.class, from, -t.shares);
            }
        }
        TransactionKind::Conversion => {
            if let (Some(from), Some(to), Some(to_class)) = (t.from, t.to, t.to_class) {
                add(t.class, from, -t.shares);
                add(to_class, to, t.to_shares.unwrap_or(t.shares));
            }
        }
        TransactionKind::Split => {
            if let Some((n, d)) = t.ratio {
                for ((class, _), shares) in holdings.iter_mut() {
                    if *class == t.class {
                        *shares = shares.saturating_mul(n) / d;
                    }
                }
            }
        }
        // Its effect is the absence of the transaction it took back, which
        // `Ledger` leaves out.
        TransactionKind::Reversal => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ids::PersonId;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn tx(
        kind: TransactionKind,
        class: ShareClassId,
        on: &str,
        from: Option<Holder>,
        to: Option<Holder>,
        shares: i64,
    ) -> Transaction {
        Transaction {
            id: ShareTransactionId::generate(),
            kind,
            class,
            effective_on: day(on),
            from,
            to,
            shares,
            to_class: None,
            to_shares: None,
            ratio: None,
            reason: None,
            reverses: None,
        }
    }

    #[test]
    fn a_reversal_leaves_the_ledger_as_if_the_transaction_had_never_been_made() {
        let class = ShareClassId::generate();
        let (pat, lee) = (Holder::Person(PersonId::generate()), Holder::Person(PersonId::generate()));
        let issued = tx(TransactionKind::Issuance, class, "2022-01-01", None, Some(pat), 600);
        let moved = tx(TransactionKind::Transfer, class, "2024-01-01", Some(pat), Some(lee), 100);
        let ledger = Ledger::new(vec![issued.clone(), moved.clone()]);
        let reversal = Transaction::reversal(&moved, "recorded against the wrong holder").unwrap();
        assert_eq!(
            (reversal.class, reversal.effective_on, reversal.reverses),
            (class, moved.effective_on, Some(moved.id))
        );
        let without = ledger.with(reversal.clone());
        assert_eq!(without.holdings(day("2024-06-30")), Holdings::from([((class, pat), 600)]));
        assert_eq!(without.positions(), Ledger::new(vec![issued.clone()]).positions());
        // Read back from the database: both rows, in the order recorded.
        let read = Ledger::new(vec![issued.clone(), moved, reversal.clone()]);
        assert_eq!(read.holdings(day("2024-06-30")), without.holdings(day("2024-06-30")));
        assert_eq!(read.len(), 1);
        // Taking back the issuance would leave the later transfer short.
        let overdrawn = ledger.with(Transaction::reversal(&issued, "never issued").unwrap());
        assert!(
            matches!(overdrawn.check(&BTreeMap::new()), Err(Breach::Negative { date, .. }) if date == day("2024-01-01"))
        );
        // A reversal is not reversed, a reason is needed, and POST …/share-transactions records none.
        assert_eq!(Transaction::reversal(&reversal, "undo").unwrap_err().0[0].rule, "not_a_reversal");
        assert_eq!(Transaction::reversal(&issued, "  ").unwrap_err().0[0].field, "reason");
        let body = json!({"kind": "reversal", "share_class_id": class.as_uuid().to_string()});
        let refused = Transaction::parse(body.as_object().unwrap(), day("2026-01-01")).unwrap_err();
        assert!(refused.0.iter().any(|e| e.rule == "reversal_endpoint"), "{refused:?}");
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(Decimal6::parse("v", &json!("0.01")).unwrap().millionths(), 10_000);
        assert_eq!(Decimal6::parse("v", &json!(1)).unwrap(), Decimal6::ONE);
        assert_eq!(Decimal6::parse("v", &json!("12.5")).unwrap().to_text(), "12.5");
        for bad in [json!("-1"), json!("1.1234567"), json!("abc"), json!(""), json!(true)] {
            assert!(Decimal6::parse("v", &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn transactions_name_what_their_kind_needs() {
        let class = ShareClassId::generate().as_uuid().to_string();
        let person = PersonId::generate().as_uuid().to_string();
        let today = day("2026-01-01");
        let body = |v: Value| v.as_object().unwrap().clone();
        let issuance = body(
            json!({"kind": "issuance", "share_class_id": class, "to_holder": {"person_id": person}, "shares": 10}),
        );
        assert!(Transaction::parse(&issuance, today).is_ok());
        let no_holder =
            body(json!({"kind": "transfer", "share_class_id": class, "to_holder": {"person_id": person}, "shares": 0}));
        let fields: Vec<_> =
            Transaction::parse(&no_holder, today).unwrap_err().0.into_iter().map(|e| (e.field, e.rule)).collect();
        assert!(fields.contains(&("shares".into(), "positive")), "{fields:?}");
        assert!(fields.contains(&("from_holder".into(), "required")), "{fields:?}");
    }

    #[test]
    fn a_back_dated_transfer_may_not_overdraw_a_later_position() {
        let class = ShareClassId::generate();
        let (pat, lee, kim) = (
            Holder::Person(PersonId::generate()),
            Holder::Person(PersonId::generate()),
            Holder::Person(PersonId::generate()),
        );
        let ledger = Ledger::new(vec![
            tx(TransactionKind::Issuance, class, "2022-01-01", None, Some(pat), 600),
            tx(TransactionKind::Transfer, class, "2024-01-01", Some(pat), Some(lee), 500),
        ]);
        let authorised = BTreeMap::from([(class, vec![(day("2020-01-01"), None, Some(1000))])]);
        assert_eq!(ledger.check(&authorised), Ok(()));
        let late = ledger.with(tx(TransactionKind::Transfer, class, "2023-01-01", Some(pat), Some(kim), 200));
        assert_eq!(late.check(&authorised).unwrap_err().date(), day("2024-01-01"));
        assert_eq!(late.holdings(day("2023-06-30")).get(&(class, pat)), Some(&400));
    }

    #[test]
    fn issuance_stays_within_authorised_capital_and_splits_scale_holdings() {
        let class = ShareClassId::generate();
        let pat = Holder::Person(PersonId::generate());
        let authorised = BTreeMap::from([(class, vec![(day("2020-01-01"), None, Some(1000))])]);
        let ledger = Ledger::new(vec![tx(TransactionKind::Issuance, class, "2022-01-01", None, Some(pat), 1001)]);
        assert!(matches!(ledger.check(&authorised), Err(Breach::OverAuthorised { issued: 1001, .. })));
        let mut split = tx(TransactionKind::Split, class, "2023-01-01", None, None, 0);
        split.ratio = Some((3, 2));
        let ledger =
            Ledger::new(vec![tx(TransactionKind::Issuance, class, "2022-01-01", None, Some(pat), 400), split.clone()]);
        assert_eq!(ledger.holdings(day("2023-01-01")).get(&(class, pat)), Some(&600));
        let odd = Ledger::new(vec![tx(TransactionKind::Issuance, class, "2022-01-01", None, Some(pat), 401), split]);
        assert!(matches!(odd.check(&authorised), Err(Breach::Fractional { .. })));
    }

    #[test]
    fn no_shares_are_issued_before_the_class_has_authorised_capital() {
        let class = ShareClassId::generate();
        let pat = Holder::Person(PersonId::generate());
        let authorised = BTreeMap::from([(class, vec![(day("2022-01-01"), None, Some(1000))])]);
        // 2002 for 2022: a slip of a key.
        let early = Ledger::new(vec![tx(TransactionKind::Issuance, class, "2002-01-01", None, Some(pat), 10)]);
        let breach = early.check(&authorised).unwrap_err();
        assert!(matches!(breach, Breach::BeforeAuthorised { from, .. } if from == day("2022-01-01")), "{breach:?}");
        assert_eq!((breach.date(), breach.to_field_error().field.as_str()), (day("2002-01-01"), "effective_from"));
        // On the first day it is fine; and a class whose capital is set
        // from earlier takes the early issuance.
        let on_time = Ledger::new(vec![tx(TransactionKind::Issuance, class, "2022-01-01", None, Some(pat), 10)]);
        assert_eq!(on_time.check(&authorised), Ok(()));
        let earlier = AuthorisedChange {
            authorised: Some(1000),
            change: EffectiveChange { from: day("2001-01-01"), to: None, reason: Some("articles".into()) },
        };
        let extended = BTreeMap::from([(class, earlier.applied_to(&authorised[&class]))]);
        assert_eq!(early.check(&extended), Ok(()));
    }

    #[test]
    fn positions_are_the_holdings_of_every_date() {
        let (class, other) = (ShareClassId::generate(), ShareClassId::generate());
        let (pat, lee) = (Holder::Person(PersonId::generate()), Holder::Person(PersonId::generate()));
        let mut split = tx(TransactionKind::Split, class, "2023-01-01", None, None, 0);
        split.ratio = Some((2, 1));
        let mut conversion = tx(TransactionKind::Conversion, class, "2024-01-01", Some(lee), Some(lee), 100);
        (conversion.to_class, conversion.to_shares) = (Some(other), Some(50));
        let ledger = Ledger::new(vec![
            tx(TransactionKind::Issuance, class, "2022-01-01", None, Some(pat), 400),
            tx(TransactionKind::Transfer, class, "2022-06-01", Some(pat), Some(lee), 100),
            tx(TransactionKind::Transfer, class, "2022-06-01", Some(lee), Some(pat), 40),
            split,
            conversion,
            tx(TransactionKind::Cancellation, class, "2025-01-01", Some(pat), None, 680),
        ]);
        let positions = ledger.positions();
        assert_eq!(
            positions[&(class, lee)],
            [(day("2022-06-01"), 60), (day("2023-01-01"), 120), (day("2024-01-01"), 20)]
        );
        assert_eq!(positions[&(other, lee)], [(day("2024-01-01"), 50)]);
        assert_eq!(positions[&(class, pat)].last(), Some(&(day("2025-01-01"), 0)));
        // At any date, the latest position on or before it is the replayed holding.
        for date in ["2021-12-31", "2022-01-01", "2022-06-01", "2022-12-31", "2023-01-01", "2024-06-30", "2026-01-01"] {
            let at: Holdings = positions
                .iter()
                .filter_map(|(pair, series)| {
                    let shares = series.iter().take_while(|(on, _)| *on <= day(date)).last()?.1;
                    (shares != 0).then_some((*pair, shares))
                })
                .collect();
            assert_eq!(at, ledger.holdings(day(date)), "{date}");
        }
    }

    #[test]
    fn a_change_of_authorised_capital_ends_the_period_running_on_its_day() {
        let today = day("2026-06-01");
        let body = |json: serde_json::Value| json.as_object().cloned().unwrap();
        let current: Authorised =
            vec![(day("2020-01-01"), Some(day("2022-01-01")), Some(500)), (day("2022-01-01"), None, Some(1000))];
        let raise = AuthorisedChange::parse(
            &body(serde_json::json!({ "authorised_shares": 5000, "effective_from": "2024-01-01", "reason": "resolution" })),
            today,
        )
        .unwrap();
        assert_eq!(
            raise.applied_to(&current),
            vec![
                (day("2020-01-01"), Some(day("2022-01-01")), Some(500)),
                (day("2022-01-01"), Some(day("2024-01-01")), Some(1000)),
                (day("2024-01-01"), None, Some(5000)),
            ]
        );
        // From before every period: the class's capital from then on.
        let earlier = AuthorisedChange::parse(
            &body(
                serde_json::json!({ "authorised_shares": null, "effective_from": "2019-01-01", "reason": "articles" }),
            ),
            today,
        )
        .unwrap();
        assert_eq!(earlier.applied_to(&current), vec![(day("2019-01-01"), None, None)]);
        // Scheduled on a later day, no reason needed; the limit is required.
        assert!(
            AuthorisedChange::parse(
                &body(serde_json::json!({ "authorised_shares": 10, "effective_from": "2027-01-01" })),
                today
            )
            .is_ok()
        );
        let Invalid(errors) =
            AuthorisedChange::parse(&body(serde_json::json!({ "effective_from": "2020-01-01", "valid": 1 })), today)
                .unwrap_err();
        let rules: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert!(rules.contains(&("valid", "unknown_field")), "{rules:?}");
        assert!(rules.contains(&("authorised_shares", "required")), "{rules:?}");
        assert!(rules.contains(&("reason", "required_for_correction")), "{rules:?}");
    }
}
