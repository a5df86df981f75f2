//! Statistics throughput benchmarks (not tests): `cargo bench --bench stats`.
//! Prints replicates per second; figures go to docs/performance.md.

use checkval::analysis::validity::corr_records;
use checkval::analysis::StatOpts;
use checkval::stats::agreement::{cohen_kappa_bootstrap, WeightKind};
use checkval::stats::bootstrap::resample_clusters;
use checkval::stats::consistency::{alpha_bootstrap, Items};
use checkval::stats::correlation::{correlate, Method};
use checkval::stats::roc::{auc_delong, AucOrder, Direction};
use checkval::study::simulate::latent_classrooms;
use rayon::prelude::*;
use std::time::Instant;

fn lcg(state: &mut u64) -> f64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

fn time<F: FnOnce()>(label: &str, reps: usize, f: F) {
    let t = Instant::now();
    f();
    let s = t.elapsed().as_secs_f64();
    println!("{label}: {reps} replicates in {s:.3} s = {:.0} replicates/s", reps as f64 / s);
}

/// The G and D studies `run` adds (the dependability section) on the demo: each design alone (best
/// of 5) and all of them as `run` computes them, in parallel. `cargo bench --bench stats -- dependability`
/// runs only this one.
fn dependability() {
    use checkval::study::dependability::{dependability_records, design_records, GDesign};
    use checkval::study::pipeline::{load, RunOptions};
    let study = checkval::study::spec::Study::load(std::path::Path::new("data-samples/demo-150/study.toml")).unwrap();
    let data = load(&study, &RunOptions { keep_going: false, lang: None, pseudonymize: None }).unwrap();
    let best = |f: &dyn Fn() -> usize| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let n = f();
                (t.elapsed().as_secs_f64() * 1e3, n)
            })
            .fold((f64::INFINITY, 0), |a, b| if b.0 < a.0 { b } else { a })
    };
    for g in [GDesign::ClassCycles, GDesign::ChecklistItems, GDesign::ChecklistObservers, GDesign::CenterMonitoring] {
        let (ms, n) = best(&|| design_records(&study, &data, g).len());
        println!("dependability {}: {ms:.1} ms ({n} records)", g.as_str());
    }
    let (ms, n) = best(&|| dependability_records(&study, &data).len());
    println!("dependability, all (as in run, parallel): {ms:.1} ms ({n} records)");
}

/// WLSMV CFA of 48 binary items on 5 factors, n = 1000 (`tests/fixtures/cfa/bench_binary48.csv`, made
/// by `scripts/reference/cfa.R`, which also prints lavaan's time for the same fit). Best of 3.
/// `cargo bench --bench stats -- cfa` runs only this one.
fn cfa() {
    use checkval::stats::cfa::{fit_cfa, CfaOptions, Estimator};
    let text = std::fs::read_to_string("tests/fixtures/cfa/bench_binary48.csv").unwrap();
    let mut lines = text.lines();
    let names: Vec<String> = lines.next().unwrap().split(',').map(|s| s.trim_matches('"').to_string()).collect();
    let mut cols = vec![Vec::new(); names.len()];
    for l in lines {
        for (j, v) in l.split(',').enumerate() {
            cols[j].push(v.parse::<f64>().unwrap());
        }
    }
    let sizes = [10, 10, 10, 9, 9];
    let mut start = 0;
    let mut model = Vec::new();
    for (f, k) in sizes.iter().enumerate() {
        model.push(format!("f{} =~ {}", f + 1, names[start..start + k].join(" + ")));
        start += k;
    }
    let model = model.join("; ");
    let opts = CfaOptions { estimator: Estimator::Wlsmv, std_lv: false };
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let fit = fit_cfa(&cols, &names, &model, &opts).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        let s = fit.fit.scaled.unwrap();
        println!("  chisq {:.3}, chisq_scaled {:.3}, iterations {}", fit.fit.chisq, s.chisq, fit.iterations);
    }
    println!("cfa WLSMV, 48 binary items x 5 factors, n = 1000: {best:.3} s (best of 3)");
}

/// 2PL marginal ML on 50 items × 100,000 simulated persons (true a ∈ [0.6, 2], b ∈ [−2, 2]):
/// the whole fit with SEs, item fit and information (best of 3). `cargo bench --bench stats -- irt`
/// runs only this one.
fn irt() {
    use checkval::stats::irt::{fit_irt, IrtModel};
    let mut st = 7u64;
    let (n, j) = (100_000, 50);
    let a: Vec<f64> = (0..j).map(|k| 0.6 + 1.4 * k as f64 / (j - 1) as f64).collect();
    let b: Vec<f64> = (0..j).map(|k| -2.0 + 4.0 * ((k * 7) % j) as f64 / (j - 1) as f64).collect();
    let rows: Vec<Vec<Option<u8>>> = (0..n)
        .map(|_| {
            let (u1, u2) = (lcg(&mut st).max(1e-300), lcg(&mut st));
            let theta = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            (0..j).map(|k| Some(u8::from(lcg(&mut st) < 1.0 / (1.0 + (-a[k] * (theta - b[k])).exp())))).collect()
        })
        .collect();
    let mut best = f64::INFINITY;
    let mut fit = None;
    for _ in 0..3 {
        let t = Instant::now();
        fit = Some(fit_irt(&rows, IrtModel::TwoPl, 21).unwrap());
        best = best.min(t.elapsed().as_secs_f64());
    }
    let fit = fit.unwrap();
    let err = (0..j).map(|k| (fit.discrimination[k] - a[k]).abs()).fold(0.0, f64::max);
    println!(
        "IRT 2PL, {j} items x {n} persons ({} patterns): {best:.3} s (best of 3), converged {}, max |a - a_true| {err:.3}",
        fit.n_patterns, fit.converged
    );
}

