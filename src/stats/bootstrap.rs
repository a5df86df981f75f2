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
            let mut draws = Draws::new(block_rng(seed, blk as u64));
            let mut counts = vec![0u32; n];
            let mut s = scratch();
            let reps = BLOCK.min(b - blk * BLOCK);
            let mut out = Vec::with_capacity(reps);
            for _ in 0..reps {
                draws.counts(&mut counts);
                out.push(stat(&counts, &mut s));
            }
            out
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// A block's stream of draws, read in bulk: the words [`below`] would read one at a time, with
/// the buffers that hold them.
struct Draws {
    rng: ChaCha8Rng,
    bytes: Vec<u8>,
    idx: Vec<u32>,
}

impl Draws {
    fn new(rng: ChaCha8Rng) -> Self {
        Draws { rng, bytes: Vec::new(), idx: Vec::new() }
    }

    /// One replicate's counts: `counts` is reset, then `n = counts.len()` units are drawn
    /// ([`draw_indices`]) and counted.
    fn counts(&mut self, counts: &mut [u32]) {
        self.idx.resize(counts.len(), 0);
        draw_indices(&mut self.rng, counts.len() as u32, &mut self.bytes, &mut self.idx);
        counts.fill(0);
        for &i in &self.idx {
            counts[i as usize] += 1;
        }
    }
}

/// `out.len()` successive draws of [`below`]`(rng, n)`, equal to them and leaving `rng` where
/// they leave it (test `bulk_draws_equal_below`). The words are read in one call and mapped to
/// `0..n` by Lemire's multiply in one pass ([`Draws::counts`] counts them in another): tight
/// loops in place of one that alternates generator calls and count updates (docs/performance.md
/// has the measurements). [`below`] rejects a word only when the low half of its product is
/// under `2³² mod n` (for `n = 150`, 46: about once in 93 million draws); then the words are
/// read again from the saved position by [`below`] itself, so the stream is the same.
fn draw_indices(rng: &mut ChaCha8Rng, n: u32, bytes: &mut Vec<u8>, out: &mut [u32]) {
    let start = rng.get_word_pos();
    bytes.resize(4 * out.len(), 0);
    rng.fill_bytes(bytes);
    let mut low_min = u32::MAX;
    for (o, w) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        let m = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as u64 * n as u64;
        low_min = low_min.min(m as u32);
        *o = (m >> 32) as u32;
    }
    if low_min < n.wrapping_neg() % n.max(1) {
        rng.set_word_pos(start);
        for o in out.iter_mut() {
            *o = below(rng, n);
        }
    }
}

