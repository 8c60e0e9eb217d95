//! Sign-in attempts are limited per account name and per client address, so passwords cannot be
//! guessed quickly from one place or against one account from many.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota};

pub struct SignInLimiter {
    by_name: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::new(5, 20)
    }
}

impl SignInLimiter {
    /// At most `per_name` attempts a minute at one account and `per_address` from one address,
    /// each allowed in a burst.
    pub fn new(per_name: u32, per_address: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Self {
            by_name: DefaultKeyedRateLimiter::keyed(quota(per_name)),
            by_address: DefaultKeyedRateLimiter::keyed(quota(per_address)),
        }
    }

    /// Counts an attempt; `Err` says how long to wait before the next one is allowed.
    pub fn attempt(&self, name: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = governor::clock::DefaultClock::default().now();
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
        let limiter = SignInLimiter::new(5, 100);
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
        let limiter = SignInLimiter::new(5, 3);
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
