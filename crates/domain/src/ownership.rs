//! Who owns whom, directly and through chains: the group structure as a
//! graph of stakes, effective ownership and beneficial owners.
//!
//! With M[i][j] the fraction of j held directly by i, the effective
//! ownership is E = M + M² + M³ + … = M(I − M)⁻¹: the sum over every chain,
//! cycles included. For one target entity t that is the column
//! e = M·t̂ + M·e, solved here by fixed-point iteration over the holders
//! upstream of t (a sparse walk, not a dense inverse): each round adds the
//! chains one link longer, and a cross-holding's contributions shrink
//! geometrically, so the iteration converges whenever no cycle keeps 100 %.
//!
//! Above an entity sit its ultimate parents ([`ultimate_parents`]): the
//! entities at the top of the chains of stakes that reach it, and the
//! ultimate controlling parent, found by following majority holders up.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use crate::{
    FieldError,
    appointment::Holder,
    ids::{EntityId, JointHoldingId, PersonId},
    shares::Decimal6,
};

/// A direct stake: `holder` holds these fractions of `issuer`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stake {
    pub holder: Holder,
    pub issuer: EntityId,
    pub capital: f64,
    pub votes: f64,
}

/// Capital or votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Capital,
    Votes,
}

impl Basis {
    pub fn of(self, stake: &Stake) -> f64 {
        match self {
            Self::Capital => stake.capital,
            Self::Votes => stake.votes,
        }
    }
}

/// The percentage of effective capital or votes at which a natural person is
/// a beneficial owner: above 0 and at most 100, with at most six decimals
/// (the precision the tenant's setting is stored with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Threshold(Decimal6);

impl Threshold {
    /// 25 %, the threshold of the EU's anti-money-laundering directives and
    /// of a tenant that has not set its own.
    pub const DEFAULT: Self = Self(Decimal6::from_millionths(25_000_000));
    const MAX_MILLIONTHS: i128 = 100_000_000;

    /// A percentage given as a JSON number (`25`, `12.5`).
    pub fn parse(field: &str, value: &Value) -> Result<Self, FieldError> {
        if !value.is_number() {
            return Err(FieldError::new(field, "type", "must be a number: a percentage above 0 and at most 100"));
        }
        // Plain decimal text: serde's `1e-6` would not read as a decimal.
        let text = match value.as_f64() {
            Some(f) if value.is_f64() => Value::String(format!("{f}")),
            _ => value.clone(),
        };
        let decimal = Decimal6::parse(field, &text).map_err(|_| Self::out_of_range(field))?;
        Self::from_millionths(decimal.millionths()).ok_or_else(|| Self::out_of_range(field))
    }

    /// The threshold of `millionths` of a percent, if it is in range.
    pub fn from_millionths(millionths: i128) -> Option<Self> {
        (millionths > 0 && millionths <= Self::MAX_MILLIONTHS).then_some(Self(Decimal6::from_millionths(millionths)))
    }

    pub const fn millionths(self) -> i128 {
        self.0.millionths()
    }

    /// In percent (`25.0`).
    pub fn percent(self) -> f64 {
        self.0.millionths() as f64 / 1e6
    }

    /// As a fraction (`0.25`), for [`beneficial_owners`].
    pub fn fraction(self) -> f64 {
        self.0.millionths() as f64 / 1e8
    }

    /// As a JSON number: `25`, `12.5` (whole numbers without a fraction).
    pub fn to_json(self) -> Value {
        serde_json::from_str(&self.0.to_text()).unwrap_or(Value::Null)
    }

    fn out_of_range(field: &str) -> FieldError {
        FieldError::new(field, "range", "must be a percentage above 0 and at most 100, with at most 6 decimals")
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Iterations stop when no value moves by more than this.
const TOLERANCE: f64 = 1e-12;
/// A cycle holding (nearly) everything would not converge; stop anyway.
const MAX_ROUNDS: usize = 10_000;

/// The direct stakes of a group, indexed by issuer.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    holders_of: BTreeMap<EntityId, Vec<Stake>>,
}

impl Graph {
    pub fn new(stakes: impl IntoIterator<Item = Stake>) -> Self {
        let mut holders_of: BTreeMap<EntityId, Vec<Stake>> = BTreeMap::new();
        for stake in stakes {
            // Merge several classes of one holder in one issuer.
            let stakes = holders_of.entry(stake.issuer).or_default();
            match stakes.iter_mut().find(|s| s.holder == stake.holder) {
                Some(s) => {
                    s.capital += stake.capital;
                    s.votes += stake.votes;
                }
                None => stakes.push(stake),
            }
        }
        Self { holders_of }
    }

