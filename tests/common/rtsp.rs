//! A real RTSP server (gst-rtsp-server) on its own GLib main loop, for tests of live cameras that
//! come and go: each mount point plays a GStreamer launch line ending in an RTP payloader
//! `pay0`, shared by every client of that mount.

#![allow(dead_code)] // each test file uses its own part of this

use std::thread;

use gstreamer::glib;
use gstreamer_rtsp_server::prelude::*;

pub struct Server {
    server: gstreamer_rtsp_server::RTSPServer,
    source: Option<glib::SourceId>,
    context: glib::MainContext,
    main_loop: glib::MainLoop,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `mounts` (path, launch line) on 127.0.0.1:`port` (0: any free port).
    pub fn start(port: u16, mounts: &[(impl AsRef<str>, String)]) -> Self {
        gstreamer::init().unwrap();
        let server = gstreamer_rtsp_server::RTSPServer::new();
        server.set_address("127.0.0.1");
        server.set_service(&port.to_string());
        let points = server.mount_points().unwrap();
        for (path, launch) in mounts {
            let factory = gstreamer_rtsp_server::RTSPMediaFactory::new();
            factory.set_launch(launch);
            factory.set_shared(true);
            points.add_factory(path.as_ref(), factory);
        }
        let context = glib::MainContext::new();
        let source = server.attach(Some(&context)).unwrap();
        let main_loop = glib::MainLoop::new(Some(&context), false);
        let thread = {
            let (main_loop, context) = (main_loop.clone(), context.clone());
            thread::spawn(move || context.with_thread_default(|| main_loop.run()).unwrap())
        };
        Self {
            server,
            source: Some(source),
            context,
            main_loop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.server.bound_port() as u16
    }

    /// Drops every client and stops listening, as a camera losing power does.
    pub fn stop(mut self) {
        self.server
            .client_filter(Some(&mut |_, _| gstreamer_rtsp_server::RTSPFilterResult::Remove));
        let id = self.source.take().unwrap();
        self.context.find_source_by_id(&id).unwrap().destroy();
        self.main_loop.quit();
        self.thread.take().unwrap().join().unwrap();
    }
}
