//! The one integration-test binary: every CLI test module is pulled in here.

mod bad_inputs;
mod cfa;
mod checks;
mod common;
mod dependability;
mod formats;
mod foundation;
mod input_errors;
mod item_review;
mod monitor;
mod monte_carlo;
mod properties;
mod reference_agreement;
mod reference_reliability;
mod reference_validity;
mod report;
mod short_form;
mod stat_cli;
mod structure;