    /// The direct holders of `issuer`.
    pub fn holders_of(&self, issuer: EntityId) -> &[Stake] {
        self.holders_of.get(&issuer).map_or(&[], Vec::as_slice)
    }

    /// Every stake, issuer by issuer.
    pub fn stakes(&self) -> impl Iterator<Item = &Stake> {
        self.holders_of.values().flatten()
    }

    /// The effective ownership of every holder upstream of `target`, as a
    /// fraction, with the number of rounds it took.
    pub fn effective(&self, target: EntityId, basis: Basis) -> (BTreeMap<Holder, f64>, usize) {
        // e(h) = M[h][target] · (1 + e(target)) + Σ_{k ≠ target} M[h][k] · e(k):
        // a chain may pass through the target itself (a cross-holding), so
        // what reaches the target is itself and every chain back to it.
        let mut effective: BTreeMap<Holder, f64> = BTreeMap::new();
        let upstream = self.upstream(target);
        let mut rounds = 0;
        loop {
            rounds += 1;
            let mut next: BTreeMap<Holder, f64> = BTreeMap::new();
            for issuer in std::iter::once(target).chain(upstream.iter().copied()) {
                let through = effective.get(&Holder::Entity(issuer)).copied().unwrap_or(0.0)
                    + if issuer == target { 1.0 } else { 0.0 };
                if through == 0.0 {
                    continue;
                }
                for stake in self.holders_of(issuer) {
                    *next.entry(stake.holder).or_insert(0.0) += basis.of(stake) * through;
                }
            }
            let moved =
                next.iter().map(|(h, v)| (v - effective.get(h).copied().unwrap_or(0.0)).abs()).fold(0.0, f64::max);
            effective = next;
            if moved <= TOLERANCE || rounds >= MAX_ROUNDS {
                break;
            }
        }
        // The target's own shares held through a cycle are not an owner.
        effective.remove(&Holder::Entity(target));
        (effective, rounds)
    }

    /// Entities from which `target` can be reached through stakes.
    fn upstream(&self, target: EntityId) -> BTreeSet<EntityId> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([target]);
        while let Some(issuer) = queue.pop_front() {
            for stake in self.holders_of(issuer) {
                if let Holder::Entity(e) = stake.holder
                    && e != target
                    && seen.insert(e)
                {
                    queue.push_back(e);
                }
            }
        }
        seen
    }
}

/// A natural person whose effective capital or votes reach the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct BeneficialOwner {
    pub person: PersonId,
    /// Effective fractions (0–1), joint holdings counted in full.
    pub capital: f64,
    pub votes: f64,
    /// Whether any of it is held in the target itself (alone or jointly).
    pub direct: bool,
    /// The part of `capital` and `votes` held in the target itself.
    pub direct_capital: f64,
    pub direct_votes: f64,
    /// The joint holdings the person's interest is partly or wholly held through.
    pub jointly: Vec<JointHoldingId>,
}

