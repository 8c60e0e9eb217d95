//! Evidence clips cut from a camera's compressed stream, never re-encoded.
//!
//! The camera's stream pipeline hands every compressed access unit to the camera's [`ClipRing`],
//! which keeps the last few seconds as whole groups of pictures (each starting at a keyframe, so
//! any cut can be decoded from its first frame). A clip is the packets from the last keyframe at or
//! before its start through its end, rebased to start at zero and muxed into MP4.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use gstreamer::prelude::*;
use gstreamer_app::AppSrc;

use super::EvidenceError;

/// One compressed access unit with the wall-clock time of its presentation.
#[derive(Clone)]
pub struct Packet {
    pub wall: DateTime<Utc>,
    pub keyframe: bool,
    pub buffer: gstreamer::Buffer,
}

#[derive(Default)]
struct Ring {
    caps: Option<gstreamer::Caps>,
    packets: VecDeque<Packet>,
    /// Added to the timestamps of the stream's packets since it last started again (a camera
    /// reconnected, a recording looped), whose timestamps start afresh: so they follow on from
    /// the packets kept from before, after a pause as long as the wall-clock one.
    shift: i64,
    /// The newest frame analysis has seen. Packets run ahead of it by whatever the decoder and
    /// the frame queues hold, which depends on the decode policy: retention counts from here.
    analysed: Option<DateTime<Utc>>,
}

/// A stream whose timestamps go back further than this has started again (in nanoseconds).
const RESTARTED_BY: i64 = 1_000_000_000;

impl Ring {
    /// Sets `packet` on the kept packets' timeline: shifted when its stream started again, and
    /// given the wall-clock time since the last packet when it came without a timestamp (a
    /// muxer cannot place it otherwise). False when it cannot be placed.
    fn place(&mut self, packet: &mut Packet) -> bool {
        let last = self.packets.back();
        let since = last.map_or(0, |l| {
            (packet.wall - l.wall).num_nanoseconds().unwrap_or(0).max(1)
        });
        let previous = last.and_then(|l| decode_time(&l.buffer));
        let (pts, dts) = match (decode_time(&packet.buffer), previous) {
            (None, None) => return false,
            (None, Some(previous)) => (Some(previous + since), None),
            (Some(now), previous) => {
                // B-frames go back too, but by a frame or two, never a second.
                if let Some(previous) = previous.filter(|p| now + self.shift + RESTARTED_BY < *p) {
                    self.shift = previous + since - now;
                }
                let shifted = |t: Option<gstreamer::ClockTime>| t.map(|t| t.nseconds() as i64 + self.shift);
                let dts = shifted(packet.buffer.dts());
                (shifted(packet.buffer.pts()).or(dts), dts)
            }
        };
        let time = |t: Option<i64>| t.map(|t| gstreamer::ClockTime::from_nseconds(t.max(0) as u64));
        let buffer = packet.buffer.make_mut();
        buffer.set_pts(time(pts));
        buffer.set_dts(time(dts));
        true
    }
}

/// Whatever analysis does, packets this far behind the newest are dropped.
const LONGEST: Duration = Duration::from_secs(120);

/// A camera's rolling store of compressed packets, shared between its stream thread (writer) and
/// its evidence recorder (reader).
pub struct ClipRing {
    keep: Duration,
    ring: Mutex<Ring>,
}

impl std::fmt::Debug for ClipRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipRing")
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

impl ClipRing {
    /// Keeps the stream from `keep` before the last analysed frame on, plus the group of
    /// pictures that begins in.
    pub fn new(keep: Duration) -> Arc<Self> {
        Arc::new(Self {
            keep,
            ring: Mutex::new(Ring::default()),
        })
    }

    /// Analysis has reached `at`: what lies more than `keep` before it can go.
    pub fn analysed(&self, at: DateTime<Utc>) {
        self.ring.lock().expect("clip ring poisoned").analysed = Some(at);
    }

    /// The stream's caps (codec, and for H.264/H.265 in MP4 its codec data), from the first packet
    /// on and whenever they change.
    pub fn set_caps(&self, caps: gstreamer::Caps) {
        let mut ring = self.ring.lock().expect("clip ring poisoned");
        if ring.caps.as_ref() != Some(&caps) {
            // Packets under other caps cannot share a file with what follows.
            ring.packets.clear();
            ring.shift = 0;
            ring.caps = Some(caps);
        }
    }

