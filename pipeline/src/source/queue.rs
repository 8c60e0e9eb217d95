//! The hand-over between a camera's decoder thread and the analysis that consumes its frames.
//!
//! Live, the newest frame wins: when analysis falls behind, the oldest waiting frame is dropped,
//! so a slow consumer never builds a backlog or grows memory, and what it analyses is current.
//! In replay nothing may be dropped (two replays must give the same events), so the decoder
//! waits for room instead.

use std::{
    collections::VecDeque,
    sync::{Arc, Condvar, Mutex},
    time::{Duration, Instant},
};

use gridwatch_core::Frame;

use crate::metrics::CameraMetrics;

/// What to do with a new frame when the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    DropOldest,
    Wait,
}

#[derive(Debug)]
pub struct FrameQueue {
    capacity: usize,
    overflow: Overflow,
    state: Mutex<State>,
    changed: Condvar,
    doorbell: Option<Arc<Doorbell>>,
    metrics: CameraMetrics,
}

/// Shared by many queues so one consumer can sleep until any of them has news.
#[derive(Debug, Default)]
pub struct Doorbell {
    rings: Mutex<u64>,
    rung: Condvar,
}

impl Doorbell {
    /// How many times it has rung so far; pass it to [`Doorbell::wait`].
    pub fn rings(&self) -> u64 {
        *self.rings.lock().expect("doorbell lock poisoned")
    }

    pub(crate) fn ring(&self) {
        *self.rings.lock().expect("doorbell lock poisoned") += 1;
        self.rung.notify_all();
    }

    /// Sleeps until it rings again after `seen` rings, or until `deadline`.
    pub fn wait(&self, seen: u64, deadline: Instant) {
        let rings = self.rings.lock().expect("doorbell lock poisoned");
        let timeout = deadline.saturating_duration_since(Instant::now());
        let _ = self
            .rung
            .wait_timeout_while(rings, timeout, |r| *r == seen)
            .expect("doorbell lock poisoned");
    }
}

#[derive(Debug, Default)]
struct State {
    frames: VecDeque<Frame>,
    closed: bool,
    dropped: u64,
}

/// The outcome of waiting for a frame.
#[derive(Debug, PartialEq)]
pub enum Next {
    Frame(Frame),
    /// Nothing arrived in time; the source is still running.
    Timeout,
    /// The source has finished and every frame has been taken.
    Closed,
}

impl FrameQueue {
    pub fn new(capacity: usize, overflow: Overflow) -> Self {
        assert!(capacity > 0, "a frame queue needs room for one frame");
        Self {
            capacity,
            overflow,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            doorbell: None,
            metrics: CameraMetrics::default(),
        }
    }

    /// Counts what arrives and what is dropped, and how many wait, into `metrics`.
    pub fn with_metrics(mut self, metrics: CameraMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The series this queue counts into, shared with the camera that feeds it.
    pub fn metrics(&self) -> &CameraMetrics {
        &self.metrics
    }

    /// Rings `doorbell` whenever a frame arrives or the queue closes.
    pub fn with_doorbell(mut self, doorbell: Arc<Doorbell>) -> Self {
        self.doorbell = Some(doorbell);
        self
    }

    /// Hands a frame over. Returns false when the queue was closed and the frame discarded.
    pub fn push(&self, frame: Frame) -> bool {
        let mut state = self.state.lock().expect("queue lock poisoned");
        loop {
            if state.closed {
                return false;
            }
            if state.frames.len() < self.capacity {
                break;
            }
            match self.overflow {
                Overflow::DropOldest => {
                    state.frames.pop_front();
                    state.dropped += 1;
                    self.metrics.dropped.inc();
                }
                Overflow::Wait => state = self.changed.wait(state).expect("queue lock poisoned"),
            }
        }
        state.frames.push_back(frame);
        self.metrics.decoded.inc();
        self.metrics.queue_depth.set(state.frames.len() as i64);
        self.changed.notify_all();
        drop(state);
        if let Some(bell) = &self.doorbell {
            bell.ring();
        }
        true
    }

    /// Takes the oldest waiting frame, waiting up to `timeout` for one.
    pub fn next(&self, timeout: Duration) -> Next {
        let state = self.state.lock().expect("queue lock poisoned");
        let (mut state, _) = self
            .changed
            .wait_timeout_while(state, timeout, |s| s.frames.is_empty() && !s.closed)
            .expect("queue lock poisoned");
        match state.frames.pop_front() {
            Some(frame) => {
                self.metrics.queue_depth.set(state.frames.len() as i64);
                self.changed.notify_all();
                Next::Frame(frame)
            }
            None if state.closed => Next::Closed,
            None => Next::Timeout,
        }
    }

    /// No more frames will come; waiting consumers see `Closed` once the queue is empty.
    pub fn close(&self) {
        self.state.lock().expect("queue lock poisoned").closed = true;
        self.changed.notify_all();
        if let Some(bell) = &self.doorbell {
            bell.ring();
        }
    }

    /// How many frames were dropped because the consumer was behind.
    pub fn dropped(&self) -> u64 {
        self.state.lock().expect("queue lock poisoned").dropped
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, thread};

    use chrono::Utc;
    use gridwatch_core::CameraId;

    use super::*;

    fn frame(n: u64) -> Frame {
        Frame {
            camera: CameraId::new("cam").unwrap(),
            pts: Duration::from_millis(n),
            wall: Utc::now(),
            width: 1,
            height: 1,
            pixels: gridwatch_core::Pixels::Rgb(vec![0; 3]),
        }
    }

    fn pts(next: Next) -> u64 {
        match next {
            Next::Frame(f) => f.pts.as_millis() as u64,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn live_queue_keeps_the_newest_frames_when_the_consumer_lags() {
        let q = FrameQueue::new(2, Overflow::DropOldest);
        for n in 0..10 {
            assert!(q.push(frame(n)));
        }
        assert_eq!(q.dropped(), 8);
        assert_eq!(q.metrics().dropped.get(), 8);
        assert_eq!(q.metrics().decoded.get(), 10);
        assert_eq!(q.metrics().queue_depth.get(), 2);
        assert_eq!(pts(q.next(Duration::ZERO)), 8);
        assert_eq!(pts(q.next(Duration::ZERO)), 9);
        assert_eq!(q.metrics().queue_depth.get(), 0);
        assert_eq!(q.next(Duration::from_millis(10)), Next::Timeout);
    }

    #[test]
    fn replay_queue_makes_the_producer_wait_and_loses_nothing() {
        let q = Arc::new(FrameQueue::new(1, Overflow::Wait));
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                for n in 0..50 {
                    q.push(frame(n));
                }
                q.close();
            })
        };
        let mut seen = Vec::new();
        loop {
            match q.next(Duration::from_secs(5)) {
                Next::Frame(f) => seen.push(f.pts.as_millis() as u64),
                Next::Closed => break,
                Next::Timeout => panic!("producer stalled"),
            }
        }
        producer.join().unwrap();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        assert_eq!(q.dropped(), 0);
    }

    #[test]
    fn closing_wakes_a_waiting_consumer_and_refuses_more_frames() {
        let q = Arc::new(FrameQueue::new(1, Overflow::DropOldest));
        let waiter = {
            let q = q.clone();
            thread::spawn(move || q.next(Duration::from_secs(5)))
        };
        thread::sleep(Duration::from_millis(20));
        q.close();
        assert_eq!(waiter.join().unwrap(), Next::Closed);
        assert!(!q.push(frame(1)));
    }
}
