//! GStreamer pipeline descriptions for a camera's stream and decode policy.

use gridwatch_core::config::{DecodePolicy, Transport};

use super::{SourceError, StreamSpec};

/// Where frames leave GStreamer.
pub const SINK: &str = "frames";
/// Where compressed packets leave GStreamer, for evidence clips.
pub const PACKETS: &str = "packets";

/// The `gst-launch`-style description that reads the stream, lets through only what its decode
/// policy needs and delivers YUV 4:2:0 frames (I420) to the appsink named [`SINK`]. With `realtime`, the sink
/// plays at the stream's pace (live and paced playback); otherwise as fast as the machine decodes.
/// With `clips`, every compressed packet also goes, before any is dropped, to the appsink named
/// [`PACKETS`].
pub fn describe(stream: &StreamSpec, realtime: bool, clips: bool) -> Result<String, SourceError> {
    let source = source(stream)?;
    // Keyframes only: delta frames are dropped before they reach the decoder, which is what makes
    // this policy cheap (avdec's skip-frame property does nothing in GStreamer 1.22).
    let gate = match stream.decode {
        DecodePolicy::Keyframes => " ! identity drop-buffer-flags=delta-unit",
        DecodePolicy::All | DecodePolicy::Fps(_) => "",
    };
    // N fps: decoded frames are dropped before anything else is done with them.
    let rate = match stream.decode {
        DecodePolicy::Fps(fps) => format!(
            " ! videorate drop-only=true ! video/x-raw,framerate={}/1000",
            (fps * 1000.0).round() as u64
        ),
        DecodePolicy::All | DecodePolicy::Keyframes => String::new(),
    };
    let split = if clips {
        format!(" ! tee name=split split. ! queue ! appsink name={PACKETS} sync=false split. ! queue")
    } else {
        String::new()
    };
    // Frames leave as the usual H.264 decoder gives them (I420, so videoconvert passes them
    // through); other decoders' layouts (NV12 from hardware, 10-bit) are converted to it. RGB is
    // made only at the model's size, when a frame is analysed (detect::letterbox).
    Ok(format!(
        "{source}{split}{gate} ! decodebin{rate} ! videoconvert ! video/x-raw,format=I420 ! appsink name={SINK} sync={realtime} max-buffers=2"
    ))
}

/// A stream recorded for evidence clips only: its compressed packets to the appsink named
/// [`PACKETS`], nothing decoded.
pub fn describe_recording(stream: &StreamSpec) -> Result<String, SourceError> {
    // Paced like a live camera, so a recording standing in for one keeps time with its analysis.
    Ok(format!("{} ! appsink name={PACKETS} sync=true", source(stream)?))
}

/// Reading and parsing the stream, up to its compressed packets.
fn source(stream: &StreamSpec) -> Result<String, SourceError> {
    let uri = stream.uri.as_str();
    let protocols = match stream.transport {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
    };
    Ok(match uri.split_once("://") {
        Some(("rtsp" | "rtsps", _)) => {
            format!(
                "rtspsrc location={} protocols={protocols} latency=200 ! parsebin",
                quote(uri)
            )
        }
        Some(("http" | "https" | "file", _)) => format!("urisourcebin uri={} ! parsebin", quote(uri)),
        Some((scheme, _)) => return Err(SourceError::Scheme(scheme.to_owned())),
        None => format!("filesrc location={} ! parsebin", quote(uri)),
    })
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(uri: &str, decode: DecodePolicy, transport: Transport) -> StreamSpec {
        StreamSpec {
            uri: uri.into(),
            decode,
            transport,
            looped: false,
        }
    }

    #[test]
    fn each_policy_shapes_the_pipeline() {
        let keyframes = describe(
            &spec("/clips/a b.mp4", DecodePolicy::Keyframes, Transport::Tcp),
            false,
            false,
        )
        .unwrap();
        assert_eq!(
            keyframes,
            "filesrc location=\"/clips/a b.mp4\" ! parsebin ! identity drop-buffer-flags=delta-unit ! decodebin ! videoconvert ! video/x-raw,format=I420 ! appsink name=frames sync=false max-buffers=2"
        );
        let fps = describe(
            &spec("rtsp://10.0.0.5/sub", DecodePolicy::Fps(0.5), Transport::Udp),
            true,
            false,
        )
        .unwrap();
        assert!(
            fps.starts_with("rtspsrc location=\"rtsp://10.0.0.5/sub\" protocols=udp"),
            "{fps}"
        );
        assert!(
            fps.contains(
                "decodebin ! videorate drop-only=true ! video/x-raw,framerate=500/1000 ! videoconvert"
            ),
            "{fps}"
        );
        let hls = describe(
            &spec("https://cdn/x.m3u8", DecodePolicy::All, Transport::Tcp),
            true,
            false,
        )
        .unwrap();
        assert!(
            hls.starts_with("urisourcebin uri=\"https://cdn/x.m3u8\""),
            "{hls}"
        );
        let rtmp = describe(&spec("rtmp://x", DecodePolicy::All, Transport::Tcp), true, false);
        assert!(matches!(rtmp, Err(SourceError::Scheme(s)) if s == "rtmp"));
    }

    #[test]
    fn clips_tap_packets_before_the_keyframe_gate() {
        let d = describe(
            &spec("a.mp4", DecodePolicy::Keyframes, Transport::Tcp),
            false,
            true,
        )
        .unwrap();
        assert!(
            d.contains("parsebin ! tee name=split split. ! queue ! appsink name=packets sync=false split. ! queue ! identity drop-buffer-flags=delta-unit ! decodebin"),
            "{d}"
        );
    }
}
