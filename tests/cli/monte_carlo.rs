//! Monte Carlo coverage of the 95% CIs on simulated classrooms with a known truth
//! (`study::simulate::latent_classrooms`). Deterministic: fixed seeds.
//!
//! - Fisher z on independent classrooms (no center effect) must cover the true r.
//! - The cluster BCa bootstrap on clustered classrooms (center ICC .30) must cover it too.
//! - DeLong on independent classrooms must cover the true AUC of x for `y < 0` (the true AUC
//!   is computed from 400,000 draws).
//!
//! Each must cover in 93.5–96.5% of replications.

use checkval::analysis::validity::corr_records;
use checkval::analysis::StatOpts;
use checkval::stats::correlation::{correlate, Method};
use checkval::stats::roc::{auc_delong, AucOrder, Direction};
use checkval::study::simulate::latent_classrooms;
use rayon::prelude::*;

const NOISE: f64 = 0.8;
const KIND: &str = "bca";

fn true_r() -> f64 {
    1.0 / (1.0 + NOISE * NOISE)
}

fn check(name: &str, covered: usize, reps: usize) {
    let rate = covered as f64 / reps as f64;
    eprintln!("{name}: coverage {rate:.4} over {reps} replications");
    assert!((0.935..=0.965).contains(&rate), "{name}: coverage {rate:.4} over {reps} replications");
}

#[test]
fn fisher_z_covers() {
    let reps = 2000;
    let covered: usize = (0..reps)
        .into_par_iter()
        .map(|r| {
            let (_, x, y) = latent_classrooms(150, 0.0, NOISE, 10_000 + r as u64);
            let c = correlate(&x, &y, Method::Pearson, 0.95).unwrap();
            let (lo, hi) = c.ci.unwrap();
            usize::from(lo <= true_r() && true_r() <= hi)
        })
        .sum();
    check("Fisher z", covered, reps);
}

#[test]
fn cluster_bootstrap_covers_with_clustering() {
    let reps = 2000;
    let o = StatOpts { bootstrap: 999, ..StatOpts::default() };
    let covered: usize = (0..reps)
        .into_par_iter()
        .map(|r| {
            let (c, x, y) = latent_classrooms(150, 0.3f64.sqrt(), NOISE, 50_000 + r as u64);
            let recs =
                corr_records(&x, &y, &[Method::Pearson], Some((&c, 150)), &StatOpts { seed: r as u64, ..o }, "mc");
            let p = recs.iter().find(|r| r.context.get("ci_kind").and_then(|v| v.as_str()) == Some(KIND)).unwrap();
            usize::from(p.ci_low.unwrap() <= true_r() && true_r() <= p.ci_high.unwrap())
        })
        .sum();
    check("cluster bootstrap", covered, reps);
}

#[test]
fn delong_covers() {
    let (_, bx, by) = latent_classrooms(100_000, 0.0, NOISE, 7);
    let truth: Vec<bool> = by.iter().map(|v| *v < 0.0).collect();
    let ord = AucOrder::new(&bx, &truth, Direction::Lower);
    let true_auc = ord.auc(&vec![1; bx.len()]).unwrap();
    let reps = 2000;
    let covered: usize = (0..reps)
        .into_par_iter()
        .map(|r| {
            let (_, x, y) = latent_classrooms(150, 0.0, NOISE, 90_000 + r as u64);
            let t: Vec<bool> = y.iter().map(|v| *v < 0.0).collect();
            let a = auc_delong(&x, &t, Direction::Lower, 0.95).unwrap();
            usize::from(a.ci.0 <= true_auc && true_auc <= a.ci.1)
        })
        .sum();
    check("DeLong", covered, reps);
}