    pub fn push(&self, mut packet: Packet) {
        let mut ring = self.ring.lock().expect("clip ring poisoned");
        if ring.packets.is_empty() && !packet.keyframe {
            return; // nothing decodable starts here
        }
        if !ring.place(&mut packet) {
            return;
        }
        let longest = packet.wall - LONGEST;
        let horizon = ring.analysed.map_or(longest, |at| (at - self.keep).max(longest));
        ring.packets.push_back(packet);
        // Drop the oldest group of pictures while the next one still starts before the horizon.
        while let Some(next_key) = ring.packets.iter().skip(1).position(|p| p.keyframe) {
            if ring.packets[next_key + 1].wall > horizon {
                break;
            }

            ring.packets.drain(..=next_key);
        }
    }

    /// The newest packet's time.
    pub fn newest(&self) -> Option<DateTime<Utc>> {
        self.ring
            .lock()
            .expect("clip ring poisoned")
            .packets
            .back()
            .map(|p| p.wall)
    }

    /// The packets from the last keyframe at or before `from` (or the oldest kept) to `to`.
    pub fn cut(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Cut> {
        let ring = self.ring.lock().expect("clip ring poisoned");
        let caps = ring.caps.clone()?;
        let start = ring
            .packets
            .iter()
            .rposition(|p| p.keyframe && p.wall <= from)
            .or_else(|| ring.packets.iter().position(|p| p.keyframe))?;
        let packets: Vec<Packet> = ring
            .packets
            .iter()
            .skip(start)
            .take_while(|p| p.wall <= to)
            .cloned()
            .collect();
        (!packets.is_empty()).then_some(Cut { caps, packets })
    }
}

/// When a packet is decoded, in nanoseconds of its stream: its DTS, or its PTS without one.
fn decode_time(buffer: &gstreamer::Buffer) -> Option<i64> {
    buffer.dts().or(buffer.pts()).map(|t| t.nseconds() as i64)
}

/// Packets cut from a ring, ready to mux.
#[derive(Clone)]
pub struct Cut {
    caps: gstreamer::Caps,
    packets: Vec<Packet>,
}

impl Cut {
    /// Wall-clock times of the first and last packet.
    pub fn span(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let first = self.packets.first().expect("a cut is never empty");
        let last = self.packets.last().expect("a cut is never empty");
        (first.wall, last.wall)
    }

    /// The packets as an MP4 file, timestamps rebased to zero; the stream is copied, not re-encoded.
    pub fn to_mp4(&self) -> Result<Vec<u8>, EvidenceError> {
        let fail = |what: &str| EvidenceError::Encode(format!("muxing a clip: {what}"));
        let parser = match self.caps.structure(0).map(|s| s.name().as_str()) {
            Some("video/x-h264") => "h264parse",
            Some("video/x-h265") => "h265parse",
            other => {
                return Err(fail(&format!(
                    "cannot mux {} into MP4",
                    other.unwrap_or("unknown caps")
                )))
            }
        };
        let file = tempfile::NamedTempFile::new().map_err(|e| fail(&e.to_string()))?;
        let description = format!(
            "appsrc name=src format=time ! {parser} ! mp4mux ! filesink location=\"{}\"",
            file.path().display()
        );
        let pipeline = gstreamer::parse::launch(&description)
            .map_err(|e| fail(&e.to_string()))?
            .downcast::<gstreamer::Pipeline>()
            .map_err(|_| fail("not a pipeline"))?;
        let result = self.feed(&pipeline);
        let _ = pipeline.set_state(gstreamer::State::Null);
        result?;
        std::fs::read(file.path()).map_err(|e| fail(&e.to_string()))
    }

