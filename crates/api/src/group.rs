//! The group around an entity, read from the tenant's share ledgers: who
//! holds it (up) and what it holds (down), level by level, as direct stakes
//! as of a date. One query per level and direction; every entity is visited
//! once, so cross-holdings and cycles end the walk instead of looping.

use std::collections::{BTreeMap, BTreeSet};

use charter_domain::{
    appointment::Holder,
    ids::{EntityId, ShareClassId},
    ownership::Stake,
    shares::{ClassTerms, Holdings, Ledger, weigh},
};
use charter_storage::data::{AsOf, RelationshipRecord, TenantTx, TransactionRecord};

use crate::error::ApiError;

/// A walk ends here at the latest (it ends earlier when no new entity turns up).
const MAX_LEVELS: u32 = 1_000;

/// Stakes found around an entity, with how far from it each node lies
/// (negative: holders, up; positive: holdings, down).
#[derive(Debug, Default)]
pub(crate) struct Group {
    pub stakes: Vec<Stake>,
    /// Consolidation links (GLEIF), when asked for.
    pub consolidations: Vec<RelationshipRecord>,
    pub levels: BTreeMap<Holder, i32>,
}

/// The holdings of each of `issuers` at the end of `at.date`, as the ledger
/// stood at `at.known_at`: read from the positions kept with the ledger
/// when the ledger as it stands now is wanted; otherwise summed by the
/// database, or replayed (the domain's `Ledger`) where a split scales them.
pub(crate) async fn holdings_of(
    tx: &mut TenantTx,
    issuers: &[EntityId],
    at: AsOf,
) -> Result<BTreeMap<EntityId, Holdings>, ApiError> {
    if at.is_latest() {
        return Ok(tx.holdings_at(issuers, at.date).await?);
    }
    let (mut holdings, to_replay) = tx.summed_holdings(issuers, at.date, Some(at.known_at)).await?;
    if !to_replay.is_empty() {
        holdings.extend(replayed_holdings(tx, &to_replay, at).await?);
    }
    Ok(holdings)
}

/// The holdings of each of `issuers`, replayed from their ledgers.
async fn replayed_holdings(
    tx: &mut TenantTx,
    issuers: &[EntityId],
    at: AsOf,
) -> Result<BTreeMap<EntityId, Holdings>, ApiError> {
    let mut ledgers: BTreeMap<EntityId, Vec<TransactionRecord>> = BTreeMap::new();
    for record in tx.share_ledgers(issuers).await? {
        if at.is_latest() || record.recorded_at <= at.known_at {
            ledgers.entry(record.issuer).or_default().push(record);
        }
    }
    Ok(ledgers
        .into_iter()
        .map(|(issuer, records)| {
            (issuer, Ledger::new(records.into_iter().map(|r| r.transaction).collect()).holdings(at.date))
        })
        .collect())
}

/// The direct stakes in each of `issuers` as of `at` (the ledger as known
/// then), several classes of one holder summed.
async fn stakes_in(tx: &mut TenantTx, issuers: &[EntityId], at: AsOf) -> Result<Vec<Stake>, ApiError> {
    if issuers.is_empty() {
        return Ok(Vec::new());
    }
    // As known at an earlier time, a walk reads many small ledgers:
    // replaying them from one indexed read per level beat the database's
    // sums (63 ms against 107 ms for 10,000 entities and 30,000 holdings).
    let holdings = if at.is_latest() {
        tx.holdings_at(issuers, at.date).await?
    } else {
        replayed_holdings(tx, issuers, at).await?
    };
    weighed_stakes(tx, holdings).await
}

/// The stakes of each holding, weighed by its class's terms, several
/// classes of one holder summed.
async fn weighed_stakes(tx: &mut TenantTx, holdings: BTreeMap<EntityId, Holdings>) -> Result<Vec<Stake>, ApiError> {
    let issuers: Vec<EntityId> = holdings.keys().copied().collect();
    let mut terms: BTreeMap<EntityId, BTreeMap<ShareClassId, ClassTerms>> = BTreeMap::new();
    for class in tx.share_classes_of(Some(&issuers), None).await? {
        terms.entry(class.entity).or_default().insert(
            class.id,
            ClassTerms { nominal_value: class.nominal_value, votes_per_share: class.votes_per_share },
        );
    }
    let mut stakes = Vec::new();
    for (issuer, holdings) in holdings {
        let mut by_holder: BTreeMap<Holder, (f64, f64)> = BTreeMap::new();
        for w in weigh(&holdings, terms.get(&issuer).unwrap_or(&BTreeMap::new())) {
            let entry = by_holder.entry(w.holder).or_default();
            entry.0 += w.capital;
            entry.1 += w.votes;
        }
        stakes.extend(by_holder.into_iter().map(|(holder, (capital, votes))| Stake { holder, issuer, capital, votes }));
    }
    Ok(stakes)
}