/// Natural persons whose effective capital or votes reach `threshold` (a
/// fraction), largest first. A joint holding counts in full for each of its
/// holders (as the UK's PSC rules and the EU's AMLD count joint interests):
/// two spouses jointly holding 30 % each hold 30 %.
pub fn beneficial_owners(
    graph: &Graph,
    target: EntityId,
    threshold: f64,
    joint_members: &BTreeMap<JointHoldingId, Vec<PersonId>>,
) -> Vec<BeneficialOwner> {
    let (capital, _) = graph.effective(target, Basis::Capital);
    let (votes, _) = graph.effective(target, Basis::Votes);
    let direct: BTreeMap<Holder, &Stake> = graph.holders_of(target).iter().map(|s| (s.holder, s)).collect();
    let mut owners: BTreeMap<PersonId, BeneficialOwner> = BTreeMap::new();
    for holder in capital.keys().chain(votes.keys()).collect::<BTreeSet<_>>() {
        let (c, v) = (capital.get(holder).copied().unwrap_or(0.0), votes.get(holder).copied().unwrap_or(0.0));
        let (persons, joint): (&[PersonId], _) = match holder {
            Holder::Person(p) => (std::slice::from_ref(p), None),
            Holder::Joint(j) => (joint_members.get(j).map_or(&[][..], Vec::as_slice), Some(*j)),
            Holder::Entity(_) => continue,
        };
        for person in persons {
            let owner = owners.entry(*person).or_insert_with(|| BeneficialOwner {
                person: *person,
                capital: 0.0,
                votes: 0.0,
                direct: false,
                direct_capital: 0.0,
                direct_votes: 0.0,
                jointly: Vec::new(),
            });
            owner.capital += c;
            owner.votes += v;
            if let Some(stake) = direct.get(holder) {
                owner.direct = true;
                owner.direct_capital += stake.capital;
                owner.direct_votes += stake.votes;
            }
            owner.jointly.extend(joint);
        }
    }
    let mut owners: Vec<BeneficialOwner> = owners
        .into_values()
        // A hair of tolerance: 25 % reached through chains of fractions.
        .filter(|o| o.capital.max(o.votes) + 1e-9 >= threshold)
        .collect();
    owners.sort_by(|a, b| b.capital.max(b.votes).total_cmp(&a.capital.max(a.votes)));
    owners
}

/// A stake above this fraction is a majority (more than 50 %, with a hair of
/// tolerance so that 50 % reached through fractions is not one).
const MAJORITY: f64 = 0.5 + 1e-9;

/// An entity above the target: at the top of the chains of stakes that
/// reach it, or its ultimate controlling parent, or both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UltimateParent {
    pub entity: EntityId,
    /// Its effective ownership of the target on the basis (a fraction).
    pub effective: f64,
    /// No entity holds it, or only the members of a cycle it belongs to that
    /// no entity outside holds: the top of its chains.
    pub top: bool,
    /// The last entity of [`control_chain`].
    pub controlling: bool,
}

/// The entities the target is controlled through: from the target upward,
/// the entity holding more than half of the current one on the basis, until
/// no entity does (or a natural person does, or the chain would come back
/// to an entity it passed). The last one is the ultimate controlling
/// parent; empty if no entity holds a majority of the target.
pub fn control_chain(graph: &Graph, target: EntityId, basis: Basis) -> Vec<EntityId> {
    let mut chain = Vec::new();
    let mut passed = BTreeSet::from([target]);
    let mut current = target;
    while let Some(stake) = graph.holders_of(current).iter().find(|s| basis.of(s) > MAJORITY) {
        match stake.holder {
            Holder::Entity(parent) if passed.insert(parent) => {
                chain.push(parent);
                current = parent;
            }
            // A person controls `current`, or a cycle of majorities closes.
            _ => break,
        }
    }
    chain
}