    fn feed(&self, pipeline: &gstreamer::Pipeline) -> Result<(), EvidenceError> {
        let fail = |what: String| EvidenceError::Encode(format!("muxing a clip: {what}"));
        let src = pipeline
            .by_name("src")
            .and_then(|e| e.downcast::<AppSrc>().ok())
            .expect("the description names its appsrc");
        src.set_caps(Some(&self.caps));
        pipeline
            .set_state(gstreamer::State::Playing)
            .map_err(|e| fail(e.to_string()))?;
        let first = &self.packets[0].buffer;
        let base = first.dts().or(first.pts()).unwrap_or(gstreamer::ClockTime::ZERO);
        for (i, packet) in self.packets.iter().enumerate() {
            let mut buffer = packet.buffer.copy();
            let b = buffer.make_mut();
            b.set_pts(packet.buffer.pts().map(|t| t.saturating_sub(base)));
            b.set_dts(packet.buffer.dts().map(|t| t.saturating_sub(base)));
            if i == 0 {
                b.set_flags(gstreamer::BufferFlags::DISCONT);
            }
            src.push_buffer(buffer).map_err(|e| fail(e.to_string()))?;
        }
        src.end_of_stream().map_err(|e| fail(e.to_string()))?;
        let bus = pipeline.bus().expect("pipelines have a bus");
        let done = [gstreamer::MessageType::Eos, gstreamer::MessageType::Error];
        match bus.timed_pop_filtered(gstreamer::ClockTime::from_seconds(30), &done) {
            Some(msg) => match msg.view() {
                gstreamer::MessageView::Eos(_) => Ok(()),
                // The muxer's own words on what is wrong are in its debug text.
                gstreamer::MessageView::Error(e) => Err(fail(match e.debug() {
                    Some(detail) => format!("{} ({detail})", e.error()),
                    None => e.error().to_string(),
                })),
                _ => unreachable!("filtered"),
            },
            None => Err(fail("the muxer did not finish within 30 s".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + second, 0).unwrap()
    }

    /// One packet a second, a keyframe every fourth.
    fn ring(seconds: i64, keep: u64, analysed: Option<i64>) -> Arc<ClipRing> {
        gstreamer::init().unwrap();
        let ring = ClipRing::new(Duration::from_secs(keep));
        ring.set_caps(gstreamer::Caps::builder("video/x-h264").build());
        if let Some(a) = analysed {
            ring.analysed(at(a));
        }
        for s in 0..seconds {
            ring.push(packet(s, Some(s as u64), s % 4 == 0));
        }
        ring
    }

    /// A packet seen at `wall` with the stream's timestamp `stream_second`.
    fn packet(wall: i64, stream_second: Option<u64>, keyframe: bool) -> Packet {
        let mut buffer = gstreamer::Buffer::new();
        buffer
            .get_mut()
            .unwrap()
            .set_pts(stream_second.map(gstreamer::ClockTime::from_seconds));
        Packet {
            wall: at(wall),
            keyframe,
            buffer,
        }
    }

    #[test]
    fn a_cut_starts_at_the_keyframe_before_its_window() {
        let cut = ring(30, 60, None).cut(at(10), at(17)).unwrap();
        assert_eq!(cut.span(), (at(8), at(17)));
    }

    #[test]
    fn retention_counts_back_from_the_analysed_frame_in_whole_groups() {
        // Analysis is at 20 s and keeps 6 s: the group holding 14 s (from 12 s) must stay.
        let ring = ring(40, 6, Some(20));
        assert_eq!(ring.cut(at(0), at(13)).unwrap().span(), (at(12), at(13)));
        // Without analysis, only the longest retention applies.
        let ring = super::tests::ring(200, 6, None);
        assert_eq!(ring.cut(at(0), at(100)).unwrap().span().0, at(76));
    }

    #[test]
    fn new_caps_start_a_new_ring_at_a_keyframe() {
        let ring = ring(10, 60, None);
        ring.set_caps(gstreamer::Caps::builder("video/x-h265").build());
        assert!(ring.newest().is_none());
        ring.push(packet(11, Some(11), false));
        assert!(ring.newest().is_none(), "a delta frame cannot start a clip");
    }

    #[test]
    fn a_stream_that_starts_again_follows_on_after_a_pause_as_long_as_the_real_one() {
        gstreamer::init().unwrap();
        let ring = ClipRing::new(Duration::from_secs(60));
        ring.set_caps(gstreamer::Caps::builder("video/x-h264").build());
        // 100 s into a stream, then 10 s of nothing, then the stream again from 0.
        for s in 0..5 {
            ring.push(packet(s, Some(100 + s as u64), true));
        }
        for s in 0..5 {
            ring.push(packet(14 + s, Some(s as u64), true));
        }
        let cut = ring.cut(at(0), at(20)).unwrap();
        let seconds: Vec<u64> = cut
            .packets
            .iter()
            .map(|p| p.buffer.pts().unwrap().seconds())
            .collect();
        assert_eq!(seconds, [100, 101, 102, 103, 104, 114, 115, 116, 117, 118]);
    }

    #[test]
    fn a_packet_without_a_timestamp_is_placed_by_the_wall_clock() {
        gstreamer::init().unwrap();
        let ring = ClipRing::new(Duration::from_secs(60));
        ring.set_caps(gstreamer::Caps::builder("video/x-h264").build());
        ring.push(packet(0, None, true));
        assert!(ring.newest().is_none(), "nothing to place the first one after");
        ring.push(packet(1, Some(50), true));
        ring.push(packet(3, None, false));
        ring.push(packet(4, Some(53), false));
        let cut = ring.cut(at(0), at(5)).unwrap();
        let seconds: Vec<u64> = cut
            .packets
            .iter()
            .map(|p| p.buffer.pts().unwrap().seconds())
            .collect();
        assert_eq!(seconds, [50, 52, 53]);
    }
}
