//! Gathering frames from many cameras into inference batches.
//!
//! A batch closes when it holds `max_batch` frames or when its first frame has waited
//! `max_wait`, whichever comes first. Each sweep takes at most one frame per camera, starting
//! after the camera served last, so a busy camera cannot starve a quiet one. Cameras may join
//! while it runs (a worker taking over a camera) through a [`Joiner`]; a closed camera's queue
//! leaves at the next sweep.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use gridwatch_core::Frame;

use crate::source::{Doorbell, FrameQueue, Next};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchPolicy {
    pub max_batch: usize,
    pub max_wait: Duration,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            max_batch: 8,
            max_wait: Duration::from_millis(20),
        }
    }
}

pub struct Batcher {
    queues: Vec<Arc<FrameQueue>>,
    doorbell: Arc<Doorbell>,
    policy: BatchPolicy,
    cursor: usize,
    /// Queues still to join, while a [`Joiner`] lives.
    joining: Option<Receiver<Arc<FrameQueue>>>,
}

/// Adds cameras' queues to a running [`Batcher`]. Once it is dropped no more join, and batching
/// ends when the last queue has closed.
pub struct Joiner {
    queues: Option<Sender<Arc<FrameQueue>>>,
    doorbell: Arc<Doorbell>,
}

impl Joiner {
    /// `queue` must ring the batcher's doorbell (see [`FrameQueue::with_doorbell`]).
    pub fn add(&self, queue: Arc<FrameQueue>) {
        if let Some(queues) = &self.queues {
            // The batcher has ended only when its workers have: nothing is left to feed.
            let _ = queues.send(queue);
        }
        self.doorbell.ring();
    }
}

impl Drop for Joiner {
    fn drop(&mut self) {
        // Closed first, so that the batcher the bell wakes sees that no more will join.
        self.queues.take();
        self.doorbell.ring();
    }
}

impl Batcher {
    /// `queues` must ring `doorbell` (see [`FrameQueue::with_doorbell`]).
    pub fn new(queues: Vec<Arc<FrameQueue>>, doorbell: Arc<Doorbell>, policy: BatchPolicy) -> Self {
        assert!(policy.max_batch > 0, "a batch holds at least one frame");
        Self {
            queues,
            doorbell,
            policy,
            cursor: 0,
            joining: None,
        }
    }

    /// A batcher without cameras yet; they join through the [`Joiner`].
    pub fn joinable(doorbell: Arc<Doorbell>, policy: BatchPolicy) -> (Self, Joiner) {
        let (queues, joining) = crossbeam_channel::unbounded();
        let joiner = Joiner {
            queues: Some(queues),
            doorbell: doorbell.clone(),
        };
        let batcher = Self {
            joining: Some(joining),
            ..Self::new(Vec::new(), doorbell, policy)
        };
        (batcher, joiner)
    }

