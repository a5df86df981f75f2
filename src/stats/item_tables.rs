//! Items stored as small category codes, and every pairwise contingency table in one pass.
//!
//! A national item table (a million observations × 50 items) has few distinct values per item
//! (0/1, or a handful of ordered categories). Stored as one byte per cell ([`CodedItems`]) it
//! takes 50 MB instead of 800 MB of `Option<f64>`, and every statistic of the α family needs
//! only, for each pair of items, the table of counts of their code pairs over the rows where
//! both are present ([`PairTables`]): the pairwise-complete covariances (sums and cross-products
//! are cell counts times values), the polychoric correlations, KR-20 and the item statistics.
//!
//! The tables are counted with bit-packed columns: one bitset per item and category, so a cell
//! of a pair's table is the population count of the AND of two bitsets (64 rows per word). Pairs
//! with many category combinations are counted row by row instead. Counts are integers, so the
//! result does not depend on the order of the work or the number of threads. The statistics built
//! from them are pinned against the row-wise implementations in `stats::consistency` (tests
//! below and in `consistency`), which are themselves pinned to psych/pingouin.

use rayon::prelude::*;

/// The code of a missing value.
pub const MISSING: u8 = u8::MAX;
/// Most distinct values an item may have (codes `0..MAX_CODES`).
pub const MAX_CODES: usize = MISSING as usize;

/// Item columns as category codes: `codes[j][i]` is row `i` of item `j`, standing for
/// `values[j][code]` (ascending), or [`MISSING`].
#[derive(Debug, Clone)]
pub struct CodedItems {
    pub n_rows: usize,
    pub codes: Vec<Vec<u8>>,
    pub values: Vec<Vec<f64>>,
}

/// Rows as bits: bit `i % 64` of word `i / 64` is row `i`.
pub type RowBits = Vec<u64>;

fn words(n: usize) -> usize {
    n.div_ceil(64)
}

/// Rows per block of the tabulation (a multiple of 64); a block's bitsets stay in cache.
const BLOCK_ROWS: usize = 64 * 512;

impl CodedItems {
    pub fn k(&self) -> usize {
        self.codes.len()
    }

    /// Rows where item `j` is present.
    pub fn present(&self, j: usize) -> RowBits {
        pack(&self.codes[j], |c| c != MISSING)
    }

    /// Rows with at least one item present (`any = true`) or with every item present.
    pub fn rows_with(&self, any: bool) -> RowBits {
        let w = words(self.n_rows);
        let mut acc = if any { vec![0u64; w] } else { vec![u64::MAX; w] };
        for j in 0..self.k() {
            let p = self.present(j);
            for (a, b) in acc.iter_mut().zip(&p) {
                *a = if any { *a | b } else { *a & b };
            }
        }
        clear_tail(&mut acc, self.n_rows);
        acc
    }

    /// Row `i` as values (`None` = missing), for the row-wise statistics (bootstrap).
    pub fn row(&self, i: usize) -> Vec<Option<f64>> {
        (0..self.k())
            .map(|j| {
                let c = self.codes[j][i];
                (c != MISSING).then(|| self.values[j][c as usize])
            })
            .collect()
    }
}

/// Bit `r` of word `w` set when `keep(codes[64 w + r])` (branch-free, 64 rows at a time).
fn pack(codes: &[u8], keep: impl Fn(u8) -> bool) -> RowBits {
    codes
        .chunks(64)
        .map(|chunk| chunk.iter().enumerate().fold(0u64, |w, (r, &c)| w | ((keep(c) as u64) << r)))
        .collect()
}

fn clear_tail(b: &mut [u64], n: usize) {
    if !n.is_multiple_of(64) {
        if let Some(last) = b.last_mut() {
            *last &= (1u64 << (n % 64)) - 1;
        }
    }
}

/// Number of rows in a bitset.
pub fn count(b: &[u64]) -> usize {
    b.iter().map(|w| w.count_ones() as usize).sum()
}

/// For every pair of items `a ≤ b`, the counts of code pairs over the rows in a mask where both
/// are present. The diagonal `(a, a)` holds item `a`'s category counts.
#[derive(Debug, Clone)]
pub struct PairTables {
    pub k: usize,
    /// Categories (codes) per item.
    pub n_cats: Vec<usize>,
    off: Vec<usize>,
    counts: Vec<u64>,
}

impl PairTables {
    fn index(&self, a: usize, b: usize) -> usize {
        debug_assert!(a < b);
        a * self.k - a * (a + 1) / 2 + (b - a - 1)
    }
    /// Table of items `a < b`, row-major `n_cats[a] × n_cats[b]`; for `b < a`, transpose.
    pub fn table(&self, a: usize, b: usize) -> Vec<Vec<u64>> {
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let p = self.index(lo, hi);
        let (ca, cb) = (self.n_cats[lo], self.n_cats[hi]);
        let t = &self.counts[self.off[p]..self.off[p] + ca * cb];
        if a < b {
            (0..ca).map(|x| t[x * cb..(x + 1) * cb].to_vec()).collect()
        } else {
            (0..cb).map(|y| (0..ca).map(|x| t[x * cb + y]).collect()).collect()
        }
    }
    /// Item `a`'s category counts over the mask.
    pub fn marginal(&self, a: usize) -> &[u64] {
        let start = self.off[self.k * (self.k - 1) / 2] + self.diag_off(a);
        &self.counts[start..start + self.n_cats[a]]
    }
    fn diag_off(&self, a: usize) -> usize {
        self.n_cats[..a].iter().sum()
    }
}

