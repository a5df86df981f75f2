//! The study: spec, ingest, scoring, the pipeline, and the `simulate`/`init` helpers.

pub mod checks;
pub mod clean;
pub mod dependability;
pub mod drafts;
pub mod idmatch;
pub mod ingest;
pub mod init;
pub mod instrument;
pub mod item_review;
pub mod monitor_spec;
pub mod observers;
pub mod pipeline;
pub mod privacy;
pub mod quality;
pub mod reliability;
pub mod score;
pub mod short_form;
pub mod simulate;
pub mod spec;
pub mod structure;
pub mod validity;