    /// The next batch, or `None` once every camera has closed, none can join and nothing is left.
    pub fn next_batch(&mut self) -> Option<Vec<Frame>> {
        let mut batch = Vec::new();
        let mut deadline: Option<Instant> = None;
        loop {
            let seen = self.doorbell.rings();
            self.admit();
            let open = self.sweep(&mut batch);
            if batch.len() == self.policy.max_batch {
                return Some(batch);
            }
            if !batch.is_empty() && deadline.is_some_and(|d| Instant::now() >= d) {
                return Some(batch);
            }
            if open == 0 && self.joining.is_none() {
                return (!batch.is_empty()).then_some(batch);
            }
            if !batch.is_empty() && deadline.is_none() {
                deadline = Some(Instant::now() + self.policy.max_wait);
            }
            // Nothing more yet: sleep until a camera delivers (or, with frames in hand, the deadline).
            self.doorbell.wait(
                seen,
                deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(1)),
            );
        }
    }

    /// Takes in the queues that have joined since the last sweep.
    fn admit(&mut self) {
        while let Some(joining) = &self.joining {
            match joining.try_recv() {
                Ok(queue) => self.queues.push(queue),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => self.joining = None,
            }
        }
    }

    /// Takes at most one frame from each queue into `batch`, and lets closed queues go; returns
    /// how many queues are still open.
    fn sweep(&mut self, batch: &mut Vec<Frame>) -> usize {
        let (n, start) = (self.queues.len(), self.cursor);
        let mut open = 0;
        let mut closed = Vec::new();
        for step in 0..n {
            if batch.len() == self.policy.max_batch {
                open = open.max(1);
                break;
            }
            let i = (start + step) % n;
            match self.queues[i].next(Duration::ZERO) {
                Next::Frame(frame) => {
                    batch.push(frame);
                    open += 1;
                    self.cursor = (i + 1) % n;
                }
                Next::Timeout => open += 1,
                Next::Closed => closed.push(i),
            }
        }
        // From the back, so the indices still point where they did.
        closed.sort_unstable();
        for &i in closed.iter().rev() {
            self.queues.remove(i);
            if i < self.cursor {
                self.cursor -= 1;
            }
        }
        if self.cursor >= self.queues.len() {
            self.cursor = 0;
        }
        open
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use gridwatch_core::CameraId;

    use super::*;
    use crate::source::Overflow;

    fn frame(camera: &str, n: u64) -> Frame {
        Frame {
            camera: CameraId::new(camera).unwrap(),
            pts: Duration::from_millis(n),
            wall: Utc::now(),
            width: 1,
            height: 1,
            pixels: gridwatch_core::Pixels::Rgb(vec![0; 3]),
        }
    }

    fn setup(cameras: usize, policy: BatchPolicy) -> (Vec<Arc<FrameQueue>>, Batcher) {
        let bell = Arc::new(Doorbell::default());
        let queues: Vec<_> = (0..cameras)
            .map(|_| Arc::new(FrameQueue::new(4, Overflow::Wait).with_doorbell(bell.clone())))
            .collect();
        (queues.clone(), Batcher::new(queues, bell, policy))
    }

    fn names(batch: &[Frame]) -> Vec<String> {
        batch
            .iter()
            .map(|f| format!("{}:{}", f.camera, f.pts.as_millis()))
            .collect()
    }

    #[test]
    fn a_full_batch_goes_at_once_and_takes_cameras_in_turn() {
        let (q, mut batcher) = setup(
            3,
            BatchPolicy {
                max_batch: 3,
                max_wait: Duration::from_secs(10),
            },
        );
        for n in 0..3 {
            q[0].push(frame("a", n));
        }
        q[1].push(frame("b", 0));
        q[2].push(frame("c", 0));
        let started = Instant::now();
        assert_eq!(names(&batcher.next_batch().unwrap()), ["a:0", "b:0", "c:0"]);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a full batch does not wait"
        );
        q[1].push(frame("b", 1));
        q[2].push(frame("c", 1));
        assert_eq!(names(&batcher.next_batch().unwrap()), ["a:1", "b:1", "c:1"]);
    }

    #[test]
    fn a_partial_batch_goes_when_its_first_frame_has_waited_long_enough() {
        let (q, mut batcher) = setup(
            2,
            BatchPolicy {
                max_batch: 4,
                max_wait: Duration::from_millis(50),
            },
        );
        q[0].push(frame("a", 0));
        let started = Instant::now();
        let batch = batcher.next_batch().unwrap();
        assert_eq!(names(&batch), ["a:0"]);
        assert!(started.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn a_frame_arriving_while_waiting_joins_the_batch() {
        let (q, mut batcher) = setup(
            2,
            BatchPolicy {
                max_batch: 2,
                max_wait: Duration::from_secs(10),
            },
        );
        q[0].push(frame("a", 0));
        let late = q[1].clone();
        let pusher = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            late.push(frame("b", 0));
        });
        assert_eq!(names(&batcher.next_batch().unwrap()), ["a:0", "b:0"]);
        pusher.join().unwrap();
    }

    #[test]
    fn batching_ends_when_every_camera_has_closed() {
        let (q, mut batcher) = setup(2, BatchPolicy::default());
        q[0].push(frame("a", 0));
        q.iter().for_each(|q| q.close());
        assert_eq!(names(&batcher.next_batch().unwrap()), ["a:0"]);
        assert!(batcher.next_batch().is_none());
    }

    #[test]
    fn cameras_join_and_leave_a_running_batcher_which_ends_only_once_none_can_join() {
        let bell = Arc::new(Doorbell::default());
        let (mut batcher, joiner) = Batcher::joinable(
            bell.clone(),
            BatchPolicy {
                max_batch: 2,
                max_wait: Duration::from_millis(10),
            },
        );
        let queue = || Arc::new(FrameQueue::new(4, Overflow::Wait).with_doorbell(bell.clone()));
        let (a, b) = (queue(), queue());
        // No camera yet: the batcher waits for one instead of ending.
        let feeder = std::thread::spawn({
            let a = a.clone();
            move || {
                std::thread::sleep(Duration::from_millis(50));
                joiner.add(a.clone());
                a.push(frame("a", 0));
                joiner
            }
        });
        assert_eq!(names(&batcher.next_batch().unwrap()), ["a:0"]);
        let joiner = feeder.join().unwrap();
        joiner.add(b.clone());
        a.push(frame("a", 1));
        b.push(frame("b", 0));
        assert_eq!(names(&batcher.next_batch().unwrap()), ["a:1", "b:0"]);
        // A camera that leaves is swept no more; the other goes on.
        a.close();
        b.push(frame("b", 1));
        assert_eq!(names(&batcher.next_batch().unwrap()), ["b:1"]);
        assert_eq!(batcher.queues.len(), 1);
        b.close();
        let ender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(joiner);
        });
        let started = Instant::now();
        assert!(batcher.next_batch().is_none());
        assert!(
            started.elapsed() >= Duration::from_millis(40),
            "ends only once none can join"
        );
        ender.join().unwrap();
    }
}