impl Group {
    /// Walks `up` levels of holders and `down` levels of holdings from
    /// `target`, and with `consolidation` the consolidating parents and
    /// consolidated children too.
    pub(crate) async fn around(
        tx: &mut TenantTx,
        target: EntityId,
        at: AsOf,
        (up, down): (u32, u32),
        consolidation: bool,
    ) -> Result<Self, ApiError> {
        let mut group = Group::default();
        group.levels.insert(Holder::Entity(target), 0);
        let mut seen_links: BTreeSet<(Holder, EntityId)> = BTreeSet::new();
        let mut seen_consolidations: BTreeSet<String> = BTreeSet::new();
        let mut add = |group: &mut Group, stake: Stake| {
            if seen_links.insert((stake.holder, stake.issuer)) {
                group.stakes.push(stake);
            }
        };

        // Up: the holders of the frontier, then their holders.
        let mut frontier = vec![target];
        for level in 1..=up.min(MAX_LEVELS) as i32 {
            let stakes = stakes_in(tx, &frontier, at).await?;
            let mut next = Vec::new();
            for stake in stakes {
                if let std::collections::btree_map::Entry::Vacant(node) = group.levels.entry(stake.holder) {
                    node.insert(-level);
                    if let Holder::Entity(e) = stake.holder {
                        next.push(e);
                    }
                }
                add(&mut group, stake);
            }
            if consolidation {
                for link in tx.relationships_around(&frontier, at.date).await? {
                    if !frontier.contains(&link.child) || !seen_consolidations.insert(link.source_id.clone()) {
                        continue;
                    }
                    if let std::collections::btree_map::Entry::Vacant(node) =
                        group.levels.entry(Holder::Entity(link.parent))
                    {
                        node.insert(-level);
                        next.push(link.parent);
                    }
                    group.consolidations.push(link);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }

        // Down: the issuers the frontier holds shares of, as of the date.
        let mut frontier = vec![target];
        for level in 1..=down.min(MAX_LEVELS) as i32 {
            let issuers: Vec<EntityId> = tx.issuers_held_by(&frontier).await?;
            let holders: BTreeSet<Holder> = frontier.iter().map(|e| Holder::Entity(*e)).collect();
            let stakes = stakes_in(tx, &issuers, at).await?;
            let mut next = Vec::new();
            for stake in stakes.into_iter().filter(|s| holders.contains(&s.holder)) {
                let node = Holder::Entity(stake.issuer);
                if let std::collections::btree_map::Entry::Vacant(vacant) = group.levels.entry(node) {
                    vacant.insert(level);
                    next.push(stake.issuer);
                }
                add(&mut group, stake);
            }
            if consolidation {
                for link in tx.relationships_around(&frontier, at.date).await? {
                    if !frontier.contains(&link.parent) || !seen_consolidations.insert(link.source_id.clone()) {
                        continue;
                    }
                    if let std::collections::btree_map::Entry::Vacant(node) =
                        group.levels.entry(Holder::Entity(link.child))
                    {
                        node.insert(level);
                        next.push(link.child);
                    }
                    group.consolidations.push(link);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        Ok(group)
    }

    /// Every holder upstream of `target`, however far (for effective
    /// ownership, which sums every chain). As the ledger stands now, the
    /// whole upstream comes from one statement; as known at an earlier
    /// time, from the walk level by level.
    pub(crate) async fn upstream(tx: &mut TenantTx, target: EntityId, at: AsOf) -> Result<Self, ApiError> {
        if !at.is_latest() {
            return Self::around(tx, target, at, (u32::MAX, 0), false).await;
        }
        let holdings = tx.upstream_holdings_at(target, at.date).await?;
        let stakes = weighed_stakes(tx, holdings).await?;
        // Levels as the walk would number them: breadth first from the target.
        let mut holders_of: BTreeMap<EntityId, Vec<Holder>> = BTreeMap::new();
        for stake in &stakes {
            holders_of.entry(stake.issuer).or_default().push(stake.holder);
        }
        let mut levels = BTreeMap::from([(Holder::Entity(target), 0)]);
        let mut frontier = vec![target];
        let mut level = 0;
        while !frontier.is_empty() {
            level -= 1;
            let mut next = Vec::new();
            for issuer in frontier {
                for holder in holders_of.get(&issuer).into_iter().flatten() {
                    if let std::collections::btree_map::Entry::Vacant(node) = levels.entry(*holder) {
                        node.insert(level);
                        if let Holder::Entity(e) = holder {
                            next.push(*e);
                        }
                    }
                }
            }
            frontier = next;
        }
        Ok(Group { stakes, consolidations: Vec::new(), levels })
    }
}
