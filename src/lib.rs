//! checkval: checklist validation studies against CLASS.
//!
//! Layers: [`io`] reads field exports (every format quirk lives there); [`study`] holds the spec,
//! scoring and the pipeline; [`stats`] holds pure statistics; [`report`] renders; [`cli`] is the
//! command line.

pub mod analysis;
pub mod cli;
pub mod error;
pub mod io;
pub mod plot;
pub mod report;
pub mod results;
pub mod stats;
pub mod study;