/// [`resample_counts`] a block at a time, for statistics computed for many replicates at once
/// (a matrix product). `stat(counts, reps)` gets the counts of the block's `reps` replicates,
/// replicate `r` at `counts[r n..(r + 1) n]`, and returns one value per replicate. The draws are
/// exactly [`resample_counts`]'s, so the replicates are the same (test
/// `count_blocks_equal_counts`).
pub fn resample_count_blocks<F>(n: usize, b: usize, seed: u64, stat: F) -> Vec<Option<f64>>
where
    F: Fn(&[u32], usize) -> Vec<Option<f64>> + Sync,
{
    let n_blocks = b.div_ceil(BLOCK);
    let blocks: Vec<Vec<Option<f64>>> = (0..n_blocks)
        .into_par_iter()
        .map(|blk| {
            let mut draws = Draws::new(block_rng(seed, blk as u64));
            let reps = BLOCK.min(b - blk * BLOCK);
            let mut counts = vec![0u32; reps * n];
            for c in counts.chunks_mut(n.max(1)) {
                draws.counts(c);
            }
            let out = stat(&counts, reps);
            assert_eq!(out.len(), reps, "one value per replicate");
            out
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// The resampling counts of every replicate (`b × n`), generated exactly as
/// [`resample_counts`] does, for statistics that need two independent streams.
pub fn counts_matrix(n: usize, b: usize, seed: u64) -> Vec<Vec<u32>> {
    let n_blocks = b.div_ceil(BLOCK);
    let blocks: Vec<Vec<Vec<u32>>> = (0..n_blocks)
        .into_par_iter()
        .map(|blk| {
            let mut draws = Draws::new(block_rng(seed, blk as u64));
            let reps = BLOCK.min(b - blk * BLOCK);
            (0..reps)
                .map(|_| {
                    let mut c = vec![0u32; n];
                    draws.counts(&mut c);
                    c
                })
                .collect()
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// Order-statistic interpolation of R `boot:::norm.inter` (Davison & Hinkley 1997, eq. 5.8):
/// with `R` sorted replicates and `k = ⌊(R + 1) p⌋`, interpolate between `t*_(k)` and
/// `t*_(k+1)` on the normal-quantile scale; `k = 0` or `k = R` take the extreme replicate.
pub fn norm_inter(sorted: &[f64], p: f64) -> f64 {
    let r = sorted.len();
    let rk = (r as f64 + 1.0) * p;
    let k = rk.trunc() as usize;
    if k == 0 {
        return sorted[0];
    }
    if k >= r {
        return sorted[r - 1];
    }
    if (k as f64 - rk).abs() < 1e-12 {
        return sorted[k - 1];
    }
    let q = |x: f64| super::polychoric::phi_inv(x);
    let (t1, t2, t3) = (q(p), q(k as f64 / (r as f64 + 1.0)), q((k as f64 + 1.0) / (r as f64 + 1.0)));
    let (tk, tk1) = (sorted[k - 1], sorted[k]);
    tk + (t1 - t2) / (t3 - t2) * (tk1 - tk)
}

fn sorted_defined(reps: &[Option<f64>]) -> Vec<f64> {
    let mut v: Vec<f64> = reps.iter().flatten().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// Percentile interval of the defined replicates, interpolated as R `boot.ci(type = "perc")`.
/// Returns `(low, high, n_defined)`; `None` when fewer than 10 replicates are defined.
pub fn percentile_ci(reps: &[Option<f64>], level: f64) -> Option<(f64, f64, usize)> {
    let v = sorted_defined(reps);
    if v.len() < 10 {
        return None;
    }
    let a = (1.0 - level) / 2.0;
    Some((norm_inter(&v, a), norm_inter(&v, 1.0 - a), v.len()))
}

/// BCa interval (Efron 1987; Davison & Hinkley 1997 §5.3) as R `boot.ci(type = "bca")` with
/// influence values `l` (here jackknife: `l_i = (n − 1)(θ̄₍.₎ − θ₍i₎)`):
/// `z₀ = Φ⁻¹(#{θ* < θ̂}/R)`, `a = Σ l³ / (6 (Σ l²)^{3/2})`,
/// `α' = Φ(z₀ + (z₀ + z_α)/(1 − a(z₀ + z_α)))`, then [`norm_inter`] at `α'`.
pub fn bca_ci(reps: &[Option<f64>], theta: f64, influence: &[f64], level: f64) -> Option<(f64, f64)> {
    let v = sorted_defined(reps);
    if v.len() < 10 {
        return None;
    }
    let below = v.iter().filter(|&&x| x < theta).count() as f64 / v.len() as f64;
    if below <= 0.0 || below >= 1.0 {
        return None;
    }
    let z0 = super::polychoric::phi_inv(below);
    let s2: f64 = influence.iter().map(|l| l * l).sum();
    let s3: f64 = influence.iter().map(|l| l * l * l).sum();
    if !(s2 > 0.0) {
        return None;
    }
    let acc = s3 / (6.0 * s2.powf(1.5));
    let a = (1.0 - level) / 2.0;
    let adj = |alpha: f64| {
        let z = super::polychoric::phi_inv(alpha);
        super::polychoric::phi(z0 + (z0 + z) / (1.0 - acc * (z0 + z)))
    };
    let (p1, p2) = (adj(a), adj(1.0 - a));
    if !(p1.is_finite() && p2.is_finite()) {
        return None;
    }
    Some((norm_inter(&v, p1), norm_inter(&v, p2)))
}

/// Jackknife influence values `(n − 1)(θ̄ − θ₍i₎)` from leave-one-out estimates.
pub fn jackknife_influence(loo: &[f64]) -> Vec<f64> {
    let n = loo.len() as f64;
    let mean = loo.iter().sum::<f64>() / n;
    loo.iter().map(|t| (n - 1.0) * (mean - t)).collect()
}

/// Cluster resampling: draws clusters with replacement; `weights[i]` is how many times unit
/// `i`'s cluster was drawn. `cluster[i]` indexes `0..n_clusters`.
pub fn resample_clusters<S, F>(
    cluster: &[usize],
    n_clusters: usize,
    b: usize,
    seed: u64,
    scratch: impl Fn() -> S + Sync,
    stat: F,
) -> Vec<Option<f64>>
where
    F: Fn(&[u32], &mut S) -> Option<f64> + Sync,
{
    resample_counts(
        n_clusters,
        b,
        seed,
        || (scratch(), vec![0u32; cluster.len()]),
        |cc, (s, w)| {
            for (i, &c) in cluster.iter().enumerate() {
                w[i] = cc[c];
            }
            stat(w, s)
        },
    )
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
    fn count_blocks_equal_counts() {
        // A statistic that depends on every count, in a block of 256 and a shorter last block.
        let f = |c: &[u32]| Some(c.iter().enumerate().map(|(i, &x)| (i as f64 + 1.0).sqrt() * x as f64).sum::<f64>());
        let one = resample_counts(23, 600, 5, || (), |c, _| f(c));
        let blocks = resample_count_blocks(23, 600, 5, |c, reps| c.chunks(23).take(reps).map(f).collect());
        assert_eq!(one, blocks);
        assert_ne!(one, resample_count_blocks(23, 600, 6, |c, reps| c.chunks(23).take(reps).map(f).collect()));
    }
    #[test]
    fn bulk_draws_equal_below() {
        // Large n make rejections common (2³² mod n is about half and 30% of 2³², so half and
        // 30% of the words are rejected) and the re-read path runs; lengths not a multiple of
        // the 64-word buffer leave the stream mid-buffer.
        let mut bytes = Vec::new();
        for (k, &n) in [1u32, 2, 7, 150, 605, (1 << 31) + 12_345, 3_000_000_000].iter().enumerate() {
            let (mut a, mut b) = (block_rng(11 + k as u64, 3), block_rng(11 + k as u64, 3));
            for len in [0usize, 1, 37, 150, 64, 605] {
                let mut out = vec![0u32; len];
                draw_indices(&mut a, n, &mut bytes, &mut out);
                let want: Vec<u32> = (0..len).map(|_| below(&mut b, n)).collect();
                assert_eq!(out, want, "n = {n}, len = {len}");
            }
            assert_eq!(a.next_u32(), b.next_u32(), "stream position after n = {n}");
        }
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
    fn norm_inter_exact_order_statistics() {
        // R = 99 replicates 1..99: (R + 1)·0.05 = 5 is an integer → the 5th order statistic.
        let reps: Vec<Option<f64>> = (1..=99).map(|i| Some(i as f64)).collect();
        let (lo, hi, n) = percentile_ci(&reps, 0.9).unwrap();
        assert!((lo - 5.0).abs() < 1e-12 && (hi - 95.0).abs() < 1e-12 && n == 99, "{lo} {hi} {n}");
        assert!(percentile_ci(&[Some(1.0); 5], 0.95).is_none());
    }
    #[test]
    fn bca_reduces_to_percentile_without_bias_or_skew() {
        // Symmetric replicates around θ̂ with half exactly below → z₀ = 0; symmetric influence → a = 0.
        let reps: Vec<Option<f64>> = (0..200).map(|i| Some(i as f64 - 99.5)).collect();
        let infl = [1.0, -1.0, 2.0, -2.0];
        let (l, h) = bca_ci(&reps, 0.0, &infl, 0.9).unwrap();
        let (pl, ph, _) = percentile_ci(&reps, 0.9).unwrap();
        assert!((l - pl).abs() < 1e-9 && (h - ph).abs() < 1e-9);
    }
}
