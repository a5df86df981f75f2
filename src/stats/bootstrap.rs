//! Deterministic, thread-count-independent bootstrap machinery.
//!
//! Replicates are generated in fixed blocks of [`BLOCK`]; block `b` draws from a ChaCha8 stream
//! seeded with `seed` and stream number `b`. Blocks run in parallel (rayon) but each replicate's
//! draws depend only on `(seed, replicate index)`, so results are identical for any thread count.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

pub const BLOCK: usize = 256;

/// Uniform integer in `0..n` (Lemire's nearly-divisionless method, unbiased).
#[inline]
pub fn below(rng: &mut ChaCha8Rng, n: u32) -> u32 {
    let mut m = (rng.next_u32() as u64) * (n as u64);
    let mut l = m as u32;
    if l < n {
        let t = n.wrapping_neg() % n;
        while l < t {
            m = (rng.next_u32() as u64) * (n as u64);
            l = m as u32;
        }
    }
    (m >> 32) as u32
}

pub fn block_rng(seed: u64, block: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(block);
    r
}

/// Run `b` replicates. For each, `counts[i]` is how many times unit `i` (of `n`) was drawn;
/// `stat` returns the replicate's statistic, or `None` when it is undefined for that resample.
/// Each worker reuses one scratch buffer `S` (created by `scratch`).
pub fn resample_counts<S, F>(n: usize, b: usize, seed: u64, scratch: impl Fn() -> S + Sync, stat: F) -> Vec<Option<f64>>
where
    F: Fn(&[u32], &mut S) -> Option<f64> + Sync,
{
    let n_blocks = b.div_ceil(BLOCK);
    let blocks: Vec<Vec<Option<f64>>> = (0..n_blocks)
        .into_par_iter()
        .map(|blk| {
            let mut rng = block_rng(seed, blk as u64);
            let mut counts = vec![0u32; n];
            let mut s = scratch();
            let reps = BLOCK.min(b - blk * BLOCK);
            let mut out = Vec::with_capacity(reps);
            for _ in 0..reps {
                counts.iter_mut().for_each(|c| *c = 0);
                for _ in 0..n {
                    counts[below(&mut rng, n as u32) as usize] += 1;
                }
                out.push(stat(&counts, &mut s));
            }
            out
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// Percentile interval of the defined replicates (R `quantile` type 7).
/// Returns `(low, high, n_defined)`; `None` when fewer than 10 replicates are defined.
pub fn percentile_ci(reps: &[Option<f64>], level: f64) -> Option<(f64, f64, usize)> {
    let mut v: Vec<f64> = reps.iter().flatten().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 10 {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| {
        let h = (v.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = h.ceil() as usize;
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    };
    let a = (1.0 - level) / 2.0;
    Some((q(a), q(1.0 - a), v.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn counts_sum_to_n_and_are_reproducible() {
        let a = resample_counts(37, 1000, 9, || (), |c, _| Some(c.iter().map(|&x| x as f64).sum::<f64>()));
        assert!(a.iter().all(|x| *x == Some(37.0)));
        let f = |c: &[u32], _: &mut ()| Some(c[0] as f64 * 3.0 + c[5] as f64);
        let x = resample_counts(20, 700, 42, || (), f);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let y = pool.install(|| resample_counts(20, 700, 42, || (), f));
        assert_eq!(x, y);
        let z = resample_counts(20, 700, 43, || (), f);
        assert_ne!(x, z);
    }
    #[test]
    fn below_is_uniform_enough() {
        let mut r = block_rng(1, 0);
        let mut h = [0u32; 7];
        for _ in 0..70_000 {
            h[below(&mut r, 7) as usize] += 1;
        }
        for c in h {
            assert!((9_500..10_500).contains(&c), "{h:?}");
        }
    }
    #[test]
    fn percentile_type7() {
        let reps: Vec<Option<f64>> = (1..=101).map(|i| Some(i as f64)).collect();
        let (lo, hi, n) = percentile_ci(&reps, 0.9).unwrap();
        assert!((lo - 6.0).abs() < 1e-9 && (hi - 96.0).abs() < 1e-9 && n == 101, "{lo} {hi} {n}");
        assert!(percentile_ci(&[Some(1.0); 5], 0.95).is_none());
    }
}