/// The ultimate parents of `target` on the basis: every entity at the top
/// of the chains of stakes above it, and its ultimate controlling parent
/// (which need not be at the top: a person may control it while an entity
/// holds a minority of it). Only stakes with a positive share on the basis
/// count as links.
///
/// An entity is at the top when no entity holds it. Where a cycle of
/// cross-holdings has no entity holder outside it, nothing is above the
/// cycle, so each of its members is at the top (the target itself excepted,
/// when it belongs to such a cycle). In graph terms: the members of the
/// source components of the strongly connected components of the entities
/// upstream of the target.
///
/// Controlling parent first, then largest effective ownership first.
pub fn ultimate_parents(graph: &Graph, target: EntityId, basis: Basis) -> Vec<UltimateParent> {
    let links = |issuer: EntityId| {
        graph.holders_of(issuer).iter().filter_map(move |s| match s.holder {
            Holder::Entity(e) if basis.of(s) > 0.0 => Some(e),
            _ => None,
        })
    };
    // The entities upstream of the target through links, the target first.
    let mut nodes = vec![target];
    let mut index: BTreeMap<EntityId, usize> = BTreeMap::from([(target, 0)]);
    let mut next = 0;
    while next < nodes.len() {
        for holder in links(nodes[next]) {
            if let std::collections::btree_map::Entry::Vacant(slot) = index.entry(holder) {
                slot.insert(nodes.len());
                nodes.push(holder);
            }
        }
        next += 1;
    }
    // holders[i]: the nodes linked to node i (edges holder → issuer).
    let holders: Vec<Vec<usize>> = nodes.iter().map(|n| links(*n).map(|h| index[&h]).collect()).collect();
    let component = components(&holders);
    let mut fed_from_outside = vec![false; nodes.len()];
    for (issuer, its_holders) in holders.iter().enumerate() {
        if its_holders.iter().any(|h| component[*h] != component[issuer]) {
            fed_from_outside[component[issuer]] = true;
        }
    }
    let chain = control_chain(graph, target, basis);
    let controlling = chain.last().copied();
    let (effective, _) = graph.effective(target, basis);
    let mut parents: Vec<UltimateParent> = nodes
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(i, entity)| {
            let top = !fed_from_outside[component[i]];
            let is_controlling = controlling == Some(*entity);
            (top || is_controlling).then(|| UltimateParent {
                entity: *entity,
                effective: effective.get(&Holder::Entity(*entity)).copied().unwrap_or(0.0),
                top,
                controlling: is_controlling,
            })
        })
        .collect();
    parents.sort_by(|a, b| {
        b.controlling.cmp(&a.controlling).then(b.effective.total_cmp(&a.effective)).then(a.entity.cmp(&b.entity))
    });
    parents
}

