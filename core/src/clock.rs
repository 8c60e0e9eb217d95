//! Time as the pipeline and dispatcher see it.
//!
//! Live runs read the wall clock. Replay runs a [`SimulatedClock`] that stream timestamps drive
//! forward from the footage's recorded start, so dwell times and time-of-day windows use the
//! footage's own time and two replays of the same footage give the same events, however fast the
//! machine decodes.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use chrono::{DateTime, Utc};

/// A source of "now".
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's real-time clock, for live cameras.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Time reconstructed from a stream: the recording's wall-clock start plus the furthest stream
/// position seen so far. Shared between threads; it never runs backwards, because frames from
/// several decoders may report positions slightly out of order.
#[derive(Debug)]
pub struct SimulatedClock {
    start: DateTime<Utc>,
    elapsed_ns: AtomicU64,
}

impl SimulatedClock {
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            start,
            elapsed_ns: AtomicU64::new(0),
        }
    }

    /// Moves the clock to `position` into the stream, unless it is already past it. Returns the
    /// clock's time afterwards.
    pub fn advance_to(&self, position: Duration) -> DateTime<Utc> {
        let ns = u64::try_from(position.as_nanos()).unwrap_or(u64::MAX);
        self.elapsed_ns.fetch_max(ns, Ordering::AcqRel);
        self.now()
    }

    /// The stream position this clock has reached.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.elapsed_ns.load(Ordering::Acquire))
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + self.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        "2026-06-01T20:30:00Z".parse().unwrap()
    }

    #[test]
    fn simulated_time_is_start_plus_stream_position() {
        let clock = SimulatedClock::starting_at(start());
        assert_eq!(clock.now(), start());
        let t = clock.advance_to(Duration::from_millis(90_040));
        assert_eq!(t, "2026-06-01T20:31:30.040Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(clock.now(), t);
    }

    #[test]
    fn simulated_time_never_runs_backwards() {
        let clock = SimulatedClock::starting_at(start());
        clock.advance_to(Duration::from_secs(10));
        let t = clock.advance_to(Duration::from_secs(9));
        assert_eq!(t, start() + Duration::from_secs(10));
    }

    #[test]
    fn simulated_clock_is_shared_across_threads() {
        let clock = std::sync::Arc::new(SimulatedClock::starting_at(start()));
        let handles: Vec<_> = (1..=4u64)
            .map(|i| {
                let clock = clock.clone();
                std::thread::spawn(move || clock.advance_to(Duration::from_secs(i)))
            })
            .collect();
        handles.into_iter().for_each(|h| {
            h.join().unwrap();
        });
        assert_eq!(clock.elapsed(), Duration::from_secs(4));
    }

    #[test]
    fn wall_clock_follows_the_system_clock() {
        let before = Utc::now();
        let now = WallClock.now();
        assert!(now >= before && now <= Utc::now());
    }
}
