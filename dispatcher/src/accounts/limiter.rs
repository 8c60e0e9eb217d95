//! Sign-in attempts are limited per account name and per client address, so passwords cannot be
//! guessed quickly from one place or against one account from many. Time is the dispatcher's
//! clock: on a simulated clock (tests, replays) a slow machine does not refill the allowance.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    clock::Clock as _, middleware::NoOpMiddleware, nanos::Nanos, state::keyed::DefaultKeyedStateStore, Quota,
    RateLimiter,
};
use gridwatch_core::Clock;

type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, Ticks, NoOpMiddleware<Nanos>>;

/// The dispatcher's clock, in the units the limiters count.
#[derive(Clone)]
struct Ticks(Arc<dyn Clock>);

impl governor::clock::Clock for Ticks {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let ms = self.0.now().timestamp_millis().max(0) as u64;
        Nanos::from(Duration::from_millis(ms))
    }
}

pub struct SignInLimiter {
    by_name: Limiter<String>,
    by_address: Limiter<IpAddr>,
    clock: Ticks,
}

impl SignInLimiter {
    /// At most `per_name` attempts a minute at one account and `per_address` from one address,
    /// each allowed in a burst, by `clock`.
    pub fn new(per_name: u32, per_address: u32, clock: Arc<dyn Clock>) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        let clock = Ticks(clock);
        Self {
            by_name: RateLimiter::dashmap_with_clock(quota(per_name), clock.clone()),
            by_address: RateLimiter::dashmap_with_clock(quota(per_address), clock.clone()),
            clock,
        }
    }

    /// Five attempts a minute at one account, twenty from one address, by `clock`.
    pub fn by(clock: Arc<dyn Clock>) -> Self {
        Self::new(5, 20, clock)
    }

    /// Counts an attempt; `Err` says how long to wait before the next one is allowed.
    pub fn attempt(&self, name: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = self.clock.now();
        if let Some(address) = address {
            self.by_address
                .check_key(&address)
                .map_err(|until| until.wait_time_from(now))?;
        }
        self.by_name
            .check_key(&name.to_lowercase())
            .map_err(|until| until.wait_time_from(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_quick_attempt_at_one_name_waits() {
        let limiter = SignInLimiter::new(5, 100, Arc::new(gridwatch_core::WallClock));
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..5 {
            limiter.attempt("chen", here).unwrap();
        }
        let wait = limiter.attempt("CHEN", here).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        limiter
            .attempt("lin", here)
            .expect("another name is not held back");
    }

    #[test]
    fn one_address_trying_many_names_is_held_back() {
        let limiter = SignInLimiter::new(5, 3, Arc::new(gridwatch_core::WallClock));
        let there = Some(IpAddr::from([10, 0, 0, 9]));
        for name in ["a", "b", "c"] {
            limiter.attempt(name, there).unwrap();
        }
        assert!(limiter.attempt("d", there).is_err());
        limiter
            .attempt("d", Some(IpAddr::from([10, 0, 0, 10])))
            .expect("another address is not held back");
    }
}