fn main() {
    println!("threads: {}", rayon::current_num_threads());
    if std::env::args().any(|a| a == "dependability") {
        dependability();
        return;
    }
    if std::env::args().any(|a| a == "cfa") {
        cfa();
        return;
    }
    if std::env::args().any(|a| a == "irt") {
        irt();
        return;
    }
    // α on 150 × 48 binary items driven by a latent trait.
    let mut st = 42u64;
    let rows: Vec<Vec<Option<f64>>> = (0..150)
        .map(|_| {
            let theta = lcg(&mut st) * 2.0 - 1.0;
            (0..48)
                .map(|j| Some(f64::from(lcg(&mut st) < 1.0 / (1.0 + (-(2.0 * theta - (j as f64 / 24.0 - 1.0))).exp()))))
                .collect()
        })
        .collect();
    let it = Items::listwise(&rows).unwrap();
    time("alpha bootstrap, 150 x 48", 100_000, || {
        alpha_bootstrap(&it, 100_000, 1, 0.95).unwrap();
    });
    // κ on 120 pairs, 4 categories.
    let a: Vec<Option<f64>> = (0..120).map(|_| Some((lcg(&mut st) * 4.0).floor())).collect();
    let b: Vec<Option<f64>> =
        a.iter().map(|v| if lcg(&mut st) < 0.8 { *v } else { Some((lcg(&mut st) * 4.0).floor()) }).collect();
    time("Cohen kappa bootstrap, 120 pairs", 100_000, || {
        cohen_kappa_bootstrap(&a, &b, WeightKind::Identity, 100_000, 1, 0.95).unwrap();
    });
    // Cluster bootstrap of r and AUC on 150 centers (about 600 classrooms).
    let (c, x, y) = latent_classrooms(150, 0.5, 0.8, 3);
    println!("classrooms: {}", x.len());
    let o = StatOpts { bootstrap: 10_000, ..StatOpts::default() };
    time("cluster bootstrap of r (percentile + BCa), 150 centers", 10_000, || {
        corr_records(&x, &y, &[Method::Pearson], Some((&c, 150)), &o, "bench");
    });
    let truth: Vec<bool> = y.iter().map(|v| *v < 0.0).collect();
    let ord = AucOrder::new(&x, &truth, Direction::Lower);
    time("cluster bootstrap of AUC, 150 centers", 10_000, || {
        resample_clusters(&c, 150, 10_000, 1, || (), |w, _| ord.auc(w));
    });
    // Larger Monte Carlo coverage run.
    let true_r = 1.0 / (1.0 + 0.64);
    let t = Instant::now();
    let reps = 20_000;
    let cov: usize = (0..reps)
        .into_par_iter()
        .map(|r| {
            let (_, x, y) = latent_classrooms(150, 0.0, 0.8, 1_000_000 + r as u64);
            let c = correlate(&x, &y, Method::Pearson, 0.95).unwrap();
            let (l, h) = c.ci.unwrap();
            usize::from(l <= true_r && true_r <= h)
        })
        .sum();
    println!(
        "Monte Carlo Fisher z: coverage {:.4} over {reps} replications ({:.1} s)",
        cov as f64 / reps as f64,
        t.elapsed().as_secs_f64()
    );
    let (_, bx, by) = latent_classrooms(250_000, 0.0, 0.8, 11);
    let bt: Vec<bool> = by.iter().map(|v| *v < 0.0).collect();
    let true_auc = AucOrder::new(&bx, &bt, Direction::Lower).auc(&vec![1; bx.len()]).unwrap();
    let t = Instant::now();
    let cov: usize = (0..reps)
        .into_par_iter()
        .map(|r| {
            let (_, x, y) = latent_classrooms(150, 0.0, 0.8, 2_000_000 + r as u64);
            let tr: Vec<bool> = y.iter().map(|v| *v < 0.0).collect();
            let a = auc_delong(&x, &tr, Direction::Lower, 0.95).unwrap();
            usize::from(a.ci.0 <= true_auc && true_auc <= a.ci.1)
        })
        .sum();
    println!(
        "Monte Carlo DeLong: coverage {:.4} over {reps} replications ({:.1} s)",
        cov as f64 / reps as f64,
        t.elapsed().as_secs_f64()
    );
    let creps = 4000;
    let t = Instant::now();
    let o = StatOpts { bootstrap: 999, ..StatOpts::default() };
    let cov: Vec<(usize, usize)> = (0..creps)
        .into_par_iter()
        .map(|r| {
            let (c, x, y) = latent_classrooms(150, 0.3f64.sqrt(), 0.8, 3_000_000 + r as u64);
            let recs =
                corr_records(&x, &y, &[Method::Pearson], Some((&c, 150)), &StatOpts { seed: r as u64, ..o }, "mc");
            let hit = |kind: &str| {
                let p = recs.iter().find(|r| r.context.get("ci_kind").and_then(|v| v.as_str()) == Some(kind)).unwrap();
                usize::from(p.ci_low.unwrap() <= true_r && true_r <= p.ci_high.unwrap())
            };
            (hit("percentile"), hit("bca"))
        })
        .collect();
    let p: usize = cov.iter().map(|c| c.0).sum();
    let b: usize = cov.iter().map(|c| c.1).sum();
    println!(
        "Monte Carlo cluster bootstrap (ICC .30): percentile {:.4}, BCa {:.4} over {creps} replications ({:.1} s)",
        p as f64 / creps as f64,
        b as f64 / creps as f64,
        t.elapsed().as_secs_f64()
    );
}
