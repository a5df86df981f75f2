//! The one integration-test binary: every CLI test module is pulled in here.

mod bad_inputs;
mod checks;
mod common;
mod dependability;
mod formats;
mod foundation;
mod input_errors;
mod monitor;
mod monte_carlo;
mod properties;
mod reference_agreement;
mod reference_reliability;
mod reference_validity;
mod report;
mod stat_cli;
