//! Limits per tenant tier, so that one busy tenant cannot starve the others
//! that share its database: a request rate (429 with `Retry-After` above it)
//! and a `statement_timeout` set inside each of its transactions.
//!
//! Rates are counted per process: with N replicas a tenant may reach N
//! times its rate, which bounds the damage without a shared counter.

use std::{collections::HashMap, num::NonZeroU32, time::Duration};

use charter_domain::{ids::TenantId, tenant::Tier};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

/// The limits of one tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierLimits {
    /// Sustained requests per second; `None` for no limit.
    pub requests_per_second: Option<NonZeroU32>,
    /// Requests that may arrive at once above the sustained rate.
    pub burst: Option<NonZeroU32>,
    /// The longest a statement of the tenant may run.
    pub statement_timeout: Option<Duration>,
}

/// Limits of every tier.
#[derive(Debug, Clone)]
pub struct Limits {
    pub standard: TierLimits,
    pub premium: TierLimits,
    pub unmetered: TierLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            standard: TierLimits {
                requests_per_second: NonZeroU32::new(200),
                burst: NonZeroU32::new(400),
                statement_timeout: Some(Duration::from_secs(5)),
            },
            premium: TierLimits {
                requests_per_second: NonZeroU32::new(1_000),
                burst: NonZeroU32::new(2_000),
                statement_timeout: Some(Duration::from_secs(30)),
            },
            unmetered: TierLimits { requests_per_second: None, burst: None, statement_timeout: None },
        }
    }
}

impl Limits {
    pub fn of(&self, tier: Tier) -> TierLimits {
        match tier {
            Tier::Standard => self.standard,
            Tier::Premium => self.premium,
            Tier::Unmetered => self.unmetered,
        }
    }
}

/// One keyed token bucket per tier with a rate.
pub(crate) struct RateLimiters {
    per_tier: HashMap<Tier, DefaultKeyedRateLimiter<TenantId>>,
    clock: DefaultClock,
}

impl RateLimiters {
    pub fn new(limits: &Limits) -> Self {
        let per_tier = Tier::ALL
            .into_iter()
            .filter_map(|tier| {
                let tier_limits = limits.of(tier);
                let rate = tier_limits.requests_per_second?;
                let quota = Quota::per_second(rate).allow_burst(tier_limits.burst.unwrap_or(rate));
                Some((tier, RateLimiter::keyed(quota)))
            })
            .collect();
        Self { per_tier, clock: DefaultClock::default() }
    }

    /// `Err(wait)` if the tenant is over its tier's rate.
    pub fn check(&self, tier: Tier, tenant: TenantId) -> Result<(), Duration> {
        let Some(limiter) = self.per_tier.get(&tier) else { return Ok(()) };
        limiter.check_key(&tenant).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets tenants idle long enough to have a full bucket again.
    pub fn prune(&self) {
        for limiter in self.per_tier.values() {
            limiter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_over_its_rate_waits_and_others_do_not() {
        let limits = Limits {
            standard: TierLimits {
                requests_per_second: NonZeroU32::new(1),
                burst: NonZeroU32::new(2),
                statement_timeout: None,
            },
            ..Limits::default()
        };
        let limiters = RateLimiters::new(&limits);
        let (noisy, quiet) = (TenantId::generate(), TenantId::generate());
        assert!(limiters.check(Tier::Standard, noisy).is_ok());
        assert!(limiters.check(Tier::Standard, noisy).is_ok());
        let wait = limiters.check(Tier::Standard, noisy).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiters.check(Tier::Standard, quiet).is_ok());
        for _ in 0..10_000 {
            assert!(limiters.check(Tier::Unmetered, noisy).is_ok());
        }
    }
}
