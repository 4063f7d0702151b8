//! Share capital: classes, their authorised capital over time, and the
//! append-only ledger. The rules (no negative holding, never more issued
//! than authorised, at any date) live in `charter_domain::shares`; this
//! module loads what they need, under a lock on the issuer so that two
//! transactions of one issuer are checked one after the other.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use charter_domain::{
    appointment::Holder,
    certificate::{Certificate, check_certificates_held},
    ids::{EntityId, JointHoldingId, PersonId, ShareClassId, ShareTransactionId},
    joint::JointHolding,
    shares::{
        Authorised, AuthorisedChange, Breach, Decimal6, Holdings, Ledger, ShareClassInput, Transaction, TransactionKind,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::{Row, types::ToSql};

use super::TenantTx;
use crate::StoreError;

/// A class of shares as on record now.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareClassRecord {
    pub id: ShareClassId,
    pub entity: EntityId,
    pub name: String,
    pub currency: String,
    pub nominal_value: Decimal6,
    pub votes_per_share: Decimal6,
    /// The authorised capital over time (`None`: unlimited).
    pub authorised: Authorised,
    /// Whether the class issues share certificates.
    pub certificated: bool,
    pub created_at: DateTime<Utc>,
}

/// A recorded transaction with when and by whom.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRecord {
    pub issuer: EntityId,
    pub transaction: Transaction,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

const CLASS_COLUMNS: &str = "c.id, c.entity_id, c.name, c.currency, (c.nominal_value * 1000000)::text,
    (c.votes_per_share * 1000000)::text, c.created_at";

/// The constraint that lets a transaction be reversed once (ddl 0018): a
/// second reversal's `StoreError::Conflict` names it.
pub const REVERSED_ONCE: &str = "share_transaction_reversed_once";

/// A transaction `t` not reversed by a reversal on record at `$4` (a
/// time, or NULL for now), of tenant `$1`.
const NOT_REVERSED: &str = "NOT EXISTS (SELECT FROM charter.share_transaction r
                 WHERE r.tenant_id = $1 AND r.reverses = t.id AND ($4::timestamptz IS NULL OR r.recorded_at <= $4))";

const TRANSACTION_COLUMNS: &str = "t.id, t.issuer_id, t.kind, t.share_class_id, t.effective_on, t.from_person_id,
    t.from_entity_id, t.to_person_id, t.to_entity_id, t.shares, t.to_share_class_id, t.to_shares,
    t.ratio_numerator, t.ratio_denominator, t.reason, t.recorded_at, t.recorded_by, t.from_joint_holding_id,
    t.to_joint_holding_id, t.reverses";

fn millionths(row: &Row, index: usize) -> Result<Decimal6, StoreError> {
    let raw: String = row.get(index);
    let whole = raw.split('.').next().unwrap_or(&raw);
    whole
        .parse::<i128>()
        .map(Decimal6::from_millionths)
        .map_err(|e| StoreError::Internal(format!("numeric {raw} out of range: {e}")))
}

/// A holder from its columns (a CHECK keeps at most one of them set).
pub(super) fn holder(
    person: Option<uuid::Uuid>,
    entity: Option<uuid::Uuid>,
    joint: Option<uuid::Uuid>,
) -> Option<Holder> {
    match (person, entity, joint) {
        (Some(p), _, _) => Some(Holder::Person(PersonId::from_uuid(p))),
        (None, Some(e), _) => Some(Holder::Entity(EntityId::from_uuid(e))),
        (None, None, Some(j)) => Some(Holder::Joint(JointHoldingId::from_uuid(j))),
        (None, None, None) => None,
    }
}

/// Position rows written per statement.
const POSITIONS_PER_STATEMENT: usize = 10_000;

/// Each holder `h` (a `share_holder` row) of a class with its shares at the
/// end of `$2` (the tenant is `$1`): the latest position when it is not after
/// the date, else the last one on or before it (`NULL` before the first).
const HOLDING_COLUMNS: &str = "h.issuer_id, h.share_class_id, h.person_id, h.entity_id, h.joint_holding_id,
           CASE WHEN h.latest_on <= $2 THEN h.latest_shares
                ELSE (SELECT p.shares FROM charter.share_position p
                       WHERE p.tenant_id = $1 AND p.share_class_id = h.share_class_id AND p.holder_id = h.holder_id
                         AND p.effective_on <= $2
                       ORDER BY p.effective_on DESC LIMIT 1) END";