/// The strongly connected component of each node (Kosaraju, iteratively,
/// so that a long chain cannot overflow the stack), numbered from 0 and at
/// most the number of nodes. `holders[i]` lists the nodes with an edge to i.
fn components(holders: &[Vec<usize>]) -> Vec<usize> {
    let n = holders.len();
    let mut holdings: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (issuer, its_holders) in holders.iter().enumerate() {
        for holder in its_holders {
            holdings[*holder].push(issuer);
        }
    }
    // Pass 1: nodes in the order their depth-first walk along holdings ends.
    let mut finished = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for start in 0..n {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack = vec![(start, 0)];
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&issuer) = holdings[node].get(*next) {
                *next += 1;
                if !visited[issuer] {
                    visited[issuer] = true;
                    stack.push((issuer, 0));
                }
            } else {
                finished.push(node);
                stack.pop();
            }
        }
    }
    // Pass 2: along the reversed edges (holders), latest finished first;
    // each walk collects one component.
    let mut component = vec![usize::MAX; n];
    let mut count = 0;
    for &start in finished.iter().rev() {
        if component[start] != usize::MAX {
            continue;
        }
        component[start] = count;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &holder in &holders[node] {
                if component[holder] == usize::MAX {
                    component[holder] = count;
                    stack.push(holder);
                }
            }
        }
        count += 1;
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PersonId;

    fn stake(holder: Holder, issuer: EntityId, fraction: f64) -> Stake {
        Stake { holder, issuer, capital: fraction, votes: fraction }
    }

    #[test]
    fn chains_add_up() {
        let (a, b) = (EntityId::generate(), EntityId::generate());
        let pat = Holder::Person(PersonId::generate());
        let graph = Graph::new([stake(pat, a, 0.6), stake(Holder::Entity(a), b, 0.8), stake(pat, b, 0.1)]);
        let (effective, _) = graph.effective(b, Basis::Capital);
        assert!((effective[&pat] - 0.58).abs() < 1e-12, "{effective:?}");
        assert!((effective[&Holder::Entity(a)] - 0.8).abs() < 1e-12);
        let owners = beneficial_owners(&graph, b, 0.25, &BTreeMap::new());
        assert_eq!(owners.first().map(|o| Holder::Person(o.person)), Some(pat));
        assert!(owners[0].direct && owners[0].jointly.is_empty());
    }

    #[test]
    fn a_joint_holding_counts_in_full_for_each_of_its_holders() {
        // Ann and Bo jointly hold 30 % of T; Bo also holds 10 % alone and,
        // through H (which Ann and Bo jointly hold 50 % of), 0.5 × 40 %.
        let (t, h) = (EntityId::generate(), EntityId::generate());
        let (ann, bo, cy) = (PersonId::generate(), PersonId::generate(), PersonId::generate());
        let couple = crate::joint::JointHolding::of(vec![ann, bo]).unwrap();
        let graph = Graph::new([
            stake(Holder::Joint(couple.id), t, 0.3),
            stake(Holder::Person(bo), t, 0.1),
            stake(Holder::Entity(h), t, 0.4),
            stake(Holder::Joint(couple.id), h, 0.5),
            stake(Holder::Person(cy), h, 0.5),
        ]);
        let members = BTreeMap::from([(couple.id, couple.members().to_vec())]);
        let owners = beneficial_owners(&graph, t, 0.25, &members);
        let find = |p: PersonId| owners.iter().find(|o| o.person == p).cloned();
        let bo_owner = find(bo).unwrap();
        assert!((bo_owner.capital - 0.6).abs() < 1e-12, "{owners:?}");
        assert!(bo_owner.direct);
        assert_eq!(bo_owner.jointly, [couple.id], "held jointly, directly and through H");
        assert!((find(ann).unwrap().capital - 0.5).abs() < 1e-12);
        assert!(find(cy).is_none(), "Cy holds 20 % through H, under the threshold");
        assert_eq!(owners[0].person, bo, "largest first");
    }

    #[test]
    fn cross_holdings_converge_to_the_closed_form() {
        // A holds 60 % of B, B holds 20 % of A, Pat 80 % of A, Lee 40 % of B.
        let (a, b) = (EntityId::generate(), EntityId::generate());
        let (pat, lee) = (Holder::Person(PersonId::generate()), Holder::Person(PersonId::generate()));
        let graph = Graph::new([
            stake(Holder::Entity(a), b, 0.6),
            stake(Holder::Entity(b), a, 0.2),
            stake(pat, a, 0.8),
            stake(lee, b, 0.4),
        ]);
        let (effective, rounds) = graph.effective(b, Basis::Capital);
        // e(A) = 0.6 + 0.2·0.6·… : the series 0.6 / (1 − 0.12); Pat holds 0.8·e(A).
        let through_a = 0.6 / (1.0 - 0.12);
        assert!((effective[&Holder::Entity(a)] - through_a).abs() < 1e-9, "{effective:?}");
        assert!((effective[&pat] - 0.8 * through_a).abs() < 1e-9, "{effective:?}");
        assert!((effective[&lee] - 0.4 / (1.0 - 0.12)).abs() < 1e-9, "{effective:?}");
        assert!(rounds < 100, "{rounds}");
        assert!(!effective.contains_key(&Holder::Entity(b)));
    }

    fn entities<const N: usize>() -> [EntityId; N] {
        std::array::from_fn(|_| EntityId::generate())
    }

    fn parent(parents: &[UltimateParent], entity: EntityId) -> UltimateParent {
        *parents.iter().find(|p| p.entity == entity).unwrap_or_else(|| panic!("{entity:?} missing: {parents:?}"))
    }

    #[test]
    fn a_chain_has_its_top_entity() {
        // Top holds 60 % of Mid, Mid 70 % of Sub; persons hold the rest.
        let [top, mid, sub] = entities();
        let (pat, lee) = (Holder::Person(PersonId::generate()), Holder::Person(PersonId::generate()));
        let graph = Graph::new([
            stake(Holder::Entity(top), mid, 0.6),
            stake(lee, mid, 0.4),
            stake(Holder::Entity(mid), sub, 0.7),
            stake(pat, sub, 0.3),
        ]);
        let parents = ultimate_parents(&graph, sub, Basis::Votes);
        assert_eq!(parents.len(), 1, "{parents:?}");
        let found = parents[0];
        assert_eq!(found.entity, top);
        assert!(found.top && found.controlling, "{found:?}");
        assert!((found.effective - 0.42).abs() < 1e-12, "{found:?}");
        assert_eq!(control_chain(&graph, sub, Basis::Votes), vec![mid, top]);
        // Nothing is above the top.
        assert!(ultimate_parents(&graph, top, Basis::Votes).is_empty());
    }

    #[test]
    fn two_unrelated_tops_are_both_listed_and_neither_controls() {
        let [x, y, c] = entities();
        let graph = Graph::new([stake(Holder::Entity(x), c, 0.5), stake(Holder::Entity(y), c, 0.5)]);
        let parents = ultimate_parents(&graph, c, Basis::Capital);
        assert_eq!(parents.len(), 2, "{parents:?}");
        for entity in [x, y] {
            let found = parent(&parents, entity);
            assert!(found.top && !found.controlling, "{found:?}");
            assert!((found.effective - 0.5).abs() < 1e-12);
        }
        assert!(control_chain(&graph, c, Basis::Capital).is_empty());
    }

    #[test]
    fn a_cycle_without_outside_holders_is_the_top() {
        // X and Y hold 30 % of each other, persons the rest; X holds 60 % of T.
        let [x, y, t] = entities();
        let pat = Holder::Person(PersonId::generate());
        let graph = Graph::new([
            stake(Holder::Entity(x), y, 0.3),
            stake(Holder::Entity(y), x, 0.3),
            stake(pat, x, 0.7),
            stake(pat, y, 0.7),
            stake(Holder::Entity(x), t, 0.6),
        ]);
        let parents = ultimate_parents(&graph, t, Basis::Capital);
        assert_eq!(parents.len(), 2, "{parents:?}");
        let (in_x, in_y) = (parent(&parents, x), parent(&parents, y));
        assert!(in_x.top && in_x.controlling, "{in_x:?}");
        assert!(in_y.top && !in_y.controlling, "{in_y:?}");
        // Y reaches T through X: 0.3 · 0.6 / (1 − 0.09).
        assert!((in_y.effective - 0.18 / 0.91).abs() < 1e-9, "{in_y:?}");
        // With an outside holder, the cycle is no longer the top.
        let [z] = entities();
        let graph = Graph::new(graph.stakes().copied().chain([stake(Holder::Entity(z), y, 0.1)]));
        let parents = ultimate_parents(&graph, t, Basis::Capital);
        assert!(parent(&parents, z).top);
        assert!(!parent(&parents, x).top && parent(&parents, x).controlling, "{parents:?}");
        assert!(parents.iter().all(|p| p.entity != y), "{parents:?}");
    }

    #[test]
    fn the_target_in_a_cycle_lists_the_other_members() {
        // A holds 60 % of B, B 20 % of A; Pat holds 80 % of A.
        let [a, b] = entities();
        let pat = Holder::Person(PersonId::generate());
        let graph =
            Graph::new([stake(Holder::Entity(a), b, 0.6), stake(Holder::Entity(b), a, 0.2), stake(pat, a, 0.8)]);
        let parents = ultimate_parents(&graph, b, Basis::Votes);
        assert_eq!(parents.len(), 1, "{parents:?}");
        assert_eq!(parents[0].entity, a);
        assert!(parents[0].top && parents[0].controlling);
    }

    #[test]
    fn majorities_are_followed_up_and_end() {
        // Sub ← 80 % Mid ← 55 % Top ← 90 % Pat; Side holds 45 % of Mid (a second top).
        let [sub, mid, top, side] = entities();
        let pat = Holder::Person(PersonId::generate());
        let graph = Graph::new([
            stake(Holder::Entity(mid), sub, 0.8),
            stake(Holder::Entity(top), mid, 0.55),
            stake(Holder::Entity(side), mid, 0.45),
            stake(pat, top, 0.9),
        ]);
        assert_eq!(control_chain(&graph, sub, Basis::Votes), vec![mid, top]);
        let parents = ultimate_parents(&graph, sub, Basis::Votes);
        assert_eq!(parents.iter().map(|p| p.entity).collect::<Vec<_>>(), vec![top, side]);
        assert!(parents[0].controlling && !parents[1].controlling);

        // A person holding a majority of Mid stops the chain at Mid, which is
        // listed although an entity holds a minority of it.
        let graph = Graph::new([
            stake(Holder::Entity(mid), sub, 0.8),
            stake(pat, mid, 0.6),
            stake(Holder::Entity(side), mid, 0.4),
        ]);
        let parents = ultimate_parents(&graph, sub, Basis::Votes);
        let in_mid = parent(&parents, mid);
        assert!(in_mid.controlling && !in_mid.top, "{in_mid:?}");
        assert!(parent(&parents, side).top);

        // Exactly half is no majority.
        let graph = Graph::new([stake(Holder::Entity(mid), sub, 0.5)]);
        assert!(control_chain(&graph, sub, Basis::Votes).is_empty());
        assert!(!ultimate_parents(&graph, sub, Basis::Votes)[0].controlling);
    }

    #[test]
    fn a_cycle_of_majorities_ends() {
        // A holds 60 % of B and B 60 % of A; A also holds 70 % of T.
        let [a, b, t] = entities();
        let graph = Graph::new([
            stake(Holder::Entity(a), b, 0.6),
            stake(Holder::Entity(b), a, 0.6),
            stake(Holder::Entity(a), t, 0.7),
        ]);
        assert_eq!(control_chain(&graph, t, Basis::Votes), vec![a, b]);
        let parents = ultimate_parents(&graph, t, Basis::Votes);
        assert_eq!(parents.len(), 2, "{parents:?}");
        assert!(parent(&parents, b).controlling && parent(&parents, b).top);
        assert!(!parent(&parents, a).controlling && parent(&parents, a).top);
    }

    #[test]
    fn the_basis_decides_which_stakes_link() {
        // Pref holds non-voting shares of T (all its capital); Vote holds every vote.
        let [pref, vote, t] = entities();
        let graph = Graph::new([
            Stake { holder: Holder::Entity(pref), issuer: t, capital: 0.9, votes: 0.0 },
            Stake { holder: Holder::Entity(vote), issuer: t, capital: 0.1, votes: 1.0 },
        ]);
        let by_votes = ultimate_parents(&graph, t, Basis::Votes);
        assert_eq!(by_votes.iter().map(|p| p.entity).collect::<Vec<_>>(), vec![vote]);
        assert!(by_votes[0].controlling);
        let by_capital = ultimate_parents(&graph, t, Basis::Capital);
        assert_eq!(by_capital.iter().map(|p| p.entity).collect::<Vec<_>>(), vec![pref, vote]);
        assert!(by_capital[0].controlling && !by_capital[1].controlling);
    }

    #[test]
    fn a_long_chain_ends_at_its_top() {
        let chain: Vec<EntityId> = (0..1_000).map(|_| EntityId::generate()).collect();
        let graph = Graph::new(chain.windows(2).map(|w| stake(Holder::Entity(w[1]), w[0], 1.0)));
        let parents = ultimate_parents(&graph, chain[0], Basis::Votes);
        assert_eq!(parents.len(), 1);
        assert_eq!(parents[0].entity, chain[chain.len() - 1]);
        assert!(parents[0].top && parents[0].controlling);
    }

    #[test]
    fn thresholds() {
        use serde_json::json;
        assert_eq!(Threshold::default(), Threshold::DEFAULT);
        assert_eq!(Threshold::DEFAULT.percent(), 25.0);
        assert_eq!(Threshold::DEFAULT.to_json(), json!(25));
        let ten = Threshold::parse("t", &json!(10)).unwrap();
        assert_eq!((ten.percent(), ten.fraction(), ten.millionths()), (10.0, 0.1, 10_000_000));
        assert_eq!(Threshold::parse("t", &json!(12.5)).unwrap().to_json(), json!(12.5));
        assert_eq!(Threshold::parse("t", &json!(100)).unwrap().percent(), 100.0);
        assert_eq!(Threshold::parse("t", &json!(0.000001)).unwrap().millionths(), 1);
        for (bad, rule) in [
            (json!(0), "range"),
            (json!(101), "range"),
            (json!(-5), "range"),
            (json!(100.000001), "range"),
            (json!(1.0000001), "range"),
            (json!("ten"), "type"),
            (json!("10"), "type"),
            (json!(null), "type"),
            (json!(true), "type"),
        ] {
            let error = Threshold::parse("t", &bad).unwrap_err();
            assert_eq!((error.field.as_str(), error.rule), ("t", rule), "{bad}");
        }
        assert_eq!(Threshold::from_millionths(0), None);
        assert_eq!(Threshold::from_millionths(100_000_001), None);
    }
}