/// Count every pair's table over the rows in `mask` (every row when `None`), in parallel over
/// blocks of rows; the counts are exact integers, identical for any thread count.
pub fn tabulate(items: &CodedItems, mask: Option<&[u64]>) -> PairTables {
    let k = items.k();
    let n_cats: Vec<usize> = items.values.iter().map(|v| v.len()).collect();
    let pairs = k * k.saturating_sub(1) / 2;
    let mut off = Vec::with_capacity(pairs + 1);
    let mut total = 0;
    for a in 0..k {
        for b in a + 1..k {
            off.push(total);
            total += n_cats[a] * n_cats[b];
        }
    }
    off.push(total);
    let len = total + n_cats.iter().sum::<usize>();
    let n = items.n_rows;
    let blocks: Vec<(usize, usize)> = (0..n).step_by(BLOCK_ROWS).map(|s| (s, (s + BLOCK_ROWS).min(n))).collect();
    let partial: Vec<Vec<u64>> =
        blocks.par_iter().map(|&(s, e)| tabulate_block(items, mask, &n_cats, &off, len, s, e)).collect();
    let mut counts = vec![0u64; len];
    for p in partial {
        for (c, v) in counts.iter_mut().zip(p) {
            *c += v;
        }
    }
    PairTables { k, n_cats, off, counts }
}

/// Combinations of categories above which a pair is counted row by row rather than by bitsets.
const BITSET_CELLS: usize = 36;

fn tabulate_block(
    items: &CodedItems,
    mask: Option<&[u64]>,
    n_cats: &[usize],
    off: &[usize],
    len: usize,
    s: usize,
    e: usize,
) -> Vec<u64> {
    let k = items.k();
    let mut out = vec![0u64; len];
    let w = words(e - s);
    let in_mask = |i: usize| mask.is_none_or(|m| m[i / 64] >> (i % 64) & 1 == 1);
    // bits[j][c]: rows of the block (relative to s, a multiple of 64) where item j has code c
    // and the mask holds.
    let bits: Vec<Vec<Vec<u64>>> = (0..k)
        .map(|j| {
            (0..n_cats[j])
                .map(|c| {
                    let mut b = pack(&items.codes[j][s..e], |x| x == c as u8);
                    if let Some(m) = mask {
                        b.iter_mut().zip(&m[s / 64..]).for_each(|(x, y)| *x &= y);
                    }
                    b
                })
                .collect()
        })
        .collect();
    debug_assert!(bits.iter().flatten().all(|b| b.len() == w));
    let diag0 = off[off.len() - 1];
    let mut d = diag0;
    for j in 0..k {
        for c in 0..n_cats[j] {
            out[d + c] = count(&bits[j][c]) as u64;
        }
        d += n_cats[j];
    }
    let mut p = 0;
    for a in 0..k {
        for b in a + 1..k {
            let (ca, cb) = (n_cats[a], n_cats[b]);
            let t = &mut out[off[p]..off[p] + ca * cb];
            if ca * cb <= BITSET_CELLS {
                for x in 0..ca {
                    for y in 0..cb {
                        t[x * cb + y] = and_count(&bits[a][x], &bits[b][y]);
                    }
                }
            } else {
                for (r, (&x, &y)) in items.codes[a][s..e].iter().zip(&items.codes[b][s..e]).enumerate() {
                    if x != MISSING && y != MISSING && in_mask(s + r) {
                        t[x as usize * cb + y as usize] += 1;
                    }
                }
            }
            p += 1;
        }
    }
    out
}

/// Rows in both bitsets.
fn and_count(a: &[u64], b: &[u64]) -> u64 {
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones() as u64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coded(rows: &[Vec<Option<u8>>], values: Vec<Vec<f64>>) -> CodedItems {
        let k = values.len();
        let codes = (0..k).map(|j| rows.iter().map(|r| r[j].unwrap_or(MISSING)).collect()).collect();
        CodedItems { n_rows: rows.len(), codes, values }
    }

    /// Tables counted by bitsets and row by row agree with a naive count, with and without a mask,
    /// across block boundaries and for pairs with many categories.
    #[test]
    fn tables_match_naive_counts() {
        let n = BLOCK_ROWS + 777;
        let cats = [2usize, 3, 12, 2];
        let mut state = 12345u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let rows: Vec<Vec<Option<u8>>> = (0..n)
            .map(|_| {
                cats.iter()
                    .map(|&c| {
                        let r = next();
                        (r % 10 != 0).then_some(((r >> 8) % c as u64) as u8)
                    })
                    .collect()
            })
            .collect();
        let values = cats.iter().map(|&c| (0..c).map(|v| v as f64).collect()).collect();
        let it = coded(&rows, values);
        let all = it.rows_with(false);
        assert_eq!(count(&all), rows.iter().filter(|r| r.iter().all(|v| v.is_some())).count());
        assert_eq!(count(&it.rows_with(true)), rows.iter().filter(|r| r.iter().any(|v| v.is_some())).count());
        for mask in [None, Some(&all[..])] {
            let t = tabulate(&it, mask);
            let keep = |i: usize| mask.is_none_or(|m| m[i / 64] >> (i % 64) & 1 == 1);
            for a in 0..cats.len() {
                let mut m = vec![0u64; cats[a]];
                for (i, r) in rows.iter().enumerate() {
                    if let (Some(x), true) = (r[a], keep(i)) {
                        m[x as usize] += 1;
                    }
                }
                assert_eq!(t.marginal(a), &m[..]);
                for b in 0..cats.len() {
                    if a == b {
                        continue;
                    }
                    let mut want = vec![vec![0u64; cats[b]]; cats[a]];
                    for (i, r) in rows.iter().enumerate() {
                        if let (Some(x), Some(y), true) = (r[a], r[b], keep(i)) {
                            want[x as usize][y as usize] += 1;
                        }
                    }
                    assert_eq!(t.table(a, b), want, "pair {a},{b}");
                }
            }
        }
    }
}