/// The holders of the issuer `i.id`, probed one issuer at a time (`OFFSET 0`
/// keeps the probes apart; given a list, the planner read every holder of
/// the tenant and hashed).
const HOLDERS_OF_ISSUER: &str = "CROSS JOIN LATERAL (SELECT * FROM charter.share_holder h
                                   WHERE h.tenant_id = $1 AND h.issuer_id = i.id OFFSET 0) h";

/// Rows of [`HOLDING_COLUMNS`] into holdings by issuer (nothing held left out).
fn collect_holdings(rows: &[Row], holdings: &mut BTreeMap<EntityId, Holdings>) {
    for r in rows {
        let shares: Option<i64> = r.get(5);
        if let (Some(shares @ 1..), Some(h)) = (shares, holder(r.get(2), r.get(3), r.get(4))) {
            holdings
                .entry(EntityId::from_uuid(r.get(0)))
                .or_default()
                .insert((ShareClassId::from_uuid(r.get(1)), h), shares);
        }
    }
}

/// A holder's columns: person, entity, joint holding (at most one set).
pub(super) fn holder_columns(holder: Option<Holder>) -> [Option<uuid::Uuid>; 3] {
    match holder {
        Some(Holder::Person(p)) => [Some(p.as_uuid()), None, None],
        Some(Holder::Entity(e)) => [None, Some(e.as_uuid()), None],
        Some(Holder::Joint(j)) => [None, None, Some(j.as_uuid())],
        None => [None, None, None],
    }
}

fn transaction_record(row: &Row) -> Result<TransactionRecord, StoreError> {
    let kind: String = row.get(2);
    let kind = TransactionKind::parse("kind", &kind).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(TransactionRecord {
        issuer: EntityId::from_uuid(row.get(1)),
        transaction: Transaction {
            id: ShareTransactionId::from_uuid(row.get(0)),
            kind,
            class: ShareClassId::from_uuid(row.get(3)),
            effective_on: row.get(4),
            from: holder(row.get(5), row.get(6), row.get(17)),
            to: holder(row.get(7), row.get(8), row.get(18)),
            shares: row.get(9),
            to_class: row.get::<_, Option<uuid::Uuid>>(10).map(ShareClassId::from_uuid),
            to_shares: row.get(11),
            ratio: row.get::<_, Option<i64>>(12).zip(row.get::<_, Option<i64>>(13)),
            reason: row.get(14),
            reverses: row.get::<_, Option<uuid::Uuid>>(19).map(ShareTransactionId::from_uuid),
        },
        recorded_at: row.get(15),
        recorded_by: row.get(16),
    })
}

impl TenantTx {
    /// Records a new class with its authorised capital from `input.effective_from`.
    pub async fn create_share_class(
        &mut self,
        id: ShareClassId,
        entity: EntityId,
        input: &ShareClassInput,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let (nominal, votes) =
            (input.nominal_value.millionths().to_string(), input.votes_per_share.millionths().to_string());
        self.execute(
            "INSERT INTO charter.share_class
                 (tenant_id, id, entity_id, name, currency, nominal_value, votes_per_share, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6::text::numeric / 1000000, $7::text::numeric / 1000000, $8)",
            &[&tenant, &id.as_uuid(), &entity.as_uuid(), &input.name, &input.currency, &nominal, &votes, &actor],
        )
        .await?;
        self.execute(
            "INSERT INTO charter.share_class_authorised
                 (tenant_id, id, share_class_id, valid, recorded, authorised, reason, recorded_by)
             VALUES ($1, gen_random_uuid(), $2, daterange($3, NULL), tstzrange(now(), NULL), $4, $5, $6)",
            &[&tenant, &id.as_uuid(), &input.effective_from, &input.authorised, &reason, &actor],
        )
        .await?;
        Ok(())
    }

    /// The classes of an entity (or one class), with their authorised capital as on record now.
    pub async fn share_classes(
        &mut self,
        entity: Option<EntityId>,
        class: Option<ShareClassId>,
    ) -> Result<Vec<ShareClassRecord>, StoreError> {
        let entities: Option<Vec<EntityId>> = entity.map(|e| vec![e]);
        self.share_classes_of(entities.as_deref(), class).await
    }

