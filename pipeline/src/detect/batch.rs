//! Gathering frames from many cameras into inference batches.
//!
//! A batch closes when it holds `max_batch` frames or when its first frame has waited
//! `max_wait`, whichever comes first. Each sweep takes at most one frame per camera, starting
//! after the camera served last, so a busy camera cannot starve a quiet one.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

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
        }
    }

    /// The next batch, or `None` once every camera has closed and nothing is left.
    pub fn next_batch(&mut self) -> Option<Vec<Frame>> {
        let mut batch = Vec::new();
        let mut deadline: Option<Instant> = None;
        loop {
            let seen = self.doorbell.rings();
            let open = self.sweep(&mut batch);
            if batch.len() == self.policy.max_batch {
                return Some(batch);
            }
            if !batch.is_empty() && deadline.is_some_and(|d| Instant::now() >= d) {
                return Some(batch);
            }
            if open == 0 {
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

    /// Takes at most one frame from each queue into `batch`; returns how many queues are still open.
    fn sweep(&mut self, batch: &mut Vec<Frame>) -> usize {
        let (n, start) = (self.queues.len(), self.cursor);
        let mut open = 0;
        for step in 0..n {
            if batch.len() == self.policy.max_batch {
                return open.max(1);
            }
            let i = (start + step) % n;
            match self.queues[i].next(Duration::ZERO) {
                Next::Frame(frame) => {
                    batch.push(frame);
                    open += 1;
                    self.cursor = (i + 1) % n;
                }
                Next::Timeout => open += 1,
                Next::Closed => {}
            }
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
}
