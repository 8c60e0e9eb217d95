"""H.264 MP4 encoding through GStreamer's x264enc, as a city camera's encoder would produce it."""

import subprocess


class Encoder:
    """Feeds BGR frames to `gst-launch-1.0 … x264enc … mp4mux`. GOP and frame rate follow cameras:
    a keyframe every `gop` frames and no B-frames (cameras rarely use them)."""

    def __init__(self, path, width, height, fps, gop, quantizer=34):
        pipeline = (
            f"fdsrc fd=0 blocksize={width * height * 3} ! "
            f"rawvideoparse width={width} height={height} format=bgr framerate={fps}/1 ! "
            "videoconvert ! video/x-raw,format=I420 ! "
            f"x264enc pass=qual quantizer={quantizer} speed-preset=medium key-int-max={gop} bframes=0 threads=1 ! "
            "video/x-h264,profile=high ! h264parse ! mp4mux ! "
            f"filesink location={path}"
        )
        self.process = subprocess.Popen(["gst-launch-1.0", "-q", "-e", *pipeline.split()], stdin=subprocess.PIPE)

    def write(self, frame):
        self.process.stdin.write(frame.tobytes())

    def close(self):
        self.process.stdin.close()
        if self.process.wait() != 0:
            raise RuntimeError(f"gst-launch-1.0 failed with status {self.process.returncode}")