    /// The classes of several entities (`None`: any), or one class.
    pub async fn share_classes_of(
        &mut self,
        entities: Option<&[EntityId]>,
        class: Option<ShareClassId>,
    ) -> Result<Vec<ShareClassRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let entities: Option<Vec<uuid::Uuid>> = entities.map(|e| e.iter().map(|e| e.as_uuid()).collect());
        // For a list of issuers, one index probe each (`OFFSET 0` keeps them
        // apart): given the list as `= ANY`, the planner read every class
        // of the tenant and filtered.
        let class = class.map(|c| c.as_uuid());
        let (from, params): (&str, Vec<&(dyn ToSql + Sync)>) = match &entities {
            Some(entities) => (
                "unnest($3::uuid[]) AS e (id)
                 CROSS JOIN LATERAL (SELECT * FROM charter.share_class c
                                      WHERE c.tenant_id = $1 AND c.entity_id = e.id OFFSET 0) c",
                vec![&tenant, &class, entities],
            ),
            None => ("charter.share_class c", vec![&tenant, &class]),
        };
        let rows = self
            .query_planned(
                &format!(
                    "SELECT {CLASS_COLUMNS}, coalesce(a.froms, '{{}}'), coalesce(a.tos, '{{}}'), coalesce(a.limits, '{{}}'),
                            c.certificated
                       FROM {from}
                       LEFT JOIN LATERAL (
                            SELECT array_agg(lower(a.valid) ORDER BY lower(a.valid)) AS froms,
                                   array_agg(coalesce(upper(a.valid), DATE '9999-12-31') ORDER BY lower(a.valid)) AS tos,
                                   array_agg(coalesce(a.authorised, 0) ORDER BY lower(a.valid)) AS limits
                              FROM charter.share_class_authorised a
                             WHERE a.tenant_id = c.tenant_id AND a.share_class_id = c.id AND upper_inf(a.recorded)) a
                         ON true
                      WHERE c.tenant_id = $1 AND ($2::uuid IS NULL OR c.id = $2)
                      ORDER BY c.id"
                ),
                &params,
            )
            .await?;
        rows.iter()
            .map(|r| {
                let (froms, tos, limits): (Vec<NaiveDate>, Vec<NaiveDate>, Vec<i64>) = (r.get(7), r.get(8), r.get(9));
                let open = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
                let authorised = froms
                    .into_iter()
                    .zip(tos)
                    .zip(limits)
                    .map(|((from, to), limit)| (from, (to != open).then_some(to), (limit > 0).then_some(limit)))
                    .collect();
                Ok(ShareClassRecord {
                    id: ShareClassId::from_uuid(r.get(0)),
                    entity: EntityId::from_uuid(r.get(1)),
                    name: r.get(2),
                    currency: r.get(3),
                    nominal_value: millionths(r, 4)?,
                    votes_per_share: millionths(r, 5)?,
                    authorised,
                    certificated: r.get(10),
                    created_at: r.get(6),
                })
            })
            .collect()
    }

    /// Records `t` if the issuer's whole ledger, replayed with it, keeps
    /// every rule at every date (`charter_domain::shares::Ledger::check`)
    /// and still covers the class's outstanding share certificates
    /// (`charter_domain::certificate::check_certificates_held`); otherwise
    /// writes nothing and returns the breach. The issuer stays
    /// locked until the transaction ends, so two writers to one ledger are
    /// checked one after the other.
    pub async fn record_share_transaction_checked(
        &mut self,
        issuer: EntityId,
        t: &Transaction,
        actor: &str,
    ) -> Result<Result<(), Breach>, StoreError> {
        self.record_checked(issuer, t, t, actor).await
    }

    /// Records `reversal` of `original` (of this issuer) if the ledger
    /// without `original` keeps every rule at every date and covers the
    /// outstanding certificates, as `record_share_transaction_checked`. A
    /// second reversal of `original` fails on `REVERSED_ONCE`.
    pub async fn record_share_reversal_checked(
        &mut self,
        issuer: EntityId,
        reversal: &Transaction,
        original: &Transaction,
        actor: &str,
    ) -> Result<Result<(), Breach>, StoreError> {
        self.record_checked(issuer, reversal, original, actor).await
    }

    /// Records `t`, whose effect on holdings is `moved`'s (itself, or for a
    /// reversal the transaction taken back), if the ledger with it stands.
    async fn record_checked(
        &mut self,
        issuer: EntityId,
        t: &Transaction,
        moved: &Transaction,
        actor: &str,
    ) -> Result<Result<(), Breach>, StoreError> {
        self.lock_share_capital(issuer).await?;
        let ledger = self.replayed_ledger(issuer).await?;
        let classes = self.share_classes(Some(issuer), None).await?;
        let certificated: Vec<ShareClassId> =
            classes.iter().filter(|c| c.certificated && moved.classes().any(|m| m == c.id)).map(|c| c.id).collect();
        let authorised = classes.into_iter().map(|c| (c.id, c.authorised)).collect();
        let ledger = ledger.with(t.clone());
        if let Err(breach) = ledger.check(&authorised) {
            return Ok(Err(breach));
        }
        // Shares leave holders only in the classes the transaction touches:
        // where those issue certificates, they must still be covered.
        for class in certificated {
            let certificates: Vec<Certificate> =
                self.share_certificates(class).await?.into_iter().map(|r| r.certificate).collect();
            if let Err(breach) = check_certificates_held(&ledger, &certificates) {
                return Ok(Err(breach));
            }
        }
        self.insert_share_transaction(issuer, t, actor).await?;
        // A split scales every holder of its class; anything else moves the
        // shares of the holders it names.
        let touched: BTreeSet<(ShareClassId, Holder)> = moved
            .from
            .map(|from| (moved.class, from))
            .into_iter()
            .chain(moved.to.map(|to| (moved.to_class.unwrap_or(moved.class), to)))
            .collect();
        let only = (moved.kind != TransactionKind::Split).then_some(&touched);
        self.write_share_positions(issuer, &ledger, Some(moved.effective_on), only).await?;
        Ok(Ok(()))
    }

    /// Changes a class's authorised capital from a day on (`change`), if the
    /// issuer's ledger keeps every rule at every date with it (else writes
    /// nothing and returns the breach). Versions on record that hold on or
    /// after that day are superseded (their recording ends now); the part
    /// of the one running then that came before is recorded again, as the
    /// register does with facts.
    pub async fn change_authorised_capital_checked(
        &mut self,
        issuer: EntityId,
        class: ShareClassId,
        change: &AuthorisedChange,
        actor: &str,
    ) -> Result<Result<(), Breach>, StoreError> {
        self.lock_share_capital(issuer).await?;
        let ledger = self.replayed_ledger(issuer).await?;
        let mut authorised = self.authorised_capital(issuer).await?;
        let current = authorised.get(&class).cloned().unwrap_or_default();
        authorised.insert(class, change.applied_to(&current));
        if let Err(breach) = ledger.check(&authorised) {
            return Ok(Err(breach));
        }
        let tenant = self.tenant().as_uuid();
        let from = change.change.from;
        let superseded = self
            .query(
                "UPDATE charter.share_class_authorised SET recorded = tstzrange(lower(recorded), now())
                  WHERE tenant_id = $1 AND share_class_id = $2 AND upper_inf(recorded)
                    AND valid && daterange($3, NULL)
                  RETURNING lower(valid), authorised, reason",
                &[&tenant, &class.as_uuid(), &from],
            )
            .await?;
        for row in superseded.iter().filter(|r| r.get::<_, NaiveDate>(0) < from) {
            let (start, limit, reason): (NaiveDate, Option<i64>, Option<String>) = (row.get(0), row.get(1), row.get(2));
            self.execute(
                "INSERT INTO charter.share_class_authorised
                     (tenant_id, id, share_class_id, valid, recorded, authorised, reason, recorded_by)
                 VALUES ($1, gen_random_uuid(), $2, daterange($3, $4), tstzrange(now(), NULL), $5, $6, $7)",
                &[&tenant, &class.as_uuid(), &start, &from, &limit, &reason, &actor],
            )
            .await?;
        }
        self.execute(
            "INSERT INTO charter.share_class_authorised
                 (tenant_id, id, share_class_id, valid, recorded, authorised, reason, recorded_by)
             VALUES ($1, gen_random_uuid(), $2, daterange($3, NULL), tstzrange(now(), NULL), $4, $5, $6)",
            &[&tenant, &class.as_uuid(), &from, &change.authorised, &change.change.reason, &actor],
        )
        .await?;
        Ok(Ok(()))
    }

    /// Serialises the writes to one issuer's share capital (its ledger and
    /// its certificates, which are checked against the ledger) until the
    /// transaction ends.
    pub async fn lock_share_capital(&mut self, issuer: EntityId) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        self.query(
            "SELECT 1 FROM charter.legal_entity WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE",
            &[&tenant, &issuer.as_uuid()],
        )
        .await?;
        Ok(())
    }

    /// The ledger of an issuer, in the order recorded.
    pub async fn share_ledger(&mut self, issuer: EntityId) -> Result<Vec<TransactionRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query(
                &format!(
                    "SELECT {TRANSACTION_COLUMNS} FROM charter.share_transaction t
                      WHERE t.tenant_id = $1 AND t.issuer_id = $2 ORDER BY t.id"
                ),
                &[&tenant, &issuer.as_uuid()],
            )
            .await?;
        rows.iter().map(transaction_record).collect()
    }

    /// The ledgers of several issuers, each in the order recorded.
    pub async fn share_ledgers(&mut self, issuers: &[EntityId]) -> Result<Vec<TransactionRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let issuers: Vec<uuid::Uuid> = issuers.iter().map(|e| e.as_uuid()).collect();
        let rows = self
            .query_planned(
                &format!(
                    "SELECT {TRANSACTION_COLUMNS} FROM charter.share_transaction t
                      WHERE t.tenant_id = $1 AND t.issuer_id = ANY ($2) ORDER BY t.issuer_id, t.id"
                ),
                &[&tenant, &issuers],
            )
            .await?;
        rows.iter().map(transaction_record).collect()
    }

    /// The holdings of several issuers at the end of `on`, summed by the
    /// database, for issuers whose ledger has no split up to that date (a
    /// split scales holdings, which only a replay can do): the others come
    /// back in the second list, to be replayed. Transactions recorded after
    /// `known_at` are left out.
    pub async fn summed_holdings(
        &mut self,
        issuers: &[EntityId],
        on: NaiveDate,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<(BTreeMap<EntityId, Holdings>, Vec<EntityId>), StoreError> {
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = issuers.iter().map(|e| e.as_uuid()).collect();
        let split: Vec<EntityId> = self
            .query_planned(
                "SELECT DISTINCT issuer_id FROM charter.share_transaction
                  WHERE tenant_id = $1 AND issuer_id = ANY ($2) AND kind = 'split' AND effective_on <= $3
                    AND ($4::timestamptz IS NULL OR recorded_at <= $4)",
                &[&tenant, &ids, &on, &known_at],
            )
            .await?
            .iter()
            .map(|r| EntityId::from_uuid(r.get(0)))
            .collect();
        let summed: Vec<uuid::Uuid> = issuers.iter().filter(|i| !split.contains(i)).map(|e| e.as_uuid()).collect();
        let rows = self
            .query_planned(
                // What leaves holders and what reaches them, each summed straight
                // from the scan (twice as fast as unnesting each row into its two
                // moves), then netted.
                &format!(
                    "SELECT issuer_id, class_id, person_id, entity_id, joint_holding_id, sum(delta)::bigint
                   FROM (SELECT issuer_id, share_class_id AS class_id, from_person_id AS person_id,
                                from_entity_id AS entity_id, from_joint_holding_id AS joint_holding_id,
                                -sum(shares) AS delta
                           FROM charter.share_transaction t
                          WHERE tenant_id = $1 AND issuer_id = ANY ($2) AND effective_on <= $3
                            AND ($4::timestamptz IS NULL OR recorded_at <= $4)
                            AND num_nonnulls(from_person_id, from_entity_id, from_joint_holding_id) = 1
                            AND {NOT_REVERSED}
                          GROUP BY 1, 2, 3, 4, 5
                         UNION ALL
                         SELECT issuer_id, coalesce(to_share_class_id, share_class_id), to_person_id, to_entity_id,
                                to_joint_holding_id, sum(coalesce(to_shares, shares))
                           FROM charter.share_transaction t
                          WHERE tenant_id = $1 AND issuer_id = ANY ($2) AND effective_on <= $3
                            AND ($4::timestamptz IS NULL OR recorded_at <= $4)
                            AND num_nonnulls(to_person_id, to_entity_id, to_joint_holding_id) = 1
                            AND {NOT_REVERSED}
                          GROUP BY 1, 2, 3, 4, 5) moves
                  GROUP BY 1, 2, 3, 4, 5
                 HAVING sum(delta) <> 0"
                ),
                &[&tenant, &summed, &on, &known_at],
            )
            .await?;
        let mut holdings: BTreeMap<EntityId, Holdings> =
            summed.iter().map(|id| (EntityId::from_uuid(*id), Holdings::new())).collect();
        for r in rows {
            if let Some(h) = holder(r.get(2), r.get(3), r.get(4)) {
                holdings
                    .entry(EntityId::from_uuid(r.get(0)))
                    .or_default()
                    .insert((ShareClassId::from_uuid(r.get(1)), h), r.get(5));
            }
        }
        Ok((holdings, split))
    }

    /// The issuers whose shares any of `holders` (entities) ever received.
    pub async fn issuers_held_by(&mut self, holders: &[EntityId]) -> Result<Vec<EntityId>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let holders: Vec<uuid::Uuid> = holders.iter().map(|e| e.as_uuid()).collect();
        let rows = self
            .query_planned(
                "SELECT DISTINCT issuer_id FROM charter.share_holder WHERE tenant_id = $1 AND entity_id = ANY ($2)",
                &[&tenant, &holders],
            )
            .await?;
        Ok(rows.iter().map(|r| EntityId::from_uuid(r.get(0))).collect())
    }

    /// The ledger of an issuer as the domain replays it.
    pub async fn replayed_ledger(&mut self, issuer: EntityId) -> Result<Ledger, StoreError> {
        Ok(Ledger::new(self.share_ledger(issuer).await?.into_iter().map(|r| r.transaction).collect()))
    }

    /// The authorised capital of every class of an issuer, as on record now.
    pub async fn authorised_capital(
        &mut self,
        issuer: EntityId,
    ) -> Result<BTreeMap<ShareClassId, Authorised>, StoreError> {
        Ok(self.share_classes(Some(issuer), None).await?.into_iter().map(|c| (c.id, c.authorised)).collect())
    }

    /// Rewrites the positions (`share_position`, `share_holder`: ddl 0010)
    /// of `issuer` from `since` on (all of them: `None`), replayed from its whole `ledger`: of the
    /// class and holder pairs in `only`, or of every pair (after a split,
    /// which scales a whole class, or a bulk load).
    async fn write_share_positions(
        &mut self,
        issuer: EntityId,
        ledger: &Ledger,
        since: Option<NaiveDate>,
        only: Option<&BTreeSet<(ShareClassId, Holder)>>,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let mut positions = ledger.positions();
        // A series is never empty: a pair appears with its first position.
        positions.retain(|pair, series| !series.is_empty() && only.is_none_or(|only| only.contains(pair)));
        // Pairs a reversal leaves without any transaction never held the
        // class, as known now: their rows go.
        let gone: Vec<&(ShareClassId, Holder)> =
            only.into_iter().flatten().filter(|pair| !positions.contains_key(*pair)).collect();
        if !gone.is_empty() {
            let (classes, holders): (Vec<uuid::Uuid>, Vec<uuid::Uuid>) =
                gone.iter().map(|(class, holder)| (class.as_uuid(), holder.as_uuid())).unzip();
            for table in ["share_position", "share_holder"] {
                self.execute(
                    &format!(
                        "DELETE FROM charter.{table} p
                          USING unnest($2::uuid[], $3::uuid[]) AS pair (class_id, holder_id)
                          WHERE p.tenant_id = $1 AND p.share_class_id = pair.class_id AND p.holder_id = pair.holder_id"
                    ),
                    &[&tenant, &classes, &holders],
                )
                .await?;
            }
        }
        let (classes, holders): (Vec<uuid::Uuid>, Vec<uuid::Uuid>) =
            positions.iter().map(|((class, holder), _)| (class.as_uuid(), holder.as_uuid())).unzip();
        self.execute(
            "DELETE FROM charter.share_position p
              USING unnest($2::uuid[], $3::uuid[]) AS pair (class_id, holder_id)
              WHERE p.tenant_id = $1 AND p.share_class_id = pair.class_id AND p.holder_id = pair.holder_id
                AND ($4::date IS NULL OR p.effective_on >= $4)",
            &[&tenant, &classes, &holders, &since],
        )
        .await?;
        let (mut persons, mut entities, mut joints, mut latest_on, mut latest_shares) =
            (vec![], vec![], vec![], vec![], vec![]);
        for ((_, holder), series) in &positions {
            let [person, entity, joint] = holder_columns(Some(*holder));
            persons.push(person);
            entities.push(entity);
            joints.push(joint);
            let (on, shares) = series.last().copied().unwrap_or_default();
            latest_on.push(on);
            latest_shares.push(shares);
        }
        self.execute(
            "INSERT INTO charter.share_holder
                 (tenant_id, share_class_id, holder_id, issuer_id, person_id, entity_id, joint_holding_id,
                  latest_on, latest_shares)
             SELECT $1, class_id, holder_id, $2, person_id, entity_id, joint_holding_id, latest_on, latest_shares
               FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::date[], $9::bigint[])
                    AS h (class_id, holder_id, person_id, entity_id, joint_holding_id, latest_on, latest_shares)
             ON CONFLICT (tenant_id, share_class_id, holder_id)
             DO UPDATE SET latest_on = EXCLUDED.latest_on, latest_shares = EXCLUDED.latest_shares",
            &[&tenant, &issuer.as_uuid(), &classes, &holders, &persons, &entities, &joints, &latest_on, &latest_shares],
        )
        .await?;
        let rows = positions.iter().flat_map(|((class, holder), series)| {
            series.iter().filter(|(on, _)| since.is_none_or(|since| *on >= since)).map(move |p| (class, holder, p))
        });
        let rows: Vec<_> = rows.collect();
        for chunk in rows.chunks(POSITIONS_PER_STATEMENT) {
            let classes: Vec<uuid::Uuid> = chunk.iter().map(|(c, _, _)| c.as_uuid()).collect();
            let holders: Vec<uuid::Uuid> = chunk.iter().map(|(_, h, _)| h.as_uuid()).collect();
            let dates: Vec<NaiveDate> = chunk.iter().map(|(_, _, p)| p.0).collect();
            let shares: Vec<i64> = chunk.iter().map(|(_, _, p)| p.1).collect();
            self.execute(
                "INSERT INTO charter.share_position (tenant_id, share_class_id, holder_id, effective_on, shares)
                 SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::date[], $5::bigint[])",
                &[&tenant, &classes, &holders, &dates, &shares],
            )
            .await?;
        }
        Ok(())
    }

    /// The holdings of each of `issuers` at the end of `on`, as the ledger
    /// stands now: from the positions (one row per holder; a probe into its
    /// series only for a date before its latest change).
    pub async fn holdings_at(
        &mut self,
        issuers: &[EntityId],
        on: NaiveDate,
    ) -> Result<BTreeMap<EntityId, Holdings>, StoreError> {
        let ids: Vec<uuid::Uuid> = issuers.iter().map(|e| e.as_uuid()).collect();
        let rows = self
            .query_planned(
                &format!("SELECT {HOLDING_COLUMNS} FROM unnest($3::uuid[]) AS i (id) {HOLDERS_OF_ISSUER}"),
                &[&self.tenant().as_uuid(), &on, &ids],
            )
            .await?;
        let mut holdings: BTreeMap<EntityId, Holdings> = issuers.iter().map(|id| (*id, Holdings::new())).collect();
        collect_holdings(&rows, &mut holdings);
        Ok(holdings)
    }

    /// The holdings at the end of `on` of `target` and of every entity that
    /// holds (or held) shares of it, directly or through other entities, as
    /// the ledger stands now: the whole upstream of a group in one statement
    /// (a recursive walk over the holders, which ends on cycles because it
    /// visits each issuer once).
    pub async fn upstream_holdings_at(
        &mut self,
        target: EntityId,
        on: NaiveDate,
    ) -> Result<BTreeMap<EntityId, Holdings>, StoreError> {
        let rows = self
            .query_planned(
                &format!(
                    "WITH RECURSIVE upstream (issuer_id) AS (
                         SELECT $3::uuid
                         UNION
                         SELECT h.entity_id FROM upstream u
                           JOIN charter.share_holder h ON h.tenant_id = $1 AND h.issuer_id = u.issuer_id
                          WHERE h.entity_id IS NOT NULL)
                     SELECT {HOLDING_COLUMNS} FROM upstream AS i (id) {HOLDERS_OF_ISSUER}"
                ),
                &[&self.tenant().as_uuid(), &on, &target.as_uuid()],
            )
            .await?;
        let mut holdings = BTreeMap::from([(target, Holdings::new())]);
        collect_holdings(&rows, &mut holdings);
        Ok(holdings)
    }

    /// Records transactions as they are, then the issuer's positions: for
    /// bulk loads of ledgers known to be valid; everything else goes through
    /// [`record_share_transaction_checked`](Self::record_share_transaction_checked).
    pub async fn record_share_transactions(
        &mut self,
        issuer: EntityId,
        transactions: &[Transaction],
        actor: &str,
    ) -> Result<(), StoreError> {
        for t in transactions {
            self.insert_share_transaction(issuer, t, actor).await?;
        }
        let ledger = self.replayed_ledger(issuer).await?;
        self.write_share_positions(issuer, &ledger, None, None).await
    }

    async fn insert_share_transaction(
        &mut self,
        issuer: EntityId,
        t: &Transaction,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let [from_person, from_entity, from_joint] = holder_columns(t.from);
        let [to_person, to_entity, to_joint] = holder_columns(t.to);
        self.execute(
            "INSERT INTO charter.share_transaction
                 (tenant_id, id, issuer_id, kind, share_class_id, effective_on, from_person_id, from_entity_id,
                  to_person_id, to_entity_id, shares, to_share_class_id, to_shares, ratio_numerator,
                  ratio_denominator, reason, recorded_by, from_joint_holding_id, to_joint_holding_id, reverses)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
            &[
                &tenant,
                &t.id.as_uuid(),
                &issuer.as_uuid(),
                &t.kind.as_str(),
                &t.class.as_uuid(),
                &t.effective_on,
                &from_person,
                &from_entity,
                &to_person,
                &to_entity,
                &t.shares,
                &t.to_class.map(|c| c.as_uuid()),
                &t.to_shares,
                &t.ratio.map(|r| r.0),
                &t.ratio.map(|r| r.1),
                &t.reason,
                &actor,
                &from_joint,
                &to_joint,
                &t.reverses.map(|r| r.as_uuid()),
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn share_transaction(&mut self, id: ShareTransactionId) -> Result<Option<TransactionRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(
                &format!(
                    "SELECT {TRANSACTION_COLUMNS} FROM charter.share_transaction t WHERE t.tenant_id = $1 AND t.id = $2"
                ),
                &[&tenant, &id.as_uuid()],
            )
            .await?;
        row.as_ref().map(transaction_record).transpose()
    }

    /// Display names of holders as of a date: persons' full names, entities'
    /// legal names.
    pub async fn holder_names(
        &mut self,
        holders: &[Holder],
        on: NaiveDate,
    ) -> Result<HashMap<Holder, String>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let (mut persons, mut entities, mut joints) = (Vec::new(), Vec::new(), Vec::new());
        for h in holders {
            match h {
                Holder::Person(p) => persons.push(p.as_uuid()),
                Holder::Entity(e) => entities.push(e.as_uuid()),
                Holder::Joint(j) => joints.push(*j),
            }
        }
        let mut names = HashMap::new();
        for (joint, members) in self.joint_holding_member_names(&joints).await? {
            names.insert(Holder::Joint(joint), JointHolding::display_name(&members));
        }
        for r in self
            .query(
                "SELECT id, given_name || ' ' || family_name FROM charter.person WHERE tenant_id = $1 AND id = ANY ($2)",
                &[&tenant, &persons],
            )
            .await?
        {
            names.insert(Holder::Person(PersonId::from_uuid(r.get(0))), r.get(1));
        }
        for r in self
            .query_planned(
                // One index probe per entity (`OFFSET 0` keeps them apart):
                // given the list as `= ANY`, the planner read every legal
                // name of the tenant and filtered (14 ms for 338 of 10,000).
                "SELECT e.id, f.name
                   FROM unnest($2::uuid[]) AS e (id)
                  CROSS JOIN LATERAL (SELECT value #>> '{}' AS name FROM charter.entity_fact
                                       WHERE tenant_id = $1 AND entity_id = e.id AND fact = 'legal_name'
                                         AND valid @> $3::date AND upper_inf(recorded) OFFSET 0) f",
                &[&tenant, &entities, &on],
            )
            .await?
        {
            names.insert(Holder::Entity(EntityId::from_uuid(r.get(0))), r.get(1));
        }
        Ok(names)
    }
}
