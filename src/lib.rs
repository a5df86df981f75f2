//! checkval: checklist validation studies against CLASS.
//!
//! # Layers
//!
//! Each layer imports only the layers listed before it (never a later one):
//!
//! 1. [`error`], [`choices`], [`format`]: input errors with exit codes; the enums parsed at the
//!    edge (language, level, ...); APA-style number formatting.
//! 2. [`io`]: reads field exports (every format quirk lives there) and writes outputs
//!    atomically ([`io::export`]: the one sheet writer for XLSX and CSV).
//! 3. [`stats`]: pure statistics over slices: no I/O, no polars, no study concepts.
//! 4. [`results`]: the typed record contract of `results.json` and `stat --format json`.
//! 5. [`analysis`]: statistics turned into records, shared by `stat` and the study.
//! 6. [`study`]: the spec, ingest, scoring, checks, cleaning and the study's records.
//! 7. [`monitor`]: monitoring rounds (issue 15): EB center scores, reliable change, profiles,
//!    the network view, the dashboard and the mentors' cards.
//! 8. [`plot`]: figures (SVG and PNG).
//! 9. [`report`]: the report model and its renderers (HTML, Markdown, LaTeX, XLSX, CSV).
//! 10. [`app`]: the composition root of `run` (study → records → figures → report → files).
//! 11. [`cli`]: the command line: arguments become validated options, `main` decides exit codes.

pub mod analysis;
pub mod app;
pub mod choices;
pub mod cli;
pub mod error;
pub mod format;
pub mod io;
pub mod monitor;
pub mod plot;
pub mod report;
pub mod results;
pub mod stats;
pub mod study;
