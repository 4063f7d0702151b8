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

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::{appointment::Holder, ids::EntityId};

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

/// Natural persons whose effective capital or votes reach `threshold` (a
/// fraction), with both figures, largest first.
pub fn beneficial_owners(graph: &Graph, target: EntityId, threshold: f64) -> Vec<(Holder, f64, f64)> {
    let (capital, _) = graph.effective(target, Basis::Capital);
    let (votes, _) = graph.effective(target, Basis::Votes);
    let persons: BTreeSet<Holder> =
        capital.keys().chain(votes.keys()).filter(|h| matches!(h, Holder::Person(_))).copied().collect();
    let mut owners: Vec<(Holder, f64, f64)> = persons
        .into_iter()
        .map(|h| (h, capital.get(&h).copied().unwrap_or(0.0), votes.get(&h).copied().unwrap_or(0.0)))
        // A hair of tolerance: 25 % reached through chains of fractions.
        .filter(|(_, c, v)| c.max(*v) + 1e-9 >= threshold)
        .collect();
    owners.sort_by(|a, b| b.1.max(b.2).total_cmp(&a.1.max(a.2)));
    owners
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
        assert_eq!(beneficial_owners(&graph, b, 0.25).first().map(|o| o.0), Some(pat));
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
}
