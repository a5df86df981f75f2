//! Generalizability theory: G studies (variance components) and D studies (dependability).
//!
//! Reference throughout: Brennan, R. L. (2001). *Generalizability Theory*. Springer. Chapter and equation
//! numbers below are Brennan's.
//!
//! **Designs.** An object of measurement `p` (person, classroom, …) and one to [`MAX_FACETS`] facets, each
//! crossed with the others or nested in another facet (`r:t`). Data are long: one row per score.
//!
//! **Effects** ([`effects`]). An effect is a set of *primary* factors no one of which is nested in another
//! one of the set; its full factor set adds the factors the primaries are nested in. `p × (r:t)` has `p`, `t`,
//! `r:t`, `pt`, `pr:t`. Names join crossed factors with `" x "` and append nesting after `":"`
//! (`"person x rater:task"`); the highest-order effect, confounded with error, is `"residual"`.
//!
//! **G study** ([`g_study`]). Variance components of the random-effects model
//! `X = μ + Σ_α ν_α + e` (Brennan ch. 3):
//! - [`Method::Anova`], balanced data only (every cell once): sums of squares from the effect estimates
//!   (marginal means minus all lower-order effects), degrees of freedom `Π_{primary}(n−1) · Π_{nesting} n`,
//!   and the expected mean squares `EMS(α) = Σ_{β ⊇ α} π(β̄) σ²(β)` solved from the highest-order effect down
//!   (Brennan ch. 3, the EMS "algorithm"). Negative estimates are kept in [`Component::raw`] and set to zero in
//!   [`Component::variance`] (Brennan's convention); the other estimates use the raw (unbiased) values.
//! - [`Method::Reml`], any data (missing cells, unbalanced, sparse crossing): `y = μ + Σ_k Z_k u_k + e`,
//!   `u_k ~ N(0, σ²_k I)`, the residual being `e` (Brennan ch. 7 for unbalanced designs). The profiled REML
//!   criterion of lme4 (Bates, Mächler, Bolker & Walker 2015, *J. Stat. Softw.* 67(1)) in the relative standard
//!   deviations `θ_k = σ_k/σ_e`,
//!   `d(θ) = log|Ã_θ| + (n−1)(1 + log(2π r²_θ/(n−1)))`, with `Ã_θ = W'W + diag(I, 0)`, `W = [ZΛ_θ, 1]` and `r²_θ`
//!   the penalised residual sum of squares, is minimised by BFGS with the analytic gradient (Newton steps with a
//!   finite-difference Hessian as a fallback). `d` is even in each `θ_k`, so a zero component is an ordinary stationary point (`θ_k → 0`): the
//!   estimates are ≥ 0 by construction, as in lme4. `Ã_θ` is factored by a sparse Cholesky (minimum-degree
//!   ordering) and the gradient uses its Takahashi selected inverse. `σ²_e = r²/(n−1)`, `σ²_k = θ_k² σ²_e`.
//!
//! **D study** ([`d_study`], Brennan ch. 4): with D-study sample sizes `n'` and the set of fixed facets,
//! for every effect `α` let `d(α) = Π_{facets f ∈ α} n'_f` (nesting facets included):
//! - universe-score variance `τ = Σ σ²(α)/d(α)` over `α ∋ p` whose facets are all fixed (`σ²_p` when none is),
//! - relative error `δ = Σ σ²(α)/d(α)` over `α ∋ p` with a random facet,
//! - absolute error `Δ = δ + Σ σ²(α)/d(α)` over `α ∌ p` with a random facet,
//! - `Eρ² = τ/(τ+δ)`, `Φ = τ/(τ+Δ)`, `SEM_rel = √δ`, `SEM_abs = √Δ`.
//!
//! **CIs** ([`d_study_bootstrap`]): percentile bootstrap over objects of measurement (objects resampled with
//! replacement, components re-estimated by the same method, coefficients recomputed), interpolated as R
//! `boot.ci(type = "perc")`; ChaCha8 seeded with `seed`, so the same input and seed give identical output.
//! Resampling only `p` is Brennan's "boot-p" (ch. 6): it ignores the sampling of the facets' levels.
//!
//! Pinned by the tests at the bottom of this file against Brennan's published values for synthetic data sets
//! 1, 3 and 4, hand-computed D-study formulas, and lme4 `lmer(REML = TRUE)` fits on unbalanced data
//! (`fixtures/gstudy_lme4.json`, made by `scripts/reference/gstudy.R`).

use super::bootstrap::{below, norm_inter};
use super::{Na, StatResult};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Most facets besides the object of measurement.
pub const MAX_FACETS: usize = 3;

/// One facet of the design (everything but the object of measurement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetSpec {
    pub name: String,
    /// Index (in [`Design::facets`]) of the facet this one is nested in: raters nested in tasks is `r:t`.
    pub nested_in: Option<usize>,
    /// Fixed in the default universe of generalization ([`cycles_needed`]; [`d_study`] takes its own flags).
    /// G-study components are always those of the random-effects model (Brennan ch. 4, mixed models).
    pub fixed: bool,
}

impl FacetSpec {
    /// A random facet crossed with the others.
    pub fn crossed(name: impl Into<String>) -> FacetSpec {
        FacetSpec { name: name.into(), nested_in: None, fixed: false }
    }

    /// A random facet nested in facet `within`.
    pub fn nested(name: impl Into<String>, within: usize) -> FacetSpec {
        FacetSpec { name: name.into(), nested_in: Some(within), fixed: false }
    }

    /// The same facet, fixed in the default universe of generalization.
    pub fn as_fixed(mut self) -> FacetSpec {
        self.fixed = true;
        self
    }
}

/// The facets besides the object of measurement, in the order of [`LongData::facets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Design {
    pub facets: Vec<FacetSpec>,
}

/// Long data: row `r` is the score `score[r]` of object `object[r]` at level `facets[f][r]` of each facet `f`.
/// Levels are labels: a nested facet's levels may be numbered within each level of its parent or globally.
#[derive(Debug, Clone, PartialEq)]
pub struct LongData {
    pub object: Vec<u32>,
    pub facets: Vec<Vec<u32>>,
    pub score: Vec<f64>,
}

/// How variance components are estimated (`--method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Expected mean squares; balanced data only.
    Anova,
    /// Restricted maximum likelihood; any data.
    Reml,
}

/// An effect of the design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectInfo {
    pub name: String,
    /// The effect involves the object of measurement.
    pub object: bool,
    /// Facets in the effect's full factor set (primary and nesting), ascending.
    pub facets: Vec<usize>,
    /// The highest-order effect, confounded with error.
    pub residual: bool,
}

/// One estimated variance component.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub effect: EffectInfo,
    /// Observed levels of the effect (for the residual: the number of scores).
    pub levels: usize,
    /// ANOVA table (ANOVA method only).
    pub ss: Option<f64>,
    pub df: Option<f64>,
    pub ms: Option<f64>,
    /// Estimate before truncation (ANOVA can be negative; REML is ≥ 0).
    pub raw: f64,
    /// `max(raw, 0)`.
    pub variance: f64,
    /// `variance / Σ variance`.
    pub share: f64,
}

/// REML fit details.
#[derive(Debug, Clone, PartialEq)]
pub struct RemlFit {
    /// `θ_k = σ_k/σ_e`, one per non-residual effect in component order.
    pub theta: Vec<f64>,
    /// The REML criterion (lme4 `REMLcrit`).
    pub criterion: f64,
    pub iterations: usize,
    /// Largest absolute gradient of the criterion in `θ` at the solution.
    pub max_gradient: f64,
}

/// A G study.
#[derive(Debug, Clone, PartialEq)]
pub struct GStudy {
    pub object_name: String,
    pub design: Design,
    pub method: Method,
    pub balanced: bool,
    pub n_scores: usize,
    pub n_objects: usize,
    /// Observed sample size per facet (levels per level of its parent for nested facets): exact when balanced,
    /// otherwise the harmonic mean over objects (and parent levels). The default D-study sizes of [`cycles_needed`].
    pub sample_sizes: Vec<f64>,
    /// In effect order (see [`effects`]); the residual is last.
    pub components: Vec<Component>,
    pub reml: Option<RemlFit>,
}

/// A D study (Brennan ch. 4).
#[derive(Debug, Clone, PartialEq)]
pub struct DResult {
    pub n: Vec<f64>,
    pub fixed: Vec<bool>,
    /// Universe-score variance τ.
    pub universe_score: f64,
    /// Relative error variance δ.
    pub relative_error: f64,
    /// Absolute error variance Δ.
    pub absolute_error: f64,
    /// Eρ² = τ/(τ+δ).
    pub g_coefficient: f64,
    /// Φ = τ/(τ+Δ).
    pub phi_coefficient: f64,
    /// √δ.
    pub sem_relative: f64,
    /// √Δ.
    pub sem_absolute: f64,
}

/// A closed interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// A D study with bootstrap percentile intervals for its coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct DStudyCi {
    pub d: DResult,
    pub g_coefficient: Interval,
    pub phi_coefficient: Interval,
    pub level: f64,
    pub replicates: usize,
    /// Replicates whose components and coefficients were defined.
    pub defined: usize,
    pub seed: u64,
}

// ------------------------------------------------------------------------------------------------------------
// Design layout: factors are 0 = object, 1 + f = facet f; factor sets are bit masks.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EffectDef {
    primary: u8,
    full: u8,
}

#[derive(Debug, Clone)]
struct Layout {
    m: usize,
    /// Transitive nesting mask per factor.
    nest: Vec<u8>,
    names: Vec<String>,
    /// Display order; the residual is last.
    effects: Vec<EffectDef>,
}

fn bits(mask: u8) -> impl Iterator<Item = usize> {
    (0..8).filter(move |j| (mask >> j) & 1 == 1)
}

fn layout(design: &Design, object_name: &str) -> StatResult<Layout> {
    let k = design.facets.len();
    if k == 0 {
        return Err(Na::new("a G study needs at least one facet"));
    }
    if k > MAX_FACETS {
        return Err(Na::new(format!("{k} facets: at most {MAX_FACETS} are supported")));
    }
    let mut names = vec![object_name.trim().to_string()];
    names.extend(design.facets.iter().map(|f| f.name.trim().to_string()));
    if names.iter().any(|s| s.is_empty()) {
        return Err(Na::new("the object and every facet need a name"));
    }
    for i in 0..names.len() {
        if names[i + 1..].contains(&names[i]) {
            return Err(Na::new(format!("name '{}' is used twice", names[i])));
        }
    }
    let m = k + 1;
    let mut nest = vec![0u8; m];
    for j in 0..k {
        let (mut cur, mut steps) = (j, 0);
        while let Some(p) = design.facets[cur].nested_in {
            if p >= k {
                return Err(Na::new(format!(
                    "facet '{}' is nested in facet {p}, which does not exist",
                    names[cur + 1]
                )));
            }
            if p == j || steps >= k {
                return Err(Na::new(format!("the nesting of facet '{}' is circular", names[j + 1])));
            }
            nest[j + 1] |= 1 << (p + 1);
            cur = p;
            steps += 1;
        }
    }
    let all: u8 = (1u8 << m) - 1;
    let leaves = (0..m).filter(|&j| nest.iter().all(|&n| (n >> j) & 1 == 0)).fold(0u8, |a, j| a | 1 << j);
    let mut effects: Vec<EffectDef> = (1..=all)
        .filter(|&p| bits(p).all(|j| nest[j] & p == 0))
        .map(|p| EffectDef { primary: p, full: bits(p).fold(p, |a, j| a | nest[j]) })
        .collect();
    effects.sort_by_key(|e| (e.primary == leaves, e.primary.count_ones(), bits(e.primary).collect::<Vec<_>>()));
    Ok(Layout { m, nest, names, effects })
}

impl Layout {
    fn residual(&self) -> EffectDef {
        *self.effects.last().expect("a design has effects")
    }

    fn effect_name(&self, e: EffectDef) -> String {
        if e == self.residual() {
            return "residual".into();
        }
        let prim: Vec<&str> = bits(e.primary).map(|j| self.names[j].as_str()).collect();
        let mut out = prim.join(" x ");
        let nesting = e.full & !e.primary;
        if nesting != 0 {
            // Innermost first; a chain r:t:s is written with colons, crossed nesting factors in parentheses.
            let mut outer: Vec<usize> = bits(nesting).collect();
            outer.sort_by_key(|&j| std::cmp::Reverse(self.nest[j].count_ones()));
            let chain = outer.windows(2).all(|w| (self.nest[w[0]] >> w[1]) & 1 == 1);
            let names: Vec<&str> = outer.iter().map(|&j| self.names[j].as_str()).collect();
            if chain {
                out = format!("{out}:{}", names.join(":"));
            } else {
                out = format!("{out}:({})", names.join(" x "));
            }
        }
        out
    }

    fn info(&self, e: EffectDef) -> EffectInfo {
        EffectInfo {
            name: self.effect_name(e),
            object: e.full & 1 == 1,
            facets: bits(e.full).filter(|&j| j > 0).map(|j| j - 1).collect(),
            residual: e == self.residual(),
        }
    }
}

/// The effects of a design in Brennan's order (main effects, then two-way, …), the residual last.
///
/// Pinned by `effects_crossed_and_nested`.
pub fn effects(design: &Design, object_name: &str) -> StatResult<Vec<EffectInfo>> {
    let l = layout(design, object_name)?;
    Ok(l.effects.iter().map(|&e| l.info(e)).collect())
}

// ------------------------------------------------------------------------------------------------------------
// Data: validated factor levels per row, within-parent coding, balance.

type Row = [u32; 4];

fn key(r: &Row, mask: u8) -> Row {
    let mut k = [u32::MAX; 4];
    for j in bits(mask) {
        k[j] = r[j];
    }
    k
}

fn factor_rows(data: &LongData, n_facets: usize) -> StatResult<Vec<Row>> {
    let n = data.score.len();
    if n == 0 {
        return Err(Na::new("no scores"));
    }
    if data.object.len() != n || data.facets.iter().any(|f| f.len() != n) {
        return Err(Na::new("object, facet and score columns differ in length"));
    }
    if data.facets.len() != n_facets {
        return Err(Na::new(format!("data have {} facet columns, the design {n_facets}", data.facets.len())));
    }
    if let Some(i) = data.score.iter().position(|v| !v.is_finite()) {
        return Err(Na::new(format!("score in row {} is not finite", i + 1)));
    }
    Ok((0..n)
        .map(|r| {
            let mut row = [u32::MAX; 4];
            row[0] = data.object[r];
            for (f, col) in data.facets.iter().enumerate() {
                row[f + 1] = col[r];
            }
            row
        })
        .collect())
}

/// Within-parent codes `0..n_j` per factor, and `n_j` when it is the same in every parent level.
struct Coding {
    codes: Vec<Row>,
    sizes: Vec<Option<usize>>,
}

fn code(rows: &[Row], l: &Layout) -> Coding {
    let mut codes = vec![[0u32; 4]; rows.len()];
    let mut sizes = Vec::with_capacity(l.m);
    for j in 0..l.m {
        let mut pairs: Vec<(Row, u32)> = rows.iter().map(|r| (key(r, l.nest[j]), r[j])).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut rank = vec![0u32; pairs.len()];
        let mut counts = Vec::new();
        let mut start = 0;
        for i in 0..pairs.len() {
            if i > 0 && pairs[i].0 != pairs[i - 1].0 {
                counts.push(i - start);
                start = i;
            }
            rank[i] = (i - start) as u32;
        }
        counts.push(pairs.len() - start);
        sizes.push(if counts.iter().all(|&c| c == counts[0]) { Some(counts[0]) } else { None });
        for (r, row) in rows.iter().enumerate() {
            let at = pairs.binary_search(&(key(row, l.nest[j]), row[j])).expect("pair is present");
            codes[r][j] = rank[at];
        }
    }
    Coding { codes, sizes }
}

fn balanced_sizes(coding: &Coding, l: &Layout) -> Option<Vec<usize>> {
    let sizes: Vec<usize> = coding.sizes.iter().copied().collect::<Option<_>>()?;
    let total: usize = sizes.iter().product();
    if total != coding.codes.len() {
        return None;
    }
    let strides = Grid::new(&sizes).strides((1u8 << l.m) - 1);
    let mut seen = vec![false; total];
    for c in &coding.codes {
        let idx: usize = (0..l.m).map(|j| c[j] as usize * strides[j]).sum();
        if std::mem::replace(&mut seen[idx], true) {
            return None;
        }
    }
    Some(sizes)
}

/// Whether every cell of the design (every combination of object and facet levels, nested facets with the same
/// number of levels in each parent level) has exactly one score: the condition for [`Method::Anova`].
///
/// Pinned by `balance_detection`.
pub fn is_balanced(data: &LongData, design: &Design) -> StatResult<bool> {
    let mut object = String::from("object");
    while design.facets.iter().any(|f| f.name.trim() == object) {
        object.push('\'');
    }
    let l = layout(design, &object)?;
    let rows = factor_rows(data, design.facets.len())?;
    Ok(balanced_sizes(&code(&rows, &l), &l).is_some())
}

/// The default method: ANOVA for balanced data, REML otherwise (Brennan ch. 7 discusses likelihood methods for
/// unbalanced designs). Pinned by `balance_detection`.
pub fn default_method(data: &LongData, design: &Design) -> StatResult<Method> {
    Ok(method_for(is_balanced(data, design)?))
}

/// The default method of data that are (or are not) balanced: ANOVA or REML.
fn method_for(balanced: bool) -> Method {
    if balanced {
        Method::Anova
    } else {
        Method::Reml
    }
}

/// Harmonic mean, over objects (and over the levels of the parent facets of a nested facet), of the number of
/// levels of each facet observed: the harmonic-mean sample size used for unbalanced D studies (Brennan ch. 7).
fn observed_sample_sizes(rows: &[Row], l: &Layout) -> Vec<f64> {
    (1..l.m)
        .map(|j| {
            let parent = l.nest[j] | 1;
            let mut pairs: Vec<(Row, u32)> = rows.iter().map(|r| (key(r, parent), r[j])).collect();
            pairs.sort_unstable();
            pairs.dedup();
            let (mut cells, mut inv, mut run) = (0usize, 0.0, 0usize);
            for i in 0..pairs.len() {
                run += 1;
                if i + 1 == pairs.len() || pairs[i + 1].0 != pairs[i].0 {
                    cells += 1;
                    inv += 1.0 / run as f64;
                    run = 0;
                }
            }
            cells as f64 / inv
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------------------
// ANOVA (balanced data).

struct Grid {
    n: Vec<usize>,
}

impl Grid {
    fn new(sizes: &[usize]) -> Grid {
        Grid { n: sizes.to_vec() }
    }

    /// Strides of the array over the factors in `mask` (ascending factor order, first fastest); 0 elsewhere.
    fn strides(&self, mask: u8) -> [usize; 4] {
        let mut s = [0usize; 4];
        let mut acc = 1;
        for j in bits(mask) {
            s[j] = acc;
            acc *= self.n[j];
        }
        s
    }

    fn cells(&self, mask: u8) -> usize {
        bits(mask).map(|j| self.n[j]).product()
    }

    fn decode(&self, mut idx: usize, mask: u8) -> [usize; 4] {
        let mut lv = [0usize; 4];
        for j in bits(mask) {
            lv[j] = idx % self.n[j];
            idx /= self.n[j];
        }
        lv
    }
}

fn at(lv: &[usize; 4], strides: &[usize; 4]) -> usize {
    lv.iter().zip(strides).map(|(a, b)| a * b).sum()
}

#[derive(Debug, Clone, Copy)]
struct AnovaRow {
    ss: f64,
    df: f64,
    ms: f64,
    raw: f64,
}

/// Effect estimates (marginal means minus all lower-order effects), one array per effect over its full factors.
fn effect_estimates(l: &Layout, grid: &Grid, cell: &[f64]) -> Vec<Vec<f64>> {
    let all = (1u8 << l.m) - 1;
    let total = cell.len();
    let ne = l.effects.len();
    let mut order: Vec<usize> = (0..ne).collect();
    order.sort_by_key(|&e| l.effects[e].full.count_ones());
    let mut est: Vec<Vec<f64>> = vec![Vec::new(); ne];
    for &e in &order {
        let f = l.effects[e].full;
        let sf = grid.strides(f);
        let ncell = grid.cells(f);
        let mut sum = vec![0.0; ncell];
        for (c, &v) in cell.iter().enumerate() {
            sum[at(&grid.decode(c, all), &sf)] += v;
        }
        let per = (total / ncell) as f64;
        let subs: Vec<(usize, [usize; 4])> = (0..ne)
            .filter(|&g| {
                let fg = l.effects[g].full;
                fg != f && fg & f == fg
            })
            .map(|g| (g, grid.strides(l.effects[g].full)))
            .collect();
        est[e] = sum
            .iter()
            .enumerate()
            .map(|(ci, s)| {
                let lv = grid.decode(ci, f);
                s / per - subs.iter().map(|(g, st)| est[*g][at(&lv, st)]).sum::<f64>()
            })
            .collect();
    }
    est
}

/// Sums of squares, degrees of freedom, mean squares and the EMS solution (Brennan ch. 3).
fn anova(l: &Layout, codes: &[Row], sizes: &[usize], y: &[f64]) -> StatResult<Vec<AnovaRow>> {
    let grid = Grid::new(sizes);
    let all = (1u8 << l.m) - 1;
    let total = grid.cells(all);
    let mean = y.iter().sum::<f64>() / total as f64;
    let sfull = grid.strides(all);
    let mut cell = vec![0.0; total];
    for (c, &v) in codes.iter().zip(y) {
        let lv = [c[0] as usize, c[1] as usize, c[2] as usize, c[3] as usize];
        cell[at(&lv, &sfull)] = v - mean;
    }
    let est = effect_estimates(l, &grid, &cell);
    let ss: Vec<f64> = l
        .effects
        .iter()
        .enumerate()
        .map(|(e, def)| (total / grid.cells(def.full)) as f64 * est[e].iter().map(|v| v * v).sum::<f64>())
        .collect();
    ems(l, sizes, &ss)
}

/// Degrees of freedom, mean squares and the EMS solution from the sums of squares of a balanced design.
fn ems(l: &Layout, sizes: &[usize], ss: &[f64]) -> StatResult<Vec<AnovaRow>> {
    let grid = Grid::new(sizes);
    let total = grid.cells((1u8 << l.m) - 1);
    let mut rows = Vec::with_capacity(l.effects.len());
    for (def, &ss) in l.effects.iter().zip(ss) {
        let df: usize =
            bits(def.full).map(|j| if (def.primary >> j) & 1 == 1 { sizes[j] - 1 } else { sizes[j] }).product();
        if df == 0 {
            return Err(Na::new(format!(
                "effect '{}' has no degrees of freedom (a single level)",
                l.effect_name(*def)
            )));
        }
        rows.push(AnovaRow { ss, df: df as f64, ms: ss / df as f64, raw: 0.0 });
    }
    let coef = |e: usize| (total / grid.cells(l.effects[e].full)) as f64;
    let mut order: Vec<usize> = (0..l.effects.len()).collect();
    order.sort_by_key(|&e| std::cmp::Reverse(l.effects[e].full.count_ones()));
    for &e in &order {
        let f = l.effects[e].full;
        let mut v = rows[e].ms;
        for (g, def) in l.effects.iter().enumerate() {
            if def.full != f && def.full & f == f {
                v -= coef(g) * rows[g].raw;
            }
        }
        rows[e].raw = v / coef(e);
    }
    Ok(rows)
}

/// Per-object sufficient statistics of a balanced design, for the bootstrap over objects.
///
/// With `T_G = Σ_{cells c of G} S_G(c)² / m_G` (`S_G(c)` the sum of the scores in cell `c` of the factor set
/// `G`, `m_G` scores per cell), the sums of squares of a balanced design are `SS_F = Σ_{G ⊆ F} μ(G, F) T_G` over
/// the effects' factor sets and `∅`, where `μ` inverts "marginal mean = sum of the effects below it" (for crossed
/// designs `μ = (−1)^{|F|−|G|}`). For `G ∋ object`, `T_G` is a sum over objects of a per-object term; for
/// `G ∌ object`, `S_G` is a sum over objects of per-object marginal sums. A replicate therefore costs one pass
/// over the drawn objects' facet tables instead of a refit from the scores.
struct ObjectTables {
    sizes: Vec<usize>,
    /// Number of facet cells per object.
    w: usize,
    /// Object `o`'s scores (centred at the grand mean) over the facet cells, `w` per object, grid order.
    tables: Vec<f64>,
    /// The factor sets: `∅` and each effect's full mask.
    sets: Vec<u8>,
    /// Per set, the facet cell → cell of the set's facets.
    maps: Vec<Vec<usize>>,
    /// Per set containing the object: per object, `Σ_c S_G(o, c)²`; empty for the other sets.
    per_object: Vec<Vec<f64>>,
    /// Per effect: (set index, coefficient μ).
    mobius: Vec<Vec<(usize, f64)>>,
}

impl ObjectTables {
    fn new(l: &Layout, codes: &[Row], sizes: &[usize], y: &[f64]) -> ObjectTables {
        let grid = Grid::new(sizes);
        let all = (1u8 << l.m) - 1;
        let (np, w) = (sizes[0], grid.cells(all & !1));
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let sfacet = grid.strides(all & !1);
        let mut tables = vec![0.0; np * w];
        for (c, &v) in codes.iter().zip(y) {
            let lv = [0, c[1] as usize, c[2] as usize, c[3] as usize];
            tables[c[0] as usize * w + at(&lv, &sfacet)] = v - mean;
        }
        let mut sets = vec![0u8];
        sets.extend(l.effects.iter().map(|e| e.full));
        let maps: Vec<Vec<usize>> = sets
            .iter()
            .map(|&g| {
                let sg = grid.strides(g & !1);
                (0..w).map(|r| at(&grid.decode(r, all & !1), &sg)).collect()
            })
            .collect();
        let per_object = sets
            .iter()
            .zip(&maps)
            .map(|(&g, map)| {
                if g & 1 == 0 {
                    return Vec::new();
                }
                let mut acc = vec![0.0; grid.cells(g & !1)];
                (0..np)
                    .map(|o| {
                        acc.iter_mut().for_each(|v| *v = 0.0);
                        for (r, &c) in map.iter().enumerate() {
                            acc[c] += tables[o * w + r];
                        }
                        acc.iter().map(|v| v * v).sum()
                    })
                    .collect()
            })
            .collect();
        let mobius = (1..sets.len()).map(|f| mobius_row(&sets, f)).collect();
        ObjectTables { sizes: sizes.to_vec(), w, tables, sets, maps, per_object, mobius }
    }

    /// The sums of squares of the replicate made of `draw` (object indices, with repeats).
    fn ss(&self, draw: &[u32]) -> Vec<f64> {
        let grid = Grid::new(&self.sizes);
        let n_all = grid.cells((1u8 << self.sizes.len()) - 1) as f64;
        let mut sum = vec![0.0; self.w];
        for &o in draw {
            let t = &self.tables[o as usize * self.w..(o as usize + 1) * self.w];
            sum.iter_mut().zip(t).for_each(|(a, b)| *a += b);
        }
        let t: Vec<f64> = self
            .sets
            .iter()
            .enumerate()
            .map(|(i, &g)| {
                let m_g = n_all / grid.cells(g) as f64;
                if g & 1 == 1 {
                    draw.iter().map(|&o| self.per_object[i][o as usize]).sum::<f64>() / m_g
                } else {
                    let mut acc = vec![0.0; grid.cells(g)];
                    for (r, &c) in self.maps[i].iter().enumerate() {
                        acc[c] += sum[r];
                    }
                    acc.iter().map(|v| v * v).sum::<f64>() / m_g
                }
            })
            .collect();
        self.mobius.iter().map(|row| row.iter().map(|&(g, c)| c * t[g]).sum()).collect()
    }
}

/// `μ(G, F)` for the set `F = sets[f]` over the sets below it: `μ(F, F) = 1`, `μ(G, F) = −Σ_{G ⊆ H ⊊ F} μ(G, H)`.
fn mobius_row(sets: &[u8], f: usize) -> Vec<(usize, f64)> {
    let below = |a: u8, b: u8| a & b == a;
    // μ(·, H) for every H ⊆ F, by increasing size.
    let mut under: Vec<usize> = (0..sets.len()).filter(|&h| below(sets[h], sets[f])).collect();
    under.sort_by_key(|&h| sets[h].count_ones());
    let mut mu: HashMap<(usize, usize), f64> = HashMap::new();
    for &h in &under {
        for &g in under.iter().filter(|&&g| below(sets[g], sets[h])) {
            let v = if g == h {
                1.0
            } else {
                -under
                    .iter()
                    .filter(|&&k| k != h && below(sets[g], sets[k]) && below(sets[k], sets[h]))
                    .map(|&k| mu[&(g, k)])
                    .sum::<f64>()
            };
            mu.insert((g, h), v);
        }
    }
    under.iter().map(|&g| (g, mu[&(g, f)])).filter(|p| p.1 != 0.0).collect()
}

// ------------------------------------------------------------------------------------------------------------
// REML.

/// Source of one stored entry of `Ã_θ`: value `t[ea]·t[eb]·count + one`, `t = (θ, 1)` (index k = intercept).
#[derive(Debug, Clone, Copy)]
struct Src {
    ea: u32,
    eb: u32,
    count: f64,
    one: bool,
}

/// The part of a REML problem that depends only on the rows (the design's levels), not on the
/// scores: levels of each random effect, the `Z'Z` counts, the ordering and the symbolic
/// factorisation. Built once and shared (through [`RemlSetup`]) by G studies on the same rows.
struct RemlStructure {
    n: usize,
    k: usize,
    /// Per effect, per score: the global level index.
    lev: Vec<Vec<u32>>,
    /// Per effect: number of levels.
    q_k: Vec<usize>,
    eff_of: Vec<u32>,
    /// Upper triangle of `Z'Z` (level indices, count), sorted.
    pairs: Vec<(usize, usize, f64)>,
    /// Permuted position of each global level; the intercept is last (`q`).
    iperm: Vec<usize>,
    sym: sparse::Symbolic,
    src: Vec<Src>,
    lpos: Vec<usize>,
    /// Per entry of `Ã`: its count, doubled off the diagonal (both triangles), for the trace in the gradient.
    gcount: Vec<f64>,
}

/// The REML problem: the shared [`RemlStructure`] (read through `Deref`) and the scores' part,
/// `Z'y`, `y'y`, `Σy` and the start values.
struct RemlModel {
    st: Arc<RemlStructure>,
    y: Vec<f64>,
    yy: f64,
    sumy: f64,
    zty: Vec<f64>,
    /// Start values of θ from Henderson's Method I ([`method1_theta`]); `None` when it is undefined.
    start: Option<Vec<f64>>,
}

impl std::ops::Deref for RemlModel {
    type Target = RemlStructure;
    fn deref(&self) -> &RemlStructure {
        &self.st
    }
}

/// Scratch and the state of the last evaluation (factor `lx`, solution `b`, `r²`), reused by the gradient.
struct RemlWork {
    ax: Vec<f64>,
    lx: Vec<f64>,
    zx: Vec<f64>,
    x: Vec<f64>,
    mark: Vec<usize>,
    /// The dense tail of `A⁻¹` (see [`sparse::Symbolic::selected_inverse`]).
    zd: Vec<f64>,
    b: Vec<f64>,
    r2: f64,
}

fn level_indices(rows: &[Row], l: &Layout) -> StatResult<(Vec<Vec<u32>>, Vec<usize>)> {
    let n = rows.len();
    let mut lev = Vec::new();
    let mut q_k = Vec::new();
    let mut offset = 0u32;
    for &e in &l.effects[..l.effects.len() - 1] {
        let mut map: HashMap<Row, u32> = HashMap::new();
        let idx: Vec<u32> = rows
            .iter()
            .map(|r| {
                let next = map.len() as u32;
                offset + *map.entry(key(r, e.full)).or_insert(next)
            })
            .collect();
        let q = map.len();
        if q < 2 {
            return Err(Na::new(format!("effect '{}' has a single level", l.effect_name(e))));
        }
        if q >= n {
            return Err(Na::new(format!(
                "effect '{}' has {q} levels for {n} scores: not separable from the residual",
                l.effect_name(e)
            )));
        }
        offset += q as u32;
        lev.push(idx);
        q_k.push(q);
    }
    Ok((lev, q_k))
}

impl RemlStructure {
    fn new(rows: &[Row], l: &Layout) -> StatResult<RemlStructure> {
        let n = rows.len();
        let (lev, q_k) = level_indices(rows, l)?;
        let k = lev.len();
        let q: usize = q_k.iter().sum();
        let eff_of: Vec<u32> = q_k.iter().enumerate().flat_map(|(e, &c)| std::iter::repeat_n(e as u32, c)).collect();
        let mut keys: Vec<u64> = Vec::with_capacity(n * k * (k + 1) / 2);
        for r in 0..n {
            for a in 0..k {
                let la = lev[a][r];
                for lb in lev[a..].iter().map(|v| v[r]) {
                    let (lo, hi) = if la <= lb { (la, lb) } else { (lb, la) };
                    keys.push((lo as u64) << 32 | hi as u64);
                }
            }
        }
        keys.sort_unstable();
        let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
        for kk in keys {
            let (a, b) = ((kk >> 32) as usize, (kk & 0xffff_ffff) as usize);
            match pairs.last_mut() {
                Some(last) if last.0 == a && last.1 == b => last.2 += 1.0,
                _ => pairs.push((a, b, 1.0)),
            }
        }
        let edges: Vec<(u32, u32)> = pairs.iter().filter(|p| p.0 != p.1).map(|p| (p.0 as u32, p.1 as u32)).collect();
        let mut perm = sparse::min_degree(q, &edges);
        perm.push(q);
        let mut iperm = vec![0; q + 1];
        for (new, &old) in perm.iter().enumerate() {
            iperm[old] = new;
        }
        let kk = k as u32;
        let mut entries: Vec<(usize, usize, Src)> = Vec::with_capacity(pairs.len() + q + 1);
        for &(a, b, c) in &pairs {
            let (i, j) = (iperm[a].min(iperm[b]), iperm[a].max(iperm[b]));
            entries.push((j, i, Src { ea: eff_of[a], eb: eff_of[b], count: c, one: a == b }));
            if a == b {
                entries.push((q, iperm[a], Src { ea: eff_of[a], eb: kk, count: c, one: false }));
            }
        }
        entries.push((q, q, Src { ea: kk, eb: kk, count: n as f64, one: false }));
        entries.sort_unstable_by_key(|e| (e.0, e.1));
        let mut ap = vec![0usize; q + 2];
        for e in &entries {
            ap[e.0 + 1] += 1;
        }
        for j in 0..=q {
            ap[j + 1] += ap[j];
        }
        let ai: Vec<usize> = entries.iter().map(|e| e.1).collect();
        let src: Vec<Src> = entries.iter().map(|e| e.2).collect();
        let sym = sparse::Symbolic::new(q + 1, ap, ai);
        let lpos = entries.iter().map(|e| sym.position(e.1, e.0)).collect();
        let gcount = entries.iter().map(|e| if e.0 == e.1 { e.2.count } else { 2.0 * e.2.count }).collect();
        Ok(RemlStructure { n, k, lev, q_k, eff_of, pairs, iperm, sym, src, lpos, gcount })
    }
}

impl RemlModel {
    #[cfg(test)]
    fn new(rows: &[Row], l: &Layout, y: &[f64]) -> StatResult<RemlModel> {
        Ok(RemlModel::with(Arc::new(RemlStructure::new(rows, l)?), y))
    }

    /// The model of scores `y` on the rows of `st`.
    fn with(st: Arc<RemlStructure>, y: &[f64]) -> RemlModel {
        let mut zty = vec![0.0; st.eff_of.len()];
        for lev in &st.lev {
            for (&la, &v) in lev.iter().zip(y) {
                zty[la as usize] += v;
            }
        }
        let yy = y.iter().map(|v| v * v).sum();
        let sumy = y.iter().sum();
        let start = method1_theta(&st.pairs, &st.eff_of, &st.q_k, st.n, &zty, yy, sumy);
        RemlModel { st, y: y.to_vec(), yy, sumy, zty, start }
    }

    fn work(&self) -> RemlWork {
        let nl = self.sym.nnz();
        let dim = self.sym.n;
        RemlWork {
            ax: vec![0.0; self.src.len()],
            lx: vec![0.0; nl],
            zx: vec![0.0; nl],
            x: vec![0.0; dim],
            mark: vec![usize::MAX; dim],
            zd: vec![0.0; self.sym.tail() * self.sym.tail()],
            b: vec![0.0; dim],
            r2: 0.0,
        }
    }

    /// Profiled REML criterion at `θ` (lme4's `REMLcrit`); leaves the factor and solution in `w`.
    fn value(&self, theta: &[f64], w: &mut RemlWork) -> Option<f64> {
        let t = |e: u32| theta.get(e as usize).copied().unwrap_or(1.0);
        for (a, s) in w.ax.iter_mut().zip(&self.src) {
            *a = t(s.ea) * t(s.eb) * s.count + if s.one { 1.0 } else { 0.0 };
        }
        if !self.sym.factor(&w.ax, &mut w.lx, &mut w.x) {
            return None;
        }
        let q = self.sym.n - 1;
        let logdet: f64 = (0..=q).map(|j| 2.0 * w.lx[self.sym.lp[j]].ln()).sum();
        let mut c = vec![0.0; q + 1];
        for a in 0..q {
            c[self.iperm[a]] = t(self.eff_of[a]) * self.zty[a];
        }
        c[q] = self.sumy;
        w.b.copy_from_slice(&c);
        self.sym.solve(&w.lx, &mut w.b);
        w.r2 = self.yy - dot(&c, &w.b);
        let nf = (self.n - 1) as f64;
        if !(w.r2 > 0.0) || !logdet.is_finite() {
            return None;
        }
        Some(logdet + nf * (1.0 + (2.0 * std::f64::consts::PI * w.r2 / nf).ln()))
    }

    /// Gradient of the criterion in `θ` at the point of the last [`RemlModel::value`] call:
    /// `∂d/∂θ_k = tr(Ã⁻¹ ∂Ã/∂θ_k) + (n−1)(∂r²/∂θ_k)/r²` with `∂r²/∂θ_k = −2 (Z_k u_k)'(y − Wb)`.
    fn gradient(&self, theta: &[f64], w: &mut RemlWork) -> Vec<f64> {
        let k = self.k;
        let t = |e: u32| theta.get(e as usize).copied().unwrap_or(1.0);
        self.sym.selected_inverse(&w.lx, &mut w.zx, &mut w.x, &mut w.mark, &mut w.zd);
        let mut grad = vec![0.0; k];
        for ((s, &pos), &c) in self.src.iter().zip(&self.lpos).zip(&self.gcount) {
            let z = w.zx[pos] * c;
            if (s.ea as usize) < k {
                grad[s.ea as usize] += z * t(s.eb);
            }
            if (s.eb as usize) < k {
                grad[s.eb as usize] += z * t(s.ea);
            }
        }
        let q = self.sym.n - 1;
        let b = &w.b;
        let ul: Vec<f64> = self.iperm[..q].iter().map(|&p| b[p]).collect();
        let u = |l: u32| ul[l as usize];
        let mut dr2 = vec![0.0; k];
        for r in 0..self.n {
            let fit: f64 = (0..k).map(|e| theta[e] * u(self.lev[e][r])).sum();
            let res = self.y[r] - b[q] - fit;
            for (e, d) in dr2.iter_mut().enumerate() {
                *d -= 2.0 * u(self.lev[e][r]) * res;
            }
        }
        let nf = (self.n - 1) as f64;
        for (g, d) in grad.iter_mut().zip(&dr2) {
            *g += nf * d / w.r2;
        }
        grad
    }
}

impl RemlModel {
    /// `y − Wb` for the solution `b` (permuted levels, intercept last) of the mixed-model equations with
    /// scores `v`: the residual of the penalised fit, `W = [ZΛ, 1]`.
    fn residual(&self, theta: &[f64], v: &[f64], b: &[f64]) -> Vec<f64> {
        let q = self.sym.n - 1;
        (0..self.n)
            .map(|r| v[r] - b[q] - (0..self.k).map(|e| theta[e] * b[self.iperm[self.lev[e][r] as usize]]).sum::<f64>())
            .collect()
    }

    /// Average-information approximation (Gilmour, Thompson & Cullis 1995) of the Hessian of the criterion in
    /// `θ` at the point of the last [`RemlModel::value`] call, for the steps of [`ai_newton`] and the start of
    /// BFGS. With `V = σ²(I + ZΛΛ'Z')`, `ψ = (θ, σ²)` and `Py = e/σ²` (`e = y − Wb`), the AI matrix of `−2 log L`
    /// is `y'P V_a P V_b P y`: `V_θa P y = 2θ_a Z_a Z_a' e =: w_a`, `P w = (w − W b_w)/σ²` with `b_w` the solution
    /// for right-hand side `c_w = W'w` (one solve with the factor each), so `w_a' P w_b = (w_a'w_b − c_a'b_b)/σ²`;
    /// `AI_ab = w_a' P w_b`, `AI_aσ = w_a' e/σ⁴`, `AI_σσ = r²/σ⁶`; profiling `σ²` out leaves the Schur complement
    /// `AI_θθ − AI_θσ AI_σθ / AI_σσ`. `k` solves, no factorisation or selected inverse (the forward differences
    /// it replaces cost `k` of each). Pinned by `ai_hessian_matches_dense_definition`.
    fn ai_hessian(&self, theta: &[f64], w: &RemlWork) -> Vec<f64> {
        let (k, q) = (self.k, self.sym.n - 1);
        let e = self.residual(theta, &self.y, &w.b);
        let s2 = w.r2 / (self.n - 1) as f64;
        let mut ws: Vec<Vec<f64>> = Vec::with_capacity(k);
        let (mut cs, mut bs): (Vec<Vec<f64>>, Vec<Vec<f64>>) = (Vec::with_capacity(k), Vec::with_capacity(k));
        let mut tot = vec![0.0; self.eff_of.len()];
        for a in 0..k {
            tot.iter_mut().for_each(|v| *v = 0.0);
            for (&l, &v) in self.lev[a].iter().zip(&e) {
                tot[l as usize] += v;
            }
            let wa: Vec<f64> = self.lev[a].iter().map(|&l| 2.0 * theta[a] * tot[l as usize]).collect();
            tot.iter_mut().for_each(|v| *v = 0.0);
            for lev in &self.lev {
                for (&l, &v) in lev.iter().zip(&wa) {
                    tot[l as usize] += v;
                }
            }
            let mut c = vec![0.0; q + 1];
            for (l, &v) in tot.iter().enumerate() {
                c[self.iperm[l]] = theta[self.eff_of[l] as usize] * v;
            }
            c[q] = wa.iter().sum();
            let mut b = c.clone();
            self.sym.solve(&w.lx, &mut b);
            cs.push(c);
            bs.push(b);
            ws.push(wa);
        }
        let ass = w.r2 / (s2 * s2 * s2);
        let asig: Vec<f64> = ws.iter().map(|wa| dot(wa, &e) / (s2 * s2)).collect();
        let mut h = vec![0.0; k * k];
        for a in 0..k {
            for b in 0..=a {
                // w_a'(w_b − W b_b) with W'w_a = c_a: w_a'w_b − c_a'b_b (symmetrised against rounding).
                let wpw = dot(&ws[a], &ws[b]) - 0.5 * (dot(&cs[a], &bs[b]) + dot(&cs[b], &bs[a]));
                let v = wpw / s2 - asig[a] * asig[b] / ass;
                h[a * k + b] = v;
                h[b * k + a] = v;
            }
        }
        h
    }
}

/// Start values of `θ_k = σ_k/σ_e` from Henderson's (1953) Method I: the sums of squares of the level totals,
/// `SS_k = Σ_a T_a²/n_a` (and `SS_0 = (Σy)²/n`, `Σy²`), equated to their expectations under the random model,
/// `E[SS_k] = nμ² + Σ_j σ²_j Σ_{a∈k,b∈j} n_ab²/n_a + q_k σ²_e`, with `n_ab` the entries of `Z'Z` (`pairs`, upper
/// triangle, level indices). Unbiased, O(nnz(Z'Z)), but not efficient on unbalanced data: only a start, REML does
/// the rest. Negative or tiny estimates start at `θ = 0.1` (an exact 0 would be a stationary point in `θ_k`).
/// `None` when the system is singular or `σ²_e ≤ 0`.
fn method1_theta(
    pairs: &[(usize, usize, f64)],
    eff_of: &[u32],
    q_k: &[usize],
    n: usize,
    zty: &[f64],
    yy: f64,
    sumy: f64,
) -> Option<Vec<f64>> {
    let k = q_k.len();
    let nf = n as f64;
    let mut count = vec![0.0; zty.len()];
    for &(a, b, c) in pairs {
        if a == b {
            count[a] = c;
        }
    }
    // cross[k][j] = Σ_{a∈k, b∈j} n_ab²/n_a; s[j] = Σ_{b∈j} n_b²/n.
    let mut cross = vec![0.0; k * k];
    let mut s = vec![0.0; k];
    let mut ss = vec![0.0; k];
    for (a, &c) in count.iter().enumerate() {
        let e = eff_of[a] as usize;
        cross[e * k + e] += c;
        s[e] += c * c / nf;
        ss[e] += zty[a] * zty[a] / c;
    }
    for &(a, b, c) in pairs.iter().filter(|p| p.0 != p.1) {
        let (ea, eb) = (eff_of[a] as usize, eff_of[b] as usize);
        cross[ea * k + eb] += c * c / count[a];
        cross[eb * k + ea] += c * c / count[b];
    }
    let ss0 = sumy * sumy / nf;
    let m = k + 1;
    let mut a = vec![0.0; m * (m + 1)];
    for i in 0..m {
        for j in 0..k {
            a[i * (m + 1) + j] = if i < k { cross[i * k + j] } else { nf } - s[j];
        }
        a[i * (m + 1) + k] = if i < k { q_k[i] as f64 } else { nf } - 1.0;
        a[i * (m + 1) + m] = if i < k { ss[i] } else { yy } - ss0;
    }
    let x = dense::gauss(&mut a, m)?;
    let s2e = x[k];
    if !(s2e > 0.0) || !s2e.is_finite() {
        return None;
    }
    Some(x[..k].iter().map(|v| (v.max(0.0) / s2e).sqrt().max(0.1)).collect())
}

/// A function with a gradient at the point of its last evaluation.
trait Objective {
    fn value(&mut self, x: &[f64]) -> Option<f64>;
    fn gradient(&mut self, x: &[f64]) -> Vec<f64>;
    fn both(&mut self, x: &[f64]) -> Option<(f64, Vec<f64>)> {
        let f = self.value(x)?;
        Some((f, self.gradient(x)))
    }
    /// An approximation of the Hessian at `x`, the point of the last evaluation, if there is a cheap one.
    fn hessian(&mut self, _x: &[f64]) -> Option<Vec<f64>> {
        None
    }
}

struct RemlObjective<'a> {
    model: &'a RemlModel,
    work: RemlWork,
    /// The point of the last evaluation (whose factor and solution `work` holds).
    at: Vec<f64>,
}

impl Objective for RemlObjective<'_> {
    fn value(&mut self, x: &[f64]) -> Option<f64> {
        self.at.clear();
        self.at.extend_from_slice(x);
        self.model.value(x, &mut self.work)
    }
    fn gradient(&mut self, x: &[f64]) -> Vec<f64> {
        self.model.gradient(x, &mut self.work)
    }
    fn hessian(&mut self, x: &[f64]) -> Option<Vec<f64>> {
        Some(self.model.ai_hessian(x, &self.work))
    }
}

struct Optimum {
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
    iterations: usize,
    /// The gradient met the tolerance, or (see [`bfgs`]) is within 100× of it at the rounding level of `f`.
    converged: bool,
}

fn inf_norm(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, x| a.max(x.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A step accepted by [`backtrack`]: the point, its value and gradient.
struct Step {
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
}

/// Backtracking along `d` from `x`, where `(f(x), ∇f(x), d'∇f(x) < 0)` is `at`: from `alpha`, halved up to `tries`
/// times. A step is accepted with sufficient decrease (Armijo, `1e-4`), or, near the optimum where rounding hides
/// the decrease, when it leaves `f` within `noise` and reduces the gradient ([`bfgs`]; [`projected_search`] is its
/// counterpart in `γ` for [`ai_newton`]).
fn backtrack(
    f: &mut dyn Objective,
    x: &[f64],
    d: &[f64],
    at: (f64, &[f64], f64),
    noise: f64,
    mut alpha: f64,
    tries: usize,
) -> Option<Step> {
    let (fx, gx, slope) = at;
    for _ in 0..tries {
        let xn: Vec<f64> = x.iter().zip(d).map(|(a, b)| a + alpha * b).collect();
        if let Some(fnew) = f.value(&xn) {
            if fnew <= fx + 1e-4 * alpha * slope {
                let gnew = f.gradient(&xn);
                return Some(Step { x: xn, f: fnew, g: gnew });
            }
            if fnew <= fx + noise {
                let gnew = f.gradient(&xn);
                if inf_norm(&gnew) < inf_norm(gx) {
                    return Some(Step { x: xn, f: fnew, g: gnew });
                }
            }
        }
        alpha *= 0.5;
    }
    None
}

/// BFGS (Nocedal & Wright 2006, Algorithm 6.1) with backtracking. A step is accepted with sufficient decrease
/// (Armijo), or, near the optimum where rounding hides the decrease, when it leaves the function unchanged within
/// rounding and reduces the gradient. Stops at `max|g| ≤ rtol·max(floor, |f|)` or when no step is accepted;
/// `floor` is the scale of the terms whose sum is `f` (their rounding does not shrink when they cancel). It also
/// stops, marked converged, when the gradient is within 100× the tolerance and the decrease the quasi-Newton model
/// promises is below the rounding of `f` (the CLASS fits of `run` otherwise spent ~10 iterations of failing line
/// searches and Newton polish there, moving the components by < 3e-7 relative). With `h0`, the inverse Hessian
/// starts from the objective's cheap Hessian approximation at `x0` ([`Objective::hessian`]; for REML the
/// average-information matrix, [`RemlModel::ai_hessian`]), or else from forward differences of the gradient (`k`
/// more evaluations), or else the identity: from Method I start values (see [`method1_theta`]) the demo's REML
/// fits take 3–19 iterations (CLASS 12–19) with the AI start, as with forward differences, instead of 18–41.
/// In [`reml`] it finishes what [`ai_newton`] leaves (which converges on its own in the demo's fits).
fn bfgs(f: &mut dyn Objective, x0: &[f64], rtol: f64, floor: f64, max_iter: usize, h0: bool) -> Option<Optimum> {
    let k = x0.len();
    let (mut fx, mut gx) = f.both(x0)?;
    let mut x = x0.to_vec();
    let identity = |k: usize| (0..k * k).map(|i| if i % (k + 1) == 0 { 1.0 } else { 0.0 }).collect::<Vec<_>>();
    let start_h = if h0 {
        match f.hessian(&x).and_then(|h| spd_inverse(&h, k)) {
            Some(inv) => Some(inv),
            None => fd_inverse_hessian(f, &x, &gx),
        }
    } else {
        None
    };
    let mut fresh = start_h.is_none();
    let mut h = start_h.unwrap_or_else(|| identity(k));
    let mut converged = false;
    let mut it = 0;
    // (max |g|, f) per iteration: a search that in 10 iterations has neither halved the gradient nor moved f
    // beyond rounding has stalled (ill-conditioned or degenerate directions at the boundary); the caller's
    // Newton steps finish from there.
    let mut history = vec![(inf_norm(&gx), fx)];
    while it < max_iter && inf_norm(&gx) > rtol * fx.abs().max(floor) {
        if it >= 10 {
            let ((g0, f0), (g1, f1)) = (history[it - 10], history[it]);
            if g1 > 0.5 * g0 && (f0 - f1).abs() <= 1e-10 * f1.abs().max(floor) {
                break;
            }
        }
        it += 1;
        let mut d: Vec<f64> = (0..k).map(|i| -dot(&h[i * k..(i + 1) * k], &gx)).collect();
        if dot(&d, &gx) >= 0.0 {
            h = identity(k);
            fresh = true;
            d = gx.iter().map(|g| -g).collect();
        }
        let slope = dot(&d, &gx);
        let noise = 1e-12 * fx.abs().max(floor);
        // Converged at the rounding level: the gradient is within 100× the tolerance and the decrease the
        // quasi-Newton model still promises is below the rounding of f, so no line search can confirm a step.
        if !fresh && -0.5 * slope <= noise && inf_norm(&gx) <= 100.0 * rtol * fx.abs().max(floor) {
            converged = true;
            break;
        }
        let alpha = if fresh { (1.0 / inf_norm(&gx)).min(1.0) } else { 1.0 };
        let Some(Step { x: xn, f: fnew, g: gnew }) = backtrack(f, &x, &d, (fx, &gx, slope), noise, alpha, 40) else {
            break;
        };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gnew.iter().zip(&gx).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &yv);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&yv, &yv).sqrt() {
            if fresh {
                let scale = sy / dot(&yv, &yv);
                h.iter_mut().for_each(|v| *v *= scale);
                fresh = false;
            }
            let hy: Vec<f64> = (0..k).map(|i| dot(&h[i * k..(i + 1) * k], &yv)).collect();
            let yhy = dot(&yv, &hy);
            for i in 0..k {
                for j in 0..k {
                    h[i * k + j] += ((sy + yhy) * s[i] * s[j] / sy - hy[i] * s[j] - s[i] * hy[j]) / sy;
                }
            }
        }
        x = xn;
        fx = fnew;
        gx = gnew;
        history.push((inf_norm(&gx), fx));
    }
    converged |= inf_norm(&gx) <= rtol * fx.abs().max(floor);
    Some(Optimum { x, f: fx, g: gx, iterations: it, converged })
}

/// Smallest `θ` of [`ai_newton`]'s iterates: a component whose optimum is at 0 stops here (its variance is
/// `1e-12 σ²_e`, below the criterion's rounding), where its `γ`-derivatives are still defined; [`reml`] then sets
/// it to 0 exactly when the criterion agrees.
const THETA_FLOOR: f64 = 1e-6;

/// Projected Newton's method in `γ = θ²` (the variance ratios `σ²_k/σ²_e`) with the objective's cheap Hessian
/// ([`Objective::hessian`]; for REML the average-information matrix in `θ`, [`RemlModel::ai_hessian`]), and a
/// backtracking search along the projected path. In `γ` the derivatives are `∂f/∂γ_a = g_a/(2θ_a)` and the AI
/// matrix is `AI_ab/(4θ_aθ_b)` (`g`, `AI` in `θ`, both `∝ θ_a`, so the ratios are exact); the step solves the
/// `γ`-system over the free components, the new `γ` is clipped at [`THETA_FLOOR`]², and a component at the floor
/// whose `γ`-derivative is positive is held there (active bound; its `θ`-gradient counts as 0 in the stopping
/// test). In `θ` a component whose optimum is at or near 0 makes the criterion nearly quartic and Newton's
/// steps shrink it by about a third per iteration; in `γ` the criterion is close to quadratic and one step
/// reaches the bound (the demo's CLASS fits: 4–7 iterations instead of 6–9). Acceptance as in [`backtrack`]:
/// sufficient decrease along the projected step, or no change beyond rounding with a smaller gradient. Stops
/// at `max|g| ≤ rtol·max(floor, |f|)`, at the rounding level, when the `γ`-Hessian is not positive definite,
/// or when the line search fails or needs a short step (`α < 1/4`): converged if that happens at the rounding level
/// with the gradient within 1000× the tolerance, else [`reml`] continues with [`bfgs`] in `θ`.
fn ai_newton(f: &mut dyn Objective, x0: &[f64], rtol: f64, floor: f64, max_iter: usize) -> Option<Optimum> {
    let k = x0.len();
    let mut x: Vec<f64> = x0.iter().map(|t| t.abs().max(THETA_FLOOR)).collect();
    let (mut fx, mut gx) = f.both(&x)?;
    let mut it = 0;
    // θ-gradient without the components held at the bound; γ-gradient.
    let projected = |x: &[f64], g: &[f64]| -> (Vec<f64>, Vec<f64>) {
        (projected_gradient(x, g), g.iter().zip(x).map(|(g, t)| g / (2.0 * t)).collect())
    };
    let (mut pg, mut gg) = projected(&x, &gx);
    while it < max_iter && inf_norm(&pg) > rtol * fx.abs().max(floor) {
        let Some(h) = f.hessian(&x) else { break };
        let free: Vec<usize> = (0..k).filter(|&a| !held(x[a], gx[a])).collect();
        let m = free.len();
        let hf: Vec<f64> = free
            .iter()
            .flat_map(|&a| free.iter().map(move |&b| (a, b)))
            .map(|(a, b)| h[a * k + b] / (4.0 * x[a] * x[b]))
            .collect();
        let Some(l) = dense::cholesky(&hf, m) else { break };
        let rhs: Vec<f64> = free.iter().map(|&a| gg[a]).collect();
        let mut d = vec![0.0; k];
        for (&a, v) in free.iter().zip(dense::solve(&l, m, &rhs)) {
            d[a] = -v;
        }
        let slope = dot(&d, &gg);
        if !(slope < 0.0) {
            break;
        }
        let scale = fx.abs().max(floor);
        let noise = 1e-12 * scale;
        let rounding = -0.5 * slope <= noise;
        // Converged at the rounding level, as in [`bfgs`].
        if rounding && inf_norm(&pg) <= 100.0 * rtol * scale {
            return Some(Optimum { x, f: fx, g: gx, iterations: it, converged: true });
        }
        // At the rounding level, a line search that fails or needs a short step meets the gradient's own rounding
        // (~1e-9 of the scale in the demo's CLASS fits): converged within 1000× the tolerance, rather than BFGS
        // spending its line searches below rounding (one CLASS fit of the demo: 7 more iterations).
        let settled = |pg: &[f64]| inf_norm(pg) <= rtol * scale || (rounding && inf_norm(pg) <= 1000.0 * rtol * scale);
        let Some((alpha, xn, fnew, gnew)) = projected_search(f, &x, &d, (fx, &gg, &pg), noise) else {
            let converged = settled(&pg);
            return Some(Optimum { x, f: fx, g: gx, iterations: it, converged });
        };
        it += 1;
        (x, fx, gx) = (xn, fnew, gnew);
        (pg, gg) = projected(&x, &gx);
        if alpha < 0.25 {
            // A short step: the AI matrix is a poor model here (near the optimum on unbalanced data, where it
            // differs from the Hessian, or where rounding hides the decrease); BFGS learns the curvature instead.
            let converged = settled(&pg);
            return Some(Optimum { x, f: fx, g: gx, iterations: it, converged });
        }
    }
    let converged = inf_norm(&pg) <= rtol * fx.abs().max(floor);
    Some(Optimum { x, f: fx, g: gx, iterations: it, converged })
}

/// A component at [`THETA_FLOOR`] with a positive gradient: held at the bound by [`ai_newton`].
fn held(theta: f64, grad: f64) -> bool {
    theta <= THETA_FLOOR && grad > 0.0
}

/// The θ-gradient `g` at `x` with the components [`held`] at the bound set to 0.
fn projected_gradient(x: &[f64], g: &[f64]) -> Vec<f64> {
    g.iter().zip(x).map(|(&g, &t)| if held(t, g) { 0.0 } else { g }).collect()
}

/// `θ` after the step `alpha·d` in `γ = θ²` from `θ = x`, clipped at [`THETA_FLOOR`]².
fn clipped_step(x: &[f64], d: &[f64], alpha: f64) -> Vec<f64> {
    x.iter().zip(d).map(|(t, dv)| (t * t + alpha * dv).max(THETA_FLOOR * THETA_FLOOR).sqrt()).collect()
}

/// Backtracking of [`ai_newton`] along the step `d` in `γ` from `θ = x`, clipped at [`THETA_FLOOR`]²: from
/// `α = 1`, halved up to 30 times; `at` = (f, γ-gradient, projected θ-gradient) at `x`. Returns `(α, θ, f, g)`.
fn projected_search(
    f: &mut dyn Objective,
    x: &[f64],
    d: &[f64],
    at: (f64, &[f64], &[f64]),
    noise: f64,
) -> Option<(f64, Vec<f64>, f64, Vec<f64>)> {
    let (fx, gg, pg) = at;
    let mut alpha = 1.0;
    for _ in 0..30 {
        let xn = clipped_step(x, d, alpha);
        // Change of γ actually taken (the clipped step), for the sufficient-decrease test.
        let taken: f64 = x.iter().zip(&xn).zip(gg).map(|((t, tn), g)| (tn * tn - t * t) * g).sum();
        if let Some(fnew) = f.value(&xn) {
            if fnew <= fx + 1e-4 * taken.min(0.0) && taken < 0.0 {
                let gnew = f.gradient(&xn);
                return Some((alpha, xn, fnew, gnew));
            }
            if fnew <= fx + noise {
                let gnew = f.gradient(&xn);
                if inf_norm(&projected_gradient(&xn, &gnew)) < inf_norm(pg) {
                    return Some((alpha, xn, fnew, gnew));
                }
            }
        }
        alpha *= 0.5;
    }
    None
}

/// Inverse of a symmetric `k × k` matrix (row-major); `None` if it is not positive definite.
fn spd_inverse(hess: &[f64], k: usize) -> Option<Vec<f64>> {
    let l = dense::cholesky(hess, k)?;
    let mut inv = vec![0.0; k * k];
    for j in 0..k {
        let e: Vec<f64> = (0..k).map(|i| if i == j { 1.0 } else { 0.0 }).collect();
        for (i, v) in dense::solve(&l, k, &e).into_iter().enumerate() {
            inv[i * k + j] = v;
        }
    }
    Some(inv)
}

/// Inverse of the Hessian at `x` (gradient `g`) from forward differences of the analytic gradient (`k` more
/// evaluations), symmetrised; `None` if it is not positive definite.
fn fd_inverse_hessian(f: &mut dyn Objective, x: &[f64], g: &[f64]) -> Option<Vec<f64>> {
    let k = x.len();
    let mut hess = vec![0.0; k * k];
    for j in 0..k {
        let h = 1e-5 * x[j].abs().max(0.1);
        let mut xp = x.to_vec();
        xp[j] += h;
        let (_, gp) = f.both(&xp)?;
        for i in 0..k {
            hess[i * k + j] = (gp[i] - g[i]) / h;
        }
    }
    for i in 0..k {
        for j in 0..i {
            let v = 0.5 * (hess[i * k + j] + hess[j * k + i]);
            hess[i * k + j] = v;
            hess[j * k + i] = v;
        }
    }
    spd_inverse(&hess, k)
}

/// Newton steps with the Hessian from central differences of the analytic gradient, accepted while they reduce
/// the gradient: a fallback when BFGS stops short of its tolerance.
fn newton_polish(f: &mut dyn Objective, opt: &mut Optimum, steps: usize, gtol: f64) {
    let k = opt.x.len();
    for _ in 0..steps {
        if inf_norm(&opt.g) <= gtol {
            return;
        }
        let mut hess = vec![0.0; k * k];
        for j in 0..k {
            let h = 1e-5 * opt.x[j].abs().max(0.1);
            let mut xp = opt.x.clone();
            let mut xm = opt.x.clone();
            xp[j] += h;
            xm[j] -= h;
            let (Some((_, gp)), Some((_, gm))) = (f.both(&xp), f.both(&xm)) else { return };
            for i in 0..k {
                hess[i * k + j] = (gp[i] - gm[i]) / (2.0 * h);
            }
        }
        for i in 0..k {
            for j in 0..i {
                let v = 0.5 * (hess[i * k + j] + hess[j * k + i]);
                hess[i * k + j] = v;
                hess[j * k + i] = v;
            }
        }
        let Some(l) = dense::cholesky(&hess, k) else { return };
        let step = dense::solve(&l, k, &opt.g);
        let xn: Vec<f64> = opt.x.iter().zip(&step).map(|(a, b)| a - b).collect();
        match f.both(&xn) {
            Some((fnew, gnew)) if inf_norm(&gnew) < inf_norm(&opt.g) && fnew <= opt.f + 1e-9 * opt.f.abs().max(1.0) => {
                opt.x = xn;
                opt.f = fnew;
                opt.g = gnew;
                opt.iterations += 1;
            }
            _ => return,
        }
    }
}

/// Sets the components `idx` of the optimum to 0 if the criterion there is within `1e-10·max(|f|, floor)` of the
/// optimum's; whether it did.
fn snap(obj: &mut RemlObjective, opt: &mut Optimum, idx: &[usize], floor: f64) -> bool {
    let mut xs = opt.x.clone();
    idx.iter().for_each(|&j| xs[j] = 0.0);
    match obj.both(&xs) {
        Some((fs, gs)) if fs <= opt.f + 1e-10 * opt.f.abs().max(floor) => {
            *opt = Optimum { x: xs, f: fs, g: gs, iterations: opt.iterations, converged: opt.converged };
            true
        }
        _ => false,
    }
}

struct RemlOut {
    raw: Vec<f64>,
    levels: Vec<usize>,
    fit: RemlFit,
}

/// REML estimates of all components (residual last), from `start` (θ, one per non-residual effect);
/// `shared`: the structure of these rows, when already built.
fn reml(
    rows: &[Row],
    l: &Layout,
    y: &[f64],
    start: Option<&[f64]>,
    precise: bool,
    shared: Option<&Arc<RemlStructure>>,
) -> StatResult<RemlOut> {
    let st = match shared {
        Some(st) => Arc::clone(st),
        None => Arc::new(RemlStructure::new(rows, l)?),
    };
    let model = RemlModel::with(st, y);
    let k = model.k;
    let mut obj = RemlObjective { model: &model, work: model.work(), at: Vec::new() };
    let x0: Vec<f64> = match start {
        Some(s) if s.len() == k => s.iter().map(|v| v.abs().max(1e-3)).collect(),
        _ => model.start.clone().unwrap_or_else(|| vec![1.0; k]),
    };
    // Gradient tolerance relative to the criterion's scale: its rounding grows with its terms, log|Ã| and
    // (n − 1)(1 + log(2π r²/(n − 1))), which can nearly cancel, so the scale is max(|d|, n − 1): ~1e-8 for
    // 1,000 scores. (Relative to |d| alone, a criterion near 0 asks for a gradient below rounding, and BFGS
    // spends its 300 iterations in line searches that cannot succeed.)
    let rtol = if precise { 1e-11 } else { 1e-8 };
    let floor = (model.n - 1).max(1) as f64;
    let undefined = || Na::new("REML criterion undefined");
    // AI-Newton steps in γ first (6–9 evaluations for the demo's CLASS fits, where BFGS from the same start took
    // 14–20); BFGS finishes when they stop short.
    let first = ai_newton(&mut obj, &x0, rtol, floor, 50).ok_or_else(undefined)?;
    let mut opt = if first.converged {
        first
    } else {
        // Components held at the floor (positive gradient) go to 0, where their θ-gradient is 0: BFGS in θ
        // would spend its line searches on their gradient of ~2e-6 × their γ-gradient.
        let x1: Vec<f64> = first.x.iter().zip(&first.g).map(|(&t, &g)| if held(t, g) { 0.0 } else { t }).collect();
        let mut more = bfgs(&mut obj, &x1, rtol, floor, 300, true).ok_or_else(undefined)?;
        more.iterations += first.iterations;
        more
    };
    let gtol = rtol * opt.f.abs().max(floor);
    if !opt.converged {
        newton_polish(&mut obj, &mut opt, if precise { 4 } else { 1 }, gtol);
    }
    // Components at the boundary: θ_k → 0 only asymptotically; snap tiny values when the criterion agrees, all at
    // once (one evaluation; AI-Newton leaves its held components at 1e-6) or else one by one.
    let tiny: Vec<usize> = (0..k).filter(|&j| opt.x[j] != 0.0 && opt.x[j].abs() < 1e-4).collect();
    if !(tiny.len() > 1 && snap(&mut obj, &mut opt, &tiny, floor)) {
        for &j in &tiny {
            snap(&mut obj, &mut opt, &[j], floor);
        }
    }
    if inf_norm(&opt.g) > 1e-6 * opt.f.abs().max(floor) {
        return Err(Na::new(format!("REML did not converge (max |gradient| {:.3e})", inf_norm(&opt.g))));
    }
    // The last evaluation is usually at the optimum (its factor and r² are in `obj.work`): evaluated again otherwise.
    let crit = if obj.at == opt.x {
        opt.f
    } else {
        obj.value(&opt.x).ok_or_else(|| Na::new("REML criterion undefined at the optimum"))?
    };
    let s2e = obj.work.r2 / (model.n - 1) as f64;
    let mut raw: Vec<f64> = opt.x.iter().map(|t| t * t * s2e).collect();
    raw.push(s2e);
    let mut levels = model.q_k.clone();
    levels.push(model.n);
    let fit = RemlFit {
        theta: opt.x.iter().map(|t| t.abs()).collect(),
        criterion: crit,
        iterations: opt.iterations,
        max_gradient: inf_norm(&opt.g),
    };
    Ok(RemlOut { raw, levels, fit })
}

// ------------------------------------------------------------------------------------------------------------
// G study.

struct Fitted {
    method: Method,
    raw: Vec<f64>,
    levels: Vec<usize>,
    anova: Option<Vec<AnovaRow>>,
    reml: Option<RemlFit>,
    balanced: Option<Vec<usize>>,
}

fn fit(
    l: &Layout,
    rows: &[Row],
    y: &[f64],
    method: Option<Method>,
    start: Option<&[f64]>,
    precise: bool,
    shared: Option<&Arc<RemlStructure>>,
) -> StatResult<Fitted> {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    if y.iter().all(|v| (v - mean).abs() <= 1e-12 * mean.abs().max(1.0)) {
        return Err(Na::new("scores have zero variance"));
    }
    let coding = code(rows, l);
    let balanced = balanced_sizes(&coding, l);
    // `None`: the default method ([`default_method`]), from the same coding.
    let method = method.unwrap_or(method_for(balanced.is_some()));
    match method {
        Method::Anova => {
            let sizes = balanced.clone().ok_or_else(|| {
                Na::new("ANOVA needs balanced data (one score in every cell); use REML for unbalanced data")
            })?;
            let table = anova(l, &coding.codes, &sizes, y)?;
            let g = Grid::new(&sizes);
            let levels = l.effects.iter().map(|e| g.cells(e.full)).collect();
            let raw = table.iter().map(|r| r.raw).collect();
            Ok(Fitted { method, raw, levels, anova: Some(table), reml: None, balanced })
        }
        Method::Reml => {
            let out = reml(rows, l, y, start, precise, shared)?;
            Ok(Fitted { method, raw: out.raw, levels: out.levels, anova: None, reml: Some(out.fit), balanced })
        }
    }
}

/// G study: variance components of the random-effects model for the design (Brennan ch. 3 and 7).
///
/// - `Method::Anova` (balanced data): EMS solution, Brennan ch. 3; negative estimates are reported in `raw`
///   and truncated to 0 in `variance` (other estimates use the raw values).
/// - `Method::Reml`: REML as lme4 `lmer(score ~ 1 + (1|p) + (1|i) + (1|p:i) + …, REML = TRUE)`, all effects but
///   the residual random; ≥ 0 by construction.
///
/// `share = variance / Σ variance`. No CI here: see [`d_study_bootstrap`]. Undefined (Err) for invalid designs
/// or data, zero score variance, ANOVA on unbalanced data, effects with a single level or (REML) as many levels as
/// scores, or a non-converged fit.
///
/// Pinned by `brennan_ds1_pxi`, `brennan_ds3_pxixo`, `brennan_ds4_p_x_r_in_t` (published components, both
/// methods), `lme4_unbalanced_*`, `lme4_nested3_*`, `lme4_balanced_ds1` (lme4 to 1e-4 relative, R `aov` sums of
/// squares), `three_facets_reml_equals_anova`, `anova_negative_estimate_truncated`.
pub fn g_study(data: &LongData, design: &Design, object_name: &str, method: Method) -> StatResult<GStudy> {
    g_study_shared(data, design, object_name, method, None)
}

/// The score-independent part of a REML G study on the rows of some data (levels, `Z'Z`, the
/// ordering and the symbolic factorisation), built once for G studies of several scores on the
/// same design and rows ([`g_study_shared`]).
pub struct RemlSetup {
    design: Design,
    object_name: String,
    rows: Vec<Row>,
    structure: Arc<RemlStructure>,
}

impl RemlSetup {
    /// The set-up of `design` on the rows (object and facet levels) of `data`; its scores are not
    /// used. Err where [`g_study`] with REML would fail on these rows.
    pub fn new(data: &LongData, design: &Design, object_name: &str) -> StatResult<RemlSetup> {
        let l = layout(design, object_name)?;
        let rows = factor_rows(data, design.facets.len())?;
        let structure = Arc::new(RemlStructure::new(&rows, &l)?);
        Ok(RemlSetup { design: design.clone(), object_name: object_name.to_string(), rows, structure })
    }

    /// The shared structure, if `rows` of `design` with object `object_name` are this set-up's.
    fn structure_for(&self, design: &Design, object_name: &str, rows: &[Row]) -> Option<&Arc<RemlStructure>> {
        (self.design == *design && self.object_name == object_name && self.rows == rows).then_some(&self.structure)
    }
}

/// [`g_study`], reusing `setup` when it was built on the same design and rows (checked: any
/// other data are set up anew). The estimates are those of [`g_study`], bit for bit.
pub fn g_study_shared(
    data: &LongData,
    design: &Design,
    object_name: &str,
    method: Method,
    setup: Option<&RemlSetup>,
) -> StatResult<GStudy> {
    g_study_with(data, design, object_name, Some(method), setup)
}

/// [`g_study_shared`] with the [`default_method`], decided from the coding of the rows the fit makes anyway
/// (the same answer as `default_method` then `g_study_shared`, without coding the rows twice: 1.5 ms of the
/// checklist item design of `run`). Pinned by `balance_detection`.
pub fn g_study_default(
    data: &LongData,
    design: &Design,
    object_name: &str,
    setup: Option<&RemlSetup>,
) -> StatResult<GStudy> {
    g_study_with(data, design, object_name, None, setup)
}

fn g_study_with(
    data: &LongData,
    design: &Design,
    object_name: &str,
    method: Option<Method>,
    setup: Option<&RemlSetup>,
) -> StatResult<GStudy> {
    let l = layout(design, object_name)?;
    let rows = factor_rows(data, design.facets.len())?;
    let n_objects = {
        let mut o = data.object.clone();
        o.sort_unstable();
        o.dedup();
        o.len()
    };
    if n_objects < 2 {
        return Err(Na::new("fewer than two objects of measurement"));
    }
    let shared = setup.and_then(|s| s.structure_for(design, object_name, &rows));
    let fitted = fit(&l, &rows, &data.score, method, None, true, shared)?;
    let sample_sizes = match &fitted.balanced {
        Some(s) => s[1..].iter().map(|&v| v as f64).collect(),
        None => observed_sample_sizes(&rows, &l),
    };
    let components = components(&l, &fitted)?;
    Ok(GStudy {
        object_name: l.names[0].clone(),
        design: design.clone(),
        method: fitted.method,
        balanced: fitted.balanced.is_some(),
        n_scores: rows.len(),
        n_objects,
        sample_sizes,
        components,
        reml: fitted.reml,
    })
}

fn components(l: &Layout, fitted: &Fitted) -> StatResult<Vec<Component>> {
    let total: f64 = fitted.raw.iter().map(|v| v.max(0.0)).sum();
    if !(total > 0.0) || !total.is_finite() {
        return Err(Na::new("all variance components are zero"));
    }
    Ok(l.effects
        .iter()
        .enumerate()
        .map(|(e, def)| {
            let a = fitted.anova.as_ref().map(|t| t[e]);
            let raw = fitted.raw[e];
            Component {
                effect: l.info(*def),
                levels: fitted.levels[e],
                ss: a.map(|r| r.ss),
                df: a.map(|r| r.df),
                ms: a.map(|r| r.ms),
                raw,
                variance: raw.max(0.0),
                share: raw.max(0.0) / total,
            }
        })
        .collect())
}

// ------------------------------------------------------------------------------------------------------------
// D study.

/// D study for sample sizes `n` (one per facet; a nested facet's `n` is per level of its parent) and fixed
/// facets `fixed` (Brennan ch. 4, random and mixed models):
/// with `d(α) = Π_{f ∈ α} n_f`,
/// `τ = Σ_{α ∋ p, all facets of α fixed} σ²(α)/d(α)`, `δ = Σ_{α ∋ p, α has a random facet} σ²(α)/d(α)`,
/// `Δ = δ + Σ_{α ∌ p, α has a random facet} σ²(α)/d(α)`; `Eρ² = τ/(τ+δ)`, `Φ = τ/(τ+Δ)`, `SEM = √δ, √Δ`.
/// Effects of fixed facets only (not involving p) are constants of the universe and enter nothing.
/// Uses the truncated components. CI: [`d_study_bootstrap`].
///
/// Undefined (Err) for sizes that are not positive and finite, every facet fixed, a fixed facet nested in a
/// random one (Brennan ch. 4), or `τ + δ = 0`.
///
/// Pinned by `brennan_ds1_pxi`, `brennan_ds3_pxixo`, `brennan_ds4_p_x_r_in_t` (published Eρ² and Φ),
/// `d_study_other_sizes_ds3`, `d_study_fixed_occasions_ds3`, `d_study_fixed_tasks_ds4`.
pub fn d_study(g: &GStudy, n: &[f64], fixed: &[bool]) -> StatResult<DResult> {
    let k = g.design.facets.len();
    if n.len() != k || fixed.len() != k {
        return Err(Na::new(format!("{k} facets but {} sample sizes and {} fixed flags", n.len(), fixed.len())));
    }
    if let Some(j) = n.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(Na::new(format!("D-study size of facet '{}' is not positive", g.design.facets[j].name)));
    }
    if fixed.iter().all(|&f| f) {
        return Err(Na::new("every facet is fixed: there is no error variance"));
    }
    for j in 0..k {
        let mut parent = g.design.facets[j].nested_in;
        while let Some(p) = parent {
            if fixed[j] && !fixed[p] {
                return Err(Na::new(format!(
                    "facet '{}' cannot be fixed while '{}', which it is nested in, is random",
                    g.design.facets[j].name, g.design.facets[p].name
                )));
            }
            parent = g.design.facets.get(p).and_then(|f| f.nested_in);
        }
    }
    let (mut tau, mut delta, mut abs) = (0.0, 0.0, 0.0);
    for c in &g.components {
        let v = c.variance / c.effect.facets.iter().map(|&f| n[f]).product::<f64>();
        let random = c.effect.facets.iter().any(|&f| !fixed[f]);
        match (c.effect.object, random) {
            (true, false) => tau += v,
            (true, true) => {
                delta += v;
                abs += v;
            }
            (false, true) => abs += v,
            (false, false) => {}
        }
    }
    if !(tau + delta > 0.0) {
        return Err(Na::new("universe-score and error variance are both zero"));
    }
    Ok(DResult {
        n: n.to_vec(),
        fixed: fixed.to_vec(),
        universe_score: tau,
        relative_error: delta,
        absolute_error: abs,
        g_coefficient: tau / (tau + delta),
        phi_coefficient: tau / (tau + abs),
        sem_relative: delta.sqrt(),
        sem_absolute: abs.sqrt(),
    })
}

/// Smallest size `1..=max_n` of facet `facet` with `Φ ≥ target_phi`, the other facets at
/// [`GStudy::sample_sizes`] and fixed as in the design's [`FacetSpec::fixed`]; `None` when no size up to
/// `max_n` reaches the target (or the D study is undefined). Formula: [`d_study`]. Pinned by `cycles_needed_ds3`.
pub fn cycles_needed(g: &GStudy, facet: usize, target_phi: f64, max_n: usize) -> Option<usize> {
    if facet >= g.design.facets.len() || !target_phi.is_finite() {
        return None;
    }
    let fixed: Vec<bool> = g.design.facets.iter().map(|f| f.fixed).collect();
    let mut n = g.sample_sizes.clone();
    (1..=max_n).find(|&m| {
        n[facet] = m as f64;
        d_study(g, &n, &fixed).is_ok_and(|d| d.phi_coefficient >= target_phi)
    })
}

// ------------------------------------------------------------------------------------------------------------
// Bootstrap.

fn percentile(mut v: Vec<f64>, level: f64) -> Interval {
    v.sort_by(|a, b| a.total_cmp(b));
    let a = (1.0 - level) / 2.0;
    Interval { low: norm_inter(&v, a), high: norm_inter(&v, 1.0 - a) }
}

/// D study with percentile bootstrap intervals for `Eρ²` and `Φ` (Brennan ch. 6, "boot-p"): `replicates` times,
/// draw the objects of measurement with replacement (a drawn object's scores keep their facet levels; each draw
/// is a new object), re-estimate the components with `g.method` (REML replicates start from `g`'s θ), and
/// recompute the D study; the interval at `level` is the percentile interval of the defined replicates,
/// interpolated as R `boot.ci(type = "perc")`. Draws come from `ChaCha8Rng::seed_from_u64(seed)` in replicate
/// order and the replicates are evaluated in parallel, so the result is deterministic at any thread count.
/// ANOVA replicates of balanced data use per-object sufficient statistics ([`ObjectTables`], equal to a refit:
/// `object_tables_equal_refit`) instead of refitting the scores. `data` must be the data `g` was estimated from.
///
/// Undefined (Err) when the D study is, when `level` is not in (0, 1), or when fewer than 10 replicates are
/// defined. Pinned by `bootstrap_deterministic_and_covers`.
pub fn d_study_bootstrap(
    data: &LongData,
    g: &GStudy,
    n: &[f64],
    fixed: &[bool],
    replicates: usize,
    seed: u64,
    level: f64,
) -> StatResult<DStudyCi> {
    let d = d_study(g, n, fixed)?;
    if !(level > 0.0 && level < 1.0) {
        return Err(Na::new("CI level must be in (0, 1)"));
    }
    let l = layout(&g.design, &g.object_name)?;
    let rows = factor_rows(data, g.design.facets.len())?;
    let mut objects: Vec<u32> = data.object.clone();
    objects.sort_unstable();
    objects.dedup();
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); objects.len()];
    for (r, row) in rows.iter().enumerate() {
        rows_of[objects.binary_search(&row[0]).expect("object is listed")].push(r);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_obj = objects.len() as u32;
    let draws: Vec<Vec<u32>> = (0..replicates).map(|_| (0..n_obj).map(|_| below(&mut rng, n_obj)).collect()).collect();
    let coding = code(&rows, &l);
    let fast = match (g.method, balanced_sizes(&coding, &l)) {
        (Method::Anova, Some(sizes)) => Some((ObjectTables::new(&l, &coding.codes, &sizes, &data.score), sizes)),
        _ => None,
    };
    let start = g.reml.as_ref().map(|r| r.theta.clone());
    let replicate = |draw: &Vec<u32>| -> Option<(f64, f64)> {
        let f = match &fast {
            Some((tables, sizes)) => {
                let table = ems(&l, sizes, &tables.ss(draw)).ok()?;
                let grid = Grid::new(sizes);
                let levels = l.effects.iter().map(|e| grid.cells(e.full)).collect();
                let raw = table.iter().map(|r| r.raw).collect();
                Fitted {
                    method: Method::Anova,
                    raw,
                    levels,
                    anova: Some(table),
                    reml: None,
                    balanced: Some(sizes.clone()),
                }
            }
            None => {
                let (mut rep_rows, mut rep_y) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
                for (slot, &o) in draw.iter().enumerate() {
                    for &r in &rows_of[o as usize] {
                        let mut row = rows[r];
                        row[0] = slot as u32;
                        rep_rows.push(row);
                        rep_y.push(data.score[r]);
                    }
                }
                fit(&l, &rep_rows, &rep_y, Some(g.method), start.as_deref(), false, None).ok()?
            }
        };
        let rep = GStudy { components: components(&l, &f).ok()?, reml: None, ..g.clone() };
        d_study(&rep, n, fixed).ok().map(|dr| (dr.g_coefficient, dr.phi_coefficient))
    };
    let reps: Vec<Option<(f64, f64)>> = draws.par_iter().map(replicate).collect();
    let (gs, phis): (Vec<f64>, Vec<f64>) = reps.into_iter().flatten().unzip();
    let defined = gs.len();
    if defined < 10 {
        return Err(Na::new(format!("only {defined} of {replicates} bootstrap replicates are defined")));
    }
    Ok(DStudyCi {
        d,
        g_coefficient: percentile(gs, level),
        phi_coefficient: percentile(phis, level),
        level,
        replicates,
        defined,
        seed,
    })
}

// ------------------------------------------------------------------------------------------------------------
// Linear algebra.

mod dense {
    //! Small dense Cholesky for the Newton steps (row-major `k × k`).

    pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
        let mut l = vec![0.0; n * n];
        for j in 0..n {
            let d = a[j * n + j] - (0..j).map(|k| l[j * n + k] * l[j * n + k]).sum::<f64>();
            if !(d > 0.0) || !d.is_finite() {
                return None;
            }
            let d = d.sqrt();
            l[j * n + j] = d;
            for i in j + 1..n {
                let s = a[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
                l[i * n + j] = s / d;
            }
        }
        Some(l)
    }

    /// Solution of the `n × n` system in the augmented row-major matrix `a` (`n × (n + 1)`) by Gaussian
    /// elimination with partial pivoting; `None` if (numerically) singular.
    pub fn gauss(a: &mut [f64], n: usize) -> Option<Vec<f64>> {
        let w = n + 1;
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for c in 0..n {
            let p = (c..n).max_by(|&i, &j| a[i * w + c].abs().total_cmp(&a[j * w + c].abs()))?;
            if !(a[p * w + c].abs() > 1e-12 * scale) {
                return None;
            }
            for j in 0..w {
                a.swap(c * w + j, p * w + j);
            }
            for i in c + 1..n {
                let f = a[i * w + c] / a[c * w + c];
                for j in c..w {
                    a[i * w + j] -= f * a[c * w + j];
                }
            }
        }
        let mut x = vec![0.0; n];
        for c in (0..n).rev() {
            let s: f64 = (c + 1..n).map(|j| a[c * w + j] * x[j]).sum();
            x[c] = (a[c * w + n] - s) / a[c * w + c];
        }
        Some(x)
    }

    pub fn solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
        let mut y = b.to_vec();
        for i in 0..n {
            let s = y[i] - (0..i).map(|k| l[i * n + k] * y[k]).sum::<f64>();
            y[i] = s / l[i * n + i];
        }
        for i in (0..n).rev() {
            let s = y[i] - (i + 1..n).map(|k| l[k * n + i] * y[k]).sum::<f64>();
            y[i] = s / l[i * n + i];
        }
        y
    }
}

mod sparse {
    //! Simplicial sparse Cholesky `A = LL'` (up-looking, Davis 2006, *Direct Methods for Sparse Linear
    //! Systems*, ch. 4), a minimum-degree ordering, and the Takahashi selected inverse (the entries of `A⁻¹`
    //! on the pattern of `L`; Takahashi, Fagan & Chin 1973).

    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    const NONE: usize = usize::MAX;

    /// Minimum-degree elimination order (new → old) of the graph on `n` nodes, ties to the lower index. As in
    /// AMD (Amestoy, Davis & Duff 1996), nodes of degree above `max(16, 10√n)` are left out and ordered last, by
    /// degree: in G-study designs these are the few levels of small crossed facets that touch everything.
    /// The fill is explicit: eliminating `v` adds its neighbours to each neighbour's sorted list, by a merge, or
    /// by in-place insertion when the list is long and gains few entries (the items of the checklist observer
    /// design gain a few entries at each of thousands of eliminations).
    pub fn min_degree(n: usize, edges: &[(u32, u32)]) -> Vec<usize> {
        let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n];
        for &(a, b) in edges {
            adj[a as usize].push(b);
            adj[b as usize].push(a);
        }
        for v in adj.iter_mut() {
            v.sort_unstable();
            v.dedup();
        }
        let limit = (10.0 * (n as f64).sqrt()).max(16.0) as usize;
        let mut dense: Vec<(usize, usize)> =
            (0..n).filter(|&v| adj[v].len() > limit).map(|v| (adj[v].len(), v)).collect();
        dense.sort_unstable();
        let mut is_dense = vec![false; n];
        for &(_, v) in &dense {
            is_dense[v] = true;
        }
        for (v, list) in adj.iter_mut().enumerate() {
            if is_dense[v] {
                list.clear();
            } else {
                list.retain(|&u| !is_dense[u as usize]);
            }
        }
        let mut heap: BinaryHeap<Reverse<(usize, usize)>> =
            (0..n).filter(|&v| !is_dense[v]).map(|v| Reverse((adj[v].len(), v))).collect();
        let mut done = vec![false; n];
        let mut order = Vec::with_capacity(n);
        let (mut merged, mut fresh): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        while let Some(Reverse((deg, v))) = heap.pop() {
            if done[v] || deg != adj[v].len() {
                continue;
            }
            done[v] = true;
            order.push(v);
            let nb = std::mem::take(&mut adj[v]);
            for &u in &nb {
                let uu = u as usize;
                if nb.len() * 4 < adj[uu].len() {
                    // A long list that gains few entries: insert them in place (the same set as the merge below).
                    let list = &mut adj[uu];
                    fresh.clear();
                    // `nb` is sorted: each search starts where the last one ended (at most 17 are needed).
                    let mut from = 0;
                    for &x in nb.iter().filter(|&&x| x != u) {
                        match gallop(list, from, x) {
                            Ok(at) => from = at + 1,
                            Err(at) => {
                                from = at;
                                fresh.push(x);
                                if fresh.len() > 16 {
                                    break;
                                }
                            }
                        }
                    }
                    if fresh.len() <= 16 {
                        if let Ok(at) = list.binary_search(&(v as u32)) {
                            list.remove(at);
                        }
                        for &x in &fresh {
                            let at = list.binary_search(&x).unwrap_err();
                            list.insert(at, x);
                        }
                        heap.push(Reverse((list.len(), uu)));
                        continue;
                    }
                }
                merged.clear();
                let (a, b) = (&adj[uu], &nb);
                let (mut i, mut j) = (0, 0);
                while i < a.len() || j < b.len() {
                    let next = if j >= b.len() || (i < a.len() && a[i] <= b[j]) {
                        let x = a[i];
                        if j < b.len() && b[j] == x {
                            j += 1;
                        }
                        i += 1;
                        x
                    } else {
                        j += 1;
                        b[j - 1]
                    };
                    if next as usize != v && next != u {
                        merged.push(next);
                    }
                }
                std::mem::swap(&mut adj[uu], &mut merged);
                heap.push(Reverse((adj[uu].len(), uu)));
            }
        }
        order.extend(dense.iter().map(|&(_, v)| v));
        order
    }

    /// Position of `x` in the sorted `list`, all of whose entries before `from` are below `x`, as `binary_search`
    /// (`Ok(index)` or `Err(insertion point)`): steps doubling from `from`, then bisection.
    pub fn gallop(list: &[u32], from: usize, x: u32) -> Result<usize, usize> {
        let (mut lo, mut step) = (from, 1);
        while lo + step <= list.len() && list[lo + step - 1] < x {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(list.len());
        match list[lo..hi].binary_search(&x) {
            Ok(i) => Ok(lo + i),
            Err(i) => Err(lo + i),
        }
    }

    /// Symbolic factorisation of a symmetric matrix given by its upper triangle in compressed columns
    /// (`ap`, `ai`; rows ascending, diagonal included).
    pub struct Symbolic {
        pub n: usize,
        ap: Vec<usize>,
        ai: Vec<usize>,
        pub lp: Vec<usize>,
        li: Vec<usize>,
        /// Row patterns of `L` in topological order: row `k` has columns `rcol[rptr[k]..rptr[k+1]]` stored at
        /// positions `rpos[…]` of `L`.
        rptr: Vec<usize>,
        rcol: Vec<usize>,
        rpos: Vec<usize>,
        /// Start of the dense tail: columns `t..n` of `L` are full below the diagonal (at least the last one).
        pub t: usize,
    }

    impl Symbolic {
        pub fn new(n: usize, ap: Vec<usize>, ai: Vec<usize>) -> Symbolic {
            let mut parent = vec![NONE; n];
            let mut ancestor = vec![NONE; n];
            for k in 0..n {
                for &i0 in &ai[ap[k]..ap[k + 1]] {
                    let mut i = i0;
                    while i != NONE && i < k {
                        let next = ancestor[i];
                        ancestor[i] = k;
                        if next == NONE {
                            parent[i] = k;
                        }
                        i = next;
                    }
                }
            }
            let mut mark = vec![NONE; n];
            let (mut path, mut stack) = (vec![0usize; n], vec![0usize; n]);
            let mut rptr = vec![0usize];
            let mut rcol = Vec::new();
            let mut count = vec![1usize; n];
            for k in 0..n {
                mark[k] = k;
                let mut top = n;
                for &i0 in &ai[ap[k]..ap[k + 1]] {
                    let (mut i, mut len) = (i0, 0);
                    while mark[i] != k {
                        path[len] = i;
                        len += 1;
                        mark[i] = k;
                        i = parent[i];
                    }
                    while len > 0 {
                        len -= 1;
                        top -= 1;
                        stack[top] = path[len];
                    }
                }
                for &i in &stack[top..n] {
                    rcol.push(i);
                    count[i] += 1;
                }
                rptr.push(rcol.len());
            }
            let mut lp = vec![0usize; n + 1];
            for j in 0..n {
                lp[j + 1] = lp[j] + count[j];
            }
            let mut li = vec![0usize; lp[n]];
            let mut next: Vec<usize> = (0..n).map(|j| lp[j] + 1).collect();
            let mut rpos = Vec::with_capacity(rcol.len());
            for k in 0..n {
                li[lp[k]] = k;
                for &i in &rcol[rptr[k]..rptr[k + 1]] {
                    li[next[i]] = k;
                    rpos.push(next[i]);
                    next[i] += 1;
                }
            }
            let mut t = n;
            while t > 0 && count[t - 1] == n - t + 1 {
                t -= 1;
            }
            Symbolic { n, ap, ai, lp, li, rptr, rcol, rpos, t }
        }

        /// Size of the dense tail (see `t`): the scratch of [`Symbolic::selected_inverse`] is its square.
        pub fn tail(&self) -> usize {
            self.n - self.t
        }

        pub fn nnz(&self) -> usize {
            self.lp[self.n]
        }

        /// Position in `L` of the entry at row `j`, column `i` (`i ≤ j`).
        pub fn position(&self, i: usize, j: usize) -> usize {
            if i == j {
                return self.lp[i];
            }
            let col = &self.li[self.lp[i] + 1..self.lp[i + 1]];
            self.lp[i] + 1 + col.binary_search(&j).expect("entry of A is in the pattern of L")
        }

        /// Numeric factorisation of the matrix with values `ax` (order of `ai`); false if not positive definite.
        pub fn factor(&self, ax: &[f64], lx: &mut [f64], x: &mut [f64]) -> bool {
            for k in 0..self.n {
                for p in self.ap[k]..self.ap[k + 1] {
                    x[self.ai[p]] = ax[p];
                }
                let mut d = x[k];
                x[k] = 0.0;
                for r in self.rptr[k]..self.rptr[k + 1] {
                    let (i, pos) = (self.rcol[r], self.rpos[r]);
                    let lki = x[i] / lx[self.lp[i]];
                    x[i] = 0.0;
                    for p in self.lp[i] + 1..pos {
                        x[self.li[p]] -= lx[p] * lki;
                    }
                    d -= lki * lki;
                    lx[pos] = lki;
                }
                if !(d > 0.0) || !d.is_finite() {
                    return false;
                }
                lx[self.lp[k]] = d.sqrt();
            }
            true
        }

        /// Solve `LL'x = b` in place.
        pub fn solve(&self, lx: &[f64], b: &mut [f64]) {
            for j in 0..self.n {
                b[j] /= lx[self.lp[j]];
                let bj = b[j];
                for p in self.lp[j] + 1..self.lp[j + 1] {
                    b[self.li[p]] -= lx[p] * bj;
                }
            }
            for j in (0..self.n).rev() {
                let mut s = b[j];
                for p in self.lp[j] + 1..self.lp[j + 1] {
                    s -= lx[p] * b[self.li[p]];
                }
                b[j] = s / lx[self.lp[j]];
            }
        }

        /// `zx` = the entries of `A⁻¹` on the pattern of `L` (Takahashi recurrences, last column first):
        /// `Z_ij = −(1/L_jj) Σ_{k>j} Z_ik L_kj` for `i > j` in the pattern, `Z_jj = 1/L_jj² − (1/L_jj) Σ L_kj Z_kj`.
        /// The dense tail (columns `t..n`, see [`Symbolic::tail`]) is also kept as a full square in `zd`
        /// (`tail()²`, row-major): the sum over the rows `S_j ∩ [t, n)` of an earlier column is then a dense
        /// gathered product, with no search of the tail's columns (`sparse_cholesky_and_selected_inverse_match_dense`).
        pub fn selected_inverse(
            &self,
            lx: &[f64],
            zx: &mut [f64],
            acc: &mut [f64],
            mark: &mut [usize],
            zd: &mut [f64],
        ) {
            let (t, m) = (self.t, self.n - self.t);
            for j in (0..self.n).rev() {
                let (lo, hi) = (self.lp[j] + 1, self.lp[j + 1]);
                if j + 1 == t {
                    for c in t..self.n {
                        for p in self.lp[c]..self.lp[c + 1] {
                            let (r, c2) = (self.li[p] - t, c - t);
                            zd[r * m + c2] = zx[p];
                            zd[c2 * m + r] = zx[p];
                        }
                    }
                }
                // Rows of column j in the dense tail: positions pd..hi (when j < t).
                let pd = if j < t { lo + self.li[lo..hi].partition_point(|&r| r < t) } else { hi };
                for p in lo..hi {
                    mark[self.li[p]] = p;
                    acc[self.li[p]] = 0.0;
                }
                for p in lo..pd {
                    self.accumulate(j, p, lx, zx, acc, mark);
                }
                if j < t {
                    for a in pd..hi {
                        let row = &zd[(self.li[a] - t) * m..(self.li[a] - t + 1) * m];
                        let s: f64 = (pd..hi).map(|b| row[self.li[b] - t] * lx[b]).sum();
                        acc[self.li[a]] += s;
                    }
                } else {
                    for p in pd..hi {
                        self.accumulate(j, p, lx, zx, acc, mark);
                    }
                }
                let ljj = lx[self.lp[j]];
                let mut s = 0.0;
                for p in lo..hi {
                    let z = -acc[self.li[p]] / ljj;
                    zx[p] = z;
                    s += lx[p] * z;
                }
                zx[self.lp[j]] = (1.0 / ljj - s) / ljj;
                for p in lo..hi {
                    mark[self.li[p]] = NONE;
                    acc[self.li[p]] = 0.0;
                }
            }
        }

        /// The terms of row `k = li[p]` of column `j` in the Takahashi sum: `acc[r] += Z_rk L_kj` for the rows
        /// `r ≥ k` of column `j` and, by symmetry, `acc[k] += Z_rk L_rj` for `r > k` (rows of `j` are marked).
        fn accumulate(&self, j: usize, p: usize, lx: &[f64], zx: &[f64], acc: &mut [f64], mark: &[usize]) {
            let hi = self.lp[j + 1];
            let (k, lkj) = (self.li[p], lx[p]);
            acc[k] += zx[self.lp[k]] * lkj;
            let (klo, khi) = (self.lp[k] + 1, self.lp[k + 1]);
            if (hi - p) * 8 < khi - klo {
                // Few rows of S_j below k: find each in column k (all are there: S_j ∩ (k, n) ⊆ struct L_k).
                let col = &self.li[klo..khi];
                let mut from = 0;
                for p2 in p + 1..hi {
                    let r = self.li[p2];
                    from += col[from..].binary_search(&r).expect("pattern of L is closed");
                    let q = klo + from;
                    acc[r] += zx[q] * lkj;
                    acc[k] += zx[q] * lx[p2];
                }
            } else {
                for q in klo..khi {
                    let r = self.li[q];
                    if mark[r] != NONE {
                        acc[r] += zx[q] * lkj;
                        acc[k] += zx[q] * lx[mark[r]];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Fixtures are read with `include_str!("../../tests/fixtures/gtheory/…")`, relative to this file.
    use super::*;
    use rand_core::RngCore;

    const DS1: &str = include_str!("../../tests/fixtures/gtheory/brennan_ds1_pxi.csv");
    const DS3: &str = include_str!("../../tests/fixtures/gtheory/brennan_ds3_pxixo.csv");
    const DS4: &str = include_str!("../../tests/fixtures/gtheory/brennan_ds4_px_r_in_t.csv");
    const LME4: &str = include_str!("../../tests/fixtures/gtheory/gstudy_lme4.json");
    const DS3U: &str = include_str!("../../tests/fixtures/gtheory/gtheory_ds3_unbalanced.csv");
    const DS4U: &str = include_str!("../../tests/fixtures/gtheory/gtheory_ds4_unbalanced.csv");
    const CLASS: &str = include_str!("../../tests/fixtures/gtheory/gtheory_class_sparse.csv");
    const CHECKLIST: &str = include_str!("../../tests/fixtures/gtheory/gtheory_checklist_sparse.csv");
    const NESTED3: &str = include_str!("../../tests/fixtures/gtheory/gtheory_nested3_balanced.csv");
    const NESTED3U: &str = include_str!("../../tests/fixtures/gtheory/gtheory_nested3_unbalanced.csv");

    /// Long data from a CSV with a header; `facets` are column names in design order.
    fn csv(text: &str, object: &str, facets: &[&str]) -> LongData {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<String> =
            lines.next().unwrap().split(',').map(|s| s.trim().trim_matches('"').to_string()).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
        let (oc, sc) = (col(object), col("score"));
        let fc: Vec<usize> = facets.iter().map(|f| col(f)).collect();
        let mut d = LongData { object: Vec::new(), facets: vec![Vec::new(); facets.len()], score: Vec::new() };
        for line in lines {
            let v: Vec<&str> = line.split(',').map(|s| s.trim()).collect();
            d.object.push(v[oc].parse().unwrap());
            for (f, &c) in fc.iter().enumerate() {
                d.facets[f].push(v[c].parse().unwrap());
            }
            d.score.push(v[sc].parse().unwrap());
        }
        d
    }

    fn pxi() -> Design {
        Design { facets: vec![FacetSpec::crossed("item")] }
    }
    fn pxixo() -> Design {
        Design { facets: vec![FacetSpec::crossed("item"), FacetSpec::crossed("occasion")] }
    }
    fn px_r_in_t() -> Design {
        Design { facets: vec![FacetSpec::crossed("task"), FacetSpec::nested("rater", 0)] }
    }

    fn var(g: &GStudy, name: &str) -> f64 {
        g.components.iter().find(|c| c.effect.name == name).unwrap_or_else(|| panic!("no effect {name}")).variance
    }

    #[track_caller]
    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
    }

    fn check_published(g: &GStudy, published: &[(&str, f64)]) {
        assert_eq!(g.components.len(), published.len());
        for (c, (name, v)) in g.components.iter().zip(published) {
            assert_eq!(c.effect.name, *name);
            close(c.variance, *v, 5e-4);
        }
        let shares: f64 = g.components.iter().map(|c| c.share).sum();
        close(shares, 1.0, 1e-12);
    }

    #[test]
    fn effects_crossed_and_nested() {
        let names = |d: &Design, o: &str| effects(d, o).unwrap().into_iter().map(|e| e.name).collect::<Vec<_>>();
        assert_eq!(
            names(&pxixo(), "person"),
            ["person", "item", "occasion", "person x item", "person x occasion", "item x occasion", "residual"]
        );
        assert_eq!(names(&px_r_in_t(), "person"), ["person", "task", "rater:task", "person x task", "residual"]);
        // Nested facet listed first: the residual is still last.
        let d = Design { facets: vec![FacetSpec::nested("rater", 1), FacetSpec::crossed("task")] };
        assert_eq!(names(&d, "person"), ["person", "rater:task", "task", "person x task", "residual"]);
        // p × (i:h) × o, and a chain r:t:s.
        let d = Design {
            facets: vec![FacetSpec::crossed("domain"), FacetSpec::nested("item", 0), FacetSpec::crossed("observer")],
        };
        let e = effects(&d, "classroom").unwrap();
        let n: Vec<&str> = e.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            n,
            [
                "classroom",
                "domain",
                "item:domain",
                "observer",
                "classroom x domain",
                "classroom x item:domain",
                "classroom x observer",
                "domain x observer",
                "item x observer:domain",
                "classroom x domain x observer",
                "residual"
            ]
        );
        let res = e.last().unwrap();
        assert!(res.residual && res.object && res.facets == [0, 1, 2]);
        assert_eq!(e[2].facets, [0, 1]);
        assert!(!e[2].object);
        let d = Design {
            facets: vec![FacetSpec::crossed("school"), FacetSpec::nested("task", 0), FacetSpec::nested("rater", 1)],
        };
        assert_eq!(
            names(&d, "p"),
            ["p", "school", "task:school", "rater:task:school", "p x school", "p x task:school", "residual"]
        );
        // Invalid designs.
        assert!(effects(&Design { facets: vec![] }, "p").is_err());
        assert!(effects(&Design { facets: vec![FacetSpec::nested("a", 0)] }, "p").is_err());
        assert!(effects(&Design { facets: vec![FacetSpec::nested("a", 1), FacetSpec::nested("b", 0)] }, "p").is_err());
        assert!(effects(&Design { facets: vec![FacetSpec::nested("a", 5)] }, "p").is_err());
        assert!(effects(&Design { facets: vec![FacetSpec::crossed("p")] }, "p").is_err());
        let four = Design { facets: ["a", "b", "c", "d"].iter().map(|s| FacetSpec::crossed(*s)).collect() };
        assert!(effects(&four, "p").is_err());
    }

    #[test]
    fn brennan_ds1_pxi() {
        let data = csv(DS1, "person", &["item"]);
        let published = [("person", 0.0574), ("item", 0.0754), ("residual", 0.1269)];
        for method in [Method::Anova, Method::Reml] {
            let g = g_study(&data, &pxi(), "person", method).unwrap();
            check_published(&g, &published);
            let d = d_study(&g, &[12.0], &[false]).unwrap();
            close(d.g_coefficient, 0.844, 5e-4);
            close(d.phi_coefficient, 0.773, 5e-4);
            close(d.sem_relative, (var(&g, "residual") / 12.0).sqrt(), 1e-12);
        }
        let g = g_study(&data, &pxi(), "person", Method::Anova).unwrap();
        assert_eq!(g.components[0].df, Some(9.0));
        assert_eq!(g.components[1].df, Some(11.0));
        assert_eq!(g.components[2].df, Some(99.0));
        assert!(g.balanced && g.sample_sizes == [12.0] && g.n_objects == 10 && g.n_scores == 120);
        // Eρ² for a p × i design with n'_i = n_i is KR-20 / Cronbach's alpha: (k/(k−1))(1 − Σs²_i/s²_X).
        let mut totals = [0.0; 10];
        let mut items = vec![Vec::new(); 12];
        for r in 0..data.score.len() {
            totals[data.object[r] as usize - 1] += data.score[r];
            items[data.facets[0][r] as usize - 1].push(data.score[r]);
        }
        let var_n1 = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
        };
        let alpha = 12.0 / 11.0 * (1.0 - items.iter().map(|v| var_n1(v)).sum::<f64>() / var_n1(&totals));
        close(d_study(&g, &[12.0], &[false]).unwrap().g_coefficient, alpha, 1e-12);
    }

    #[test]
    fn brennan_ds3_pxixo() {
        let data = csv(DS3, "person", &["item", "occasion"]);
        let published = [
            ("person", 0.5528),
            ("item", 0.4417),
            ("occasion", 0.0074),
            ("person x item", 0.5750),
            ("person x occasion", 0.1009),
            ("item x occasion", 0.1565),
            ("residual", 0.9352),
        ];
        let anova = g_study(&data, &pxixo(), "person", Method::Anova).unwrap();
        let reml = g_study(&data, &pxixo(), "person", Method::Reml).unwrap();
        for g in [&anova, &reml] {
            check_published(g, &published);
            let d = d_study(g, &[4.0, 2.0], &[false, false]).unwrap();
            close(d.g_coefficient, 0.640, 5e-4);
            close(d.phi_coefficient, 0.554, 5e-4);
        }
        // REML = ANOVA on balanced data with no negative estimate.
        for (a, r) in anova.components.iter().zip(&reml.components) {
            close(r.variance, a.raw, 1e-7 * a.raw.abs().max(1.0));
        }
        assert_eq!(default_method(&data, &pxixo()).unwrap(), Method::Anova);
    }

    #[test]
    fn brennan_ds4_p_x_r_in_t() {
        let data = csv(DS4, "person", &["task", "rater"]);
        let published = [
            ("person", 0.4731),
            ("task", 0.3252),
            ("rater:task", 0.6475),
            ("person x task", 0.5596),
            ("residual", 2.3802),
        ];
        for method in [Method::Anova, Method::Reml] {
            let g = g_study(&data, &px_r_in_t(), "person", method).unwrap();
            check_published(&g, &published);
            assert_eq!(g.sample_sizes, [3.0, 4.0]);
            let d = d_study(&g, &[3.0, 4.0], &[false, false]).unwrap();
            close(d.g_coefficient, 0.551, 5e-4);
            close(d.phi_coefficient, 0.464, 5e-4);
            // δ = σ²pt/n_t + σ²pr:t/(n_r n_t), Δ = δ + σ²t/n_t + σ²r:t/(n_r n_t).
            let delta = var(&g, "person x task") / 3.0 + var(&g, "residual") / 12.0;
            close(d.relative_error, delta, 1e-12);
            close(d.absolute_error, delta + var(&g, "task") / 3.0 + var(&g, "rater:task") / 12.0, 1e-12);
        }
        let g = g_study(&data, &px_r_in_t(), "person", Method::Anova).unwrap();
        let df: Vec<f64> = g.components.iter().map(|c| c.df.unwrap()).collect();
        assert_eq!(df, [9.0, 2.0, 9.0, 18.0, 81.0]);
        // Raters numbered within tasks (1–4 in each task) give the same study.
        let mut within = data.clone();
        within.facets[1].iter_mut().for_each(|r| *r = (*r - 1) % 4 + 1);
        let g2 = g_study(&within, &px_r_in_t(), "person", Method::Anova).unwrap();
        for (a, b) in g.components.iter().zip(&g2.components) {
            close(a.raw, b.raw, 1e-12);
        }
    }

    /// Brennan's published ds3 components.
    fn ds3_published() -> [f64; 7] {
        [0.5528, 0.4417, 0.0074, 0.5750, 0.1009, 0.1565, 0.9352]
    }

    #[test]
    fn d_study_other_sizes_ds3() {
        let g = g_study(&csv(DS3, "person", &["item", "occasion"]), &pxixo(), "person", Method::Anova).unwrap();
        let v: Vec<f64> = g.components.iter().map(|c| c.variance).collect();
        let [p, i, o, pi, po, io, pio] = [v[0], v[1], v[2], v[3], v[4], v[5], v[6]];
        let d = d_study(&g, &[8.0, 1.0], &[false, false]).unwrap();
        let delta = pi / 8.0 + po + pio / 8.0;
        let abs = delta + i / 8.0 + o + io / 8.0;
        close(d.universe_score, p, 1e-12);
        close(d.relative_error, delta, 1e-12);
        close(d.absolute_error, abs, 1e-12);
        close(d.g_coefficient, p / (p + delta), 1e-12);
        close(d.phi_coefficient, p / (p + abs), 1e-12);
        close(d.sem_absolute, abs.sqrt(), 1e-12);
        // By hand from the published components: δ = .575/8 + .1009 + .9352/8 = .289675, Eρ² = .5528/.842475.
        let [pp, pi_, po_, pio_] = [ds3_published()[0], ds3_published()[3], ds3_published()[4], ds3_published()[6]];
        close(pi_ / 8.0 + po_ + pio_ / 8.0, 0.289675, 1e-12);
        close(d.g_coefficient, pp / (pp + 0.289675), 5e-4);
        close(d.phi_coefficient, 0.5528 / (0.5528 + 0.289675 + 0.4417 / 8.0 + 0.0074 + 0.1565 / 8.0), 5e-4);
        // Non-integer sizes are allowed (harmonic means); zero is not.
        assert!(d_study(&g, &[2.5, 1.5], &[false, false]).is_ok());
        assert!(d_study(&g, &[0.0, 2.0], &[false, false]).is_err());
        assert!(d_study(&g, &[4.0], &[false]).is_err());
        assert!(d_study(&g, &[4.0, 2.0], &[true, true]).is_err());
    }

    #[test]
    fn d_study_fixed_occasions_ds3() {
        let g = g_study(&csv(DS3, "person", &["item", "occasion"]), &pxixo(), "person", Method::Anova).unwrap();
        let v: Vec<f64> = g.components.iter().map(|c| c.variance).collect();
        let d = d_study(&g, &[4.0, 2.0], &[false, true]).unwrap();
        // τ = σ²p + σ²po/n_o, δ = σ²pi/n_i + σ²pio/(n_i n_o), Δ = δ + σ²i/n_i + σ²io/(n_i n_o) (Brennan ch. 4).
        let tau = v[0] + v[4] / 2.0;
        let delta = v[3] / 4.0 + v[6] / 8.0;
        let abs = delta + v[1] / 4.0 + v[5] / 8.0;
        close(d.universe_score, tau, 1e-12);
        close(d.relative_error, delta, 1e-12);
        close(d.absolute_error, abs, 1e-12);
        // By hand from the published components: τ = .5528 + .1009/2 = .60325, δ = .575/4 + .9352/8 = .26065,
        // Δ = .26065 + .4417/4 + .1565/8 = .3906375, so Eρ² = .698 and Φ = .607.
        close(d.g_coefficient, 0.60325 / (0.60325 + 0.26065), 5e-4);
        close(d.phi_coefficient, 0.60325 / (0.60325 + 0.3906375), 5e-4);
        close(d.g_coefficient, 0.698, 5e-4);
        close(d.phi_coefficient, 0.607, 5e-4);
        // Items fixed instead: τ = σ²p + σ²pi/n_i.
        let d = d_study(&g, &[4.0, 2.0], &[true, false]).unwrap();
        close(d.universe_score, v[0] + v[3] / 4.0, 1e-12);
        close(d.relative_error, v[4] / 2.0 + v[6] / 8.0, 1e-12);
        close(d.absolute_error, v[4] / 2.0 + v[6] / 8.0 + v[2] / 2.0 + v[5] / 8.0, 1e-12);
    }

    #[test]
    fn d_study_fixed_tasks_ds4() {
        let g = g_study(&csv(DS4, "person", &["task", "rater"]), &px_r_in_t(), "person", Method::Anova).unwrap();
        let d = d_study(&g, &[3.0, 4.0], &[true, false]).unwrap();
        let tau = var(&g, "person") + var(&g, "person x task") / 3.0;
        let delta = var(&g, "residual") / 12.0;
        close(d.universe_score, tau, 1e-12);
        close(d.relative_error, delta, 1e-12);
        close(d.absolute_error, delta + var(&g, "rater:task") / 12.0, 1e-12);
        close(d.g_coefficient, (0.4731 + 0.5596 / 3.0) / (0.4731 + 0.5596 / 3.0 + 2.3802 / 12.0), 5e-4);
        // A fixed facet cannot be nested in a random one.
        assert!(d_study(&g, &[3.0, 4.0], &[false, true]).is_err());
    }

    #[test]
    fn cycles_needed_ds3() {
        let g = g_study(&csv(DS3, "person", &["item", "occasion"]), &pxixo(), "person", Method::Anova).unwrap();
        // Items: Φ(n_i = 4, n_o = 2) = .554 < .6; find the first n_i with Φ ≥ .6 by brute force.
        let expect = (1..=50).find(|&m| d_study(&g, &[m as f64, 2.0], &[false, false]).unwrap().phi_coefficient >= 0.6);
        assert_eq!(cycles_needed(&g, 0, 0.6, 50), expect);
        let m = expect.unwrap();
        assert!(m > 4 && d_study(&g, &[(m - 1) as f64, 2.0], &[false, false]).unwrap().phi_coefficient < 0.6);
        assert_eq!(cycles_needed(&g, 1, 0.5, 10), Some(2));
        assert_eq!(cycles_needed(&g, 1, 0.99, 10), None);
        assert_eq!(cycles_needed(&g, 7, 0.5, 10), None);
    }

    #[test]
    fn anova_negative_estimate_truncated() {
        // Equal item means: SS_item = 0, so σ²_item = −MS_pi/n_p < 0.
        let table = [[1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [2.0, 3.0, 1.0], [5.0, 5.0, 5.0]];
        let mut d = LongData { object: vec![], facets: vec![vec![]], score: vec![] };
        for (p, row) in table.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                d.object.push(p as u32);
                d.facets[0].push(i as u32);
                d.score.push(*v);
            }
        }
        let g = g_study(&d, &pxi(), "person", Method::Anova).unwrap();
        let item = &g.components[1];
        assert_eq!(item.ss, Some(0.0));
        let ms_pi = g.components[2].ms.unwrap();
        close(item.raw, -ms_pi / 4.0, 1e-12);
        assert!(item.raw < 0.0 && item.variance == 0.0 && item.share == 0.0);
        // σ²p uses MS_pi, not the truncated value; shares add to 1.
        close(g.components[0].raw, (g.components[0].ms.unwrap() - ms_pi) / 3.0, 1e-12);
        close(g.components.iter().map(|c| c.share).sum::<f64>(), 1.0, 1e-12);
        // REML puts the item component on the boundary.
        let r = g_study(&d, &pxi(), "person", Method::Reml).unwrap();
        assert_eq!(r.components[1].variance, 0.0);
        assert_eq!(r.reml.as_ref().unwrap().theta[1], 0.0);
    }

    #[test]
    fn balance_detection() {
        let data = csv(DS3, "person", &["item", "occasion"]);
        assert!(is_balanced(&data, &pxixo()).unwrap());
        let unb = csv(DS3U, "person", &["item", "occasion"]);
        assert!(!is_balanced(&unb, &pxixo()).unwrap());
        assert_eq!(default_method(&unb, &pxixo()).unwrap(), Method::Reml);
        let err = g_study(&unb, &pxixo(), "person", Method::Anova).unwrap_err();
        assert!(err.0.contains("balanced"), "{}", err.0);
        // `g_study_default` decides the method from its own coding, with no set-up, a set-up of the same rows,
        // or a set-up of other rows.
        let on_data = RemlSetup::new(&data, &pxixo(), "person").unwrap();
        let on_unb = RemlSetup::new(&unb, &pxixo(), "person").unwrap();
        for (d, m) in [(&data, Method::Anova), (&unb, Method::Reml)] {
            assert_eq!(default_method(d, &pxixo()).unwrap(), m);
            for s in [None, Some(&on_data), Some(&on_unb)] {
                let g = g_study_default(d, &pxixo(), "person", s).unwrap();
                assert_eq!(g.method, m);
                let want = g_study(d, &pxixo(), "person", m).unwrap();
                assert_eq!(
                    g.components.iter().map(|c| c.variance).collect::<Vec<_>>(),
                    want.components.iter().map(|c| c.variance).collect::<Vec<_>>()
                );
            }
        }
        // A duplicated row is not balanced.
        let mut dup = data.clone();
        dup.object.push(1);
        dup.facets[0].push(1);
        dup.facets[1].push(1);
        dup.score.push(3.0);
        assert!(!is_balanced(&dup, &pxixo()).unwrap());
        // Nested facet with unequal numbers of levels per parent.
        let mut ds4 = csv(DS4, "person", &["task", "rater"]);
        assert!(is_balanced(&ds4, &px_r_in_t()).unwrap());
        let keep: Vec<usize> = (0..ds4.score.len()).filter(|&r| ds4.facets[1][r] != 12).collect();
        ds4 = LongData {
            object: keep.iter().map(|&r| ds4.object[r]).collect(),
            facets: (0..2).map(|f| keep.iter().map(|&r| ds4.facets[f][r]).collect()).collect(),
            score: keep.iter().map(|&r| ds4.score[r]).collect(),
        };
        assert!(!is_balanced(&ds4, &px_r_in_t()).unwrap());
        let g = g_study(&ds4, &px_r_in_t(), "person", Method::Reml).unwrap();
        // Harmonic mean of raters per task per person: 3 tasks with 4, 4, 3 → 3 / (1/4 + 1/4 + 1/3).
        close(g.sample_sizes[1], 3.0 / (0.25 + 0.25 + 1.0 / 3.0), 1e-12);
        assert_eq!(g.sample_sizes[0], 3.0);
    }

    #[test]
    fn facet_named_object_is_fine() {
        let d = Design { facets: vec![FacetSpec::crossed("object")] };
        assert!(is_balanced(&csv(DS1, "person", &["item"]), &d).unwrap());
    }

    #[test]
    fn undefined_inputs_are_na() {
        let data = csv(DS1, "person", &["item"]);
        let mut bad = data.clone();
        bad.score[3] = f64::NAN;
        assert!(g_study(&bad, &pxi(), "person", Method::Anova).is_err());
        let mut short = data.clone();
        short.object.pop();
        assert!(g_study(&short, &pxi(), "person", Method::Anova).is_err());
        assert!(g_study(&data, &pxixo(), "person", Method::Anova).is_err());
        let empty = LongData { object: vec![], facets: vec![vec![]], score: vec![] };
        assert!(g_study(&empty, &pxi(), "person", Method::Reml).is_err());
        let mut flat = data.clone();
        flat.score.iter_mut().for_each(|v| *v = 3.0);
        assert!(g_study(&flat, &pxi(), "person", Method::Anova).is_err());
        assert!(g_study(&flat, &pxi(), "person", Method::Reml).is_err());
        // One object; one item level.
        let one = LongData { object: vec![1; 3], facets: vec![vec![1, 2, 3]], score: vec![1.0, 2.0, 4.0] };
        assert!(g_study(&one, &pxi(), "person", Method::Reml).is_err());
        let single = LongData { object: vec![1, 2, 3], facets: vec![vec![1; 3]], score: vec![1.0, 2.0, 4.0] };
        assert!(g_study(&single, &pxi(), "person", Method::Anova).is_err());
        assert!(g_study(&single, &pxi(), "person", Method::Reml).is_err());
        // An interaction with one score per level cannot be separated from the residual.
        let ds3 = csv(DS3, "person", &["item", "occasion"]);
        let d = Design { facets: vec![FacetSpec::crossed("item"), FacetSpec::crossed("occasion")] };
        let first_occasion: Vec<usize> = (0..ds3.score.len()).filter(|&r| ds3.facets[1][r] == 1).collect();
        let sub = LongData {
            object: first_occasion.iter().map(|&r| ds3.object[r]).collect(),
            facets: (0..2).map(|f| first_occasion.iter().map(|&r| ds3.facets[f][r]).collect()).collect(),
            score: first_occasion.iter().map(|&r| ds3.score[r]).collect(),
        };
        assert!(g_study(&sub, &d, "person", Method::Reml).is_err());
    }

    /// Deterministic pseudo-normal draws for synthetic tests (ChaCha8, Box–Muller).
    fn normals(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 + 0.5 / (1u64 << 53) as f64;
        (0..n).map(|_| (-2.0 * u().ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos()).collect()
    }

    /// Balanced classroom × (item:domain) × observer, 3 facets with nesting, simulated.
    fn three_facet_data(seed: u64) -> (LongData, Design) {
        let design = Design {
            facets: vec![FacetSpec::crossed("domain"), FacetSpec::nested("item", 0), FacetSpec::crossed("observer")],
        };
        let (np, nh, ni, no) = (12usize, 3usize, 3usize, 3usize);
        let z = normals(seed, 2000);
        let mut zi = z.iter();
        let mut draw = |sd: f64, len: usize| (0..len).map(|_| sd * zi.next().unwrap()).collect::<Vec<f64>>();
        let (p, h, i, o) = (draw(0.8, np), draw(0.5, nh), draw(0.6, nh * ni), draw(0.6, no));
        let (ph, pi, po) = (draw(0.5, np * nh), draw(0.7, np * nh * ni), draw(0.4, np * no));
        let (ho, io, pho) = (draw(0.3, nh * no), draw(0.3, nh * ni * no), draw(0.4, np * nh * no));
        let e = draw(0.6, np * nh * ni * no);
        let mut d = LongData { object: vec![], facets: vec![vec![], vec![], vec![]], score: vec![] };
        let mut r = 0;
        for a in 0..np {
            for b in 0..nh {
                for c in 0..ni {
                    for f in 0..no {
                        let item = b * ni + c;
                        let y = 3.0
                            + p[a]
                            + h[b]
                            + i[item]
                            + o[f]
                            + ph[a * nh + b]
                            + pi[a * nh * ni + item]
                            + po[a * no + f]
                            + ho[b * no + f]
                            + io[item * no + f]
                            + pho[(a * nh + b) * no + f]
                            + e[r];
                        r += 1;
                        d.object.push(a as u32);
                        d.facets[0].push(b as u32);
                        d.facets[1].push(item as u32);
                        d.facets[2].push(f as u32);
                        d.score.push(y);
                    }
                }
            }
        }
        (d, design)
    }

    /// The REML model of [`three_facet_data`] with the classroom as the object of measurement.
    fn three_facet_model(seed: u64) -> RemlModel {
        let (d, design) = three_facet_data(seed);
        let l = layout(&design, "classroom").unwrap();
        let rows = factor_rows(&d, 3).unwrap();
        RemlModel::new(&rows, &l, &d.score).unwrap()
    }

    /// Henderson's Method I is the ANOVA (EMS) solution on balanced data: the REML start values are the ANOVA
    /// components as `θ = √(σ²_k/σ²_e)` (all positive here, so no `θ = 0.1` floor).
    #[test]
    fn method1_start_is_anova_on_balanced_data() {
        let (d, design) = three_facet_data(1);
        let a = g_study(&d, &design, "classroom", Method::Anova).unwrap();
        let l = layout(&design, "classroom").unwrap();
        let rows = factor_rows(&d, design.facets.len()).unwrap();
        let model = RemlModel::new(&rows, &l, &d.score).unwrap();
        let start = model.start.expect("Method I defined");
        let raw: Vec<f64> = a.components.iter().map(|c| c.raw).collect();
        let s2e = raw[raw.len() - 1];
        assert_eq!(start.len(), raw.len() - 1);
        for (t, v) in start.iter().zip(&raw) {
            close(*t, (v / s2e).sqrt(), 1e-9);
        }
    }

    #[test]
    fn gauss_solves_with_pivoting() {
        // [[0, 2, 1], [1, 1, 1], [2, 1, 3]] x = (5, 5, 12): x = (1, 1, 3) needs a row swap (zero first pivot).
        let mut a = vec![0.0, 2.0, 1.0, 5.0, 1.0, 1.0, 1.0, 5.0, 2.0, 1.0, 3.0, 12.0];
        let x = dense::gauss(&mut a, 3).unwrap();
        for (u, v) in x.iter().zip([1.0, 1.0, 3.0]) {
            close(*u, v, 1e-12);
        }
        let mut singular = vec![1.0, 2.0, 3.0, 2.0, 4.0, 6.0];
        assert!(dense::gauss(&mut singular, 2).is_none());
    }

    #[test]
    fn three_facets_reml_equals_anova() {
        let (d, design) = three_facet_data(1);
        let a = g_study(&d, &design, "classroom", Method::Anova).unwrap();
        let r = g_study(&d, &design, "classroom", Method::Reml).unwrap();
        assert_eq!(a.components.len(), 11);
        assert!(
            a.components.iter().all(|c| c.raw > 0.0),
            "{:?}",
            a.components.iter().map(|c| c.raw).collect::<Vec<_>>()
        );
        for (x, y) in a.components.iter().zip(&r.components) {
            close(y.variance, x.raw, 1e-6 * x.raw);
        }
        // 12 classrooms, 3 domains, 3 items per domain, 3 observers. df: classroom 11, domain 2, item:domain
        // 3·2 = 6, observer 2, c×d 22, c×i:d 11·2·3 = 66, c×o 22, d×o 4, i×o:d 2·2·3 = 12, c×d×o 44, residual 132.
        let df: Vec<f64> = a.components.iter().map(|c| c.df.unwrap()).collect();
        assert_eq!(df, [11.0, 2.0, 6.0, 2.0, 22.0, 66.0, 22.0, 4.0, 12.0, 44.0, 132.0]);
        let total_ss: f64 = a.components.iter().map(|c| c.ss.unwrap()).sum();
        let mean = d.score.iter().sum::<f64>() / d.score.len() as f64;
        close(total_ss, d.score.iter().map(|y| (y - mean).powi(2)).sum::<f64>(), 1e-9);
        // D study: δ = σ²ph/n_h + σ²pi:h/(n_i n_h) + σ²po/n_o + σ²pho/(n_h n_o) + σ²res/(n_i n_h n_o).
        let v: Vec<f64> = a.components.iter().map(|c| c.variance).collect();
        let dd = d_study(&a, &[3.0, 3.0, 2.0], &[false, false, false]).unwrap();
        close(dd.relative_error, v[4] / 3.0 + v[5] / 9.0 + v[6] / 2.0 + v[9] / 6.0 + v[10] / 18.0, 1e-12);
        close(
            dd.absolute_error - dd.relative_error,
            v[1] / 3.0 + v[2] / 9.0 + v[3] / 2.0 + v[7] / 6.0 + v[8] / 18.0,
            1e-12,
        );
        // Domains fixed: τ = σ²p + σ²ph/n_h + ... items stay random (nested in a fixed facet).
        let df = d_study(&a, &[3.0, 3.0, 2.0], &[true, false, false]).unwrap();
        close(df.universe_score, v[0] + v[4] / 3.0, 1e-12);
    }

    /// Fits the lme4 fixture data set `name` by REML and checks every component against lme4 (1e-4 relative or
    /// 1e-6 absolute) and the REML criterion (1e-6 relative).
    fn lme4_case(name: &str, text: &str, balanced: bool) -> (GStudy, LongData, Design) {
        let json: serde_json::Value = serde_json::from_str(LME4).unwrap();
        let case = &json["datasets"][name];
        let facets = case["facets"].as_array().unwrap();
        let cols: Vec<&str> = facets.iter().map(|f| f["column"].as_str().unwrap()).collect();
        let names: Vec<&str> = facets.iter().map(|f| f["name"].as_str().unwrap()).collect();
        let design = Design {
            facets: facets
                .iter()
                .map(|f| FacetSpec {
                    name: f["name"].as_str().unwrap().into(),
                    nested_in: f["nested_in"].as_str().map(|p| names.iter().position(|n| *n == p).unwrap()),
                    fixed: false,
                })
                .collect(),
        };
        let object = case["object"].as_str().unwrap();
        let data = csv(text, object, &cols);
        assert_eq!(data.score.len() as u64, case["n"].as_u64().unwrap());
        assert_eq!(is_balanced(&data, &design).unwrap(), balanced);
        let g = g_study(&data, &design, object, Method::Reml).unwrap();
        let expected = case["components"].as_object().unwrap();
        assert_eq!(expected.len(), g.components.len());
        for c in &g.components {
            let want = expected[&c.effect.name].as_f64().unwrap();
            let tol = (1e-4 * want).max(1e-6);
            assert!((c.variance - want).abs() <= tol, "{name} {}: {} vs lme4 {want}", c.effect.name, c.variance);
        }
        let crit = case["reml_criterion"].as_f64().unwrap();
        let fit = g.reml.as_ref().unwrap();
        assert!((fit.criterion - crit).abs() < 1e-6 * crit.abs(), "{name}: criterion {} vs {crit}", fit.criterion);
        (g, data, design)
    }

    #[test]
    fn lme4_unbalanced_ds3() {
        lme4_case("ds3_unbalanced", DS3U, false);
    }

    #[test]
    fn lme4_unbalanced_ds4_nested() {
        lme4_case("ds4_unbalanced", DS4U, false);
    }

    #[test]
    fn lme4_unbalanced_class_sparse() {
        lme4_case("class_sparse", CLASS, false);
    }

    /// A shared REML set-up gives the estimates of a fit set up on its own, bit for bit, on other
    /// scores of the same rows; on other rows it is not used (and the fit is still right).
    #[test]
    fn shared_setup_same_rows_only() {
        let (g, data, design) = lme4_case("class_sparse", CLASS, false);
        let mut other = data.clone();
        for (r, v) in other.score.iter_mut().enumerate() {
            *v = 0.5 * *v + 0.1 * ((r * 7919) % 13) as f64;
        }
        let setup = RemlSetup::new(&other, &design, "classroom").unwrap();
        let rows = factor_rows(&data, 2).unwrap();
        assert!(setup.structure_for(&design, "classroom", &rows).is_some());
        assert!(setup.structure_for(&design, "cycle", &rows).is_none());
        let shared = g_study_shared(&data, &design, "classroom", Method::Reml, Some(&setup)).unwrap();
        let bits = |g: &GStudy| g.components.iter().map(|c| c.variance.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&shared), bits(&g));
        let alone = g_study(&other, &design, "classroom", Method::Reml).unwrap();
        let with = g_study_shared(&other, &design, "classroom", Method::Reml, Some(&setup)).unwrap();
        assert_eq!(bits(&with), bits(&alone));
        assert_ne!(bits(&alone), bits(&g));
        // Fewer rows: the set-up does not fit them, and the fit is the one set up anew.
        let mut fewer = data.clone();
        fewer.object.pop();
        fewer.score.pop();
        for f in fewer.facets.iter_mut() {
            f.pop();
        }
        assert!(setup.structure_for(&design, "classroom", &factor_rows(&fewer, 2).unwrap()).is_none());
        let a = g_study(&fewer, &design, "classroom", Method::Reml).unwrap();
        let b = g_study_shared(&fewer, &design, "classroom", Method::Reml, Some(&setup)).unwrap();
        assert_eq!(bits(&a), bits(&b));
    }

    #[test]
    fn lme4_unbalanced_checklist_sparse() {
        lme4_case("checklist_sparse", CHECKLIST, false);
    }

    #[test]
    fn lme4_nested3_balanced_negative_anova() {
        let (reml, data, design) = lme4_case("nested3_balanced", NESTED3, true);
        // ANOVA has a negative estimate here, so REML (boundary) and ANOVA differ.
        let anova = g_study(&data, &design, "classroom", Method::Anova).unwrap();
        let neg: Vec<&str> = anova.components.iter().filter(|c| c.raw < 0.0).map(|c| c.effect.name.as_str()).collect();
        assert_eq!(neg, ["classroom x domain x observer"]);
        let last = reml.components.len() - 2;
        assert_eq!(reml.components[last].variance, 0.0);
        assert_eq!(reml.reml.unwrap().theta[last], 0.0);
        // Sums of squares and df of all 11 effects against R aov.
        let json: serde_json::Value = serde_json::from_str(LME4).unwrap();
        let aov = &json["datasets"]["nested3_balanced"]["anova"];
        for c in &anova.components {
            let (ss, df) = (aov[&c.effect.name]["ss"].as_f64().unwrap(), aov[&c.effect.name]["df"].as_f64().unwrap());
            close(c.ss.unwrap(), ss, 1e-9 * ss);
            assert_eq!(c.df.unwrap(), df, "{}", c.effect.name);
        }
        // EMS solution for the residual and the next effect: σ²res = MS_res; σ²(c×d×o) = (MS_cdo − MS_res)/n_i.
        let ms = |i: usize| anova.components[i].ms.unwrap();
        close(anova.components[10].raw, ms(10), 1e-12);
        close(anova.components[9].raw, (ms(9) - ms(10)) / 3.0, 1e-12);
        // σ²(c) = (MS_c − MS_cd − MS_co + MS_cdo)/(n_d n_i n_o) (Brennan's algorithm, all effects containing c).
        close(anova.components[0].raw, (ms(0) - ms(4) - ms(6) + ms(9)) / 27.0, 1e-12);
    }

    #[test]
    fn lme4_nested3_unbalanced() {
        lme4_case("nested3_unbalanced", NESTED3U, false);
    }

    #[test]
    fn lme4_balanced_ds1() {
        let json: serde_json::Value = serde_json::from_str(LME4).unwrap();
        let case = &json["datasets"]["ds1_balanced"];
        let g = g_study(&csv(DS1, "person", &["item"]), &pxi(), "person", Method::Reml).unwrap();
        for c in &g.components {
            let want = case["components"][&c.effect.name].as_f64().unwrap();
            close(c.variance, want, 1e-4 * want);
        }
        let crit = case["reml_criterion"].as_f64().unwrap();
        close(g.reml.unwrap().criterion, crit, 1e-6 * crit);
    }

    #[test]
    fn reml_gradient_matches_finite_differences() {
        let model = three_facet_model(1);
        let mut w = model.work();
        let theta: Vec<f64> = (0..model.k).map(|j| 0.3 + 0.1 * j as f64).collect();
        model.value(&theta, &mut w).unwrap();
        let g = model.gradient(&theta, &mut w);
        for j in 0..model.k {
            let h = 1e-5;
            let (mut tp, mut tm) = (theta.clone(), theta.clone());
            tp[j] += h;
            tm[j] -= h;
            let fd = (model.value(&tp, &mut w).unwrap() - model.value(&tm, &mut w).unwrap()) / (2.0 * h);
            close(g[j], fd, 1e-5 * fd.abs().max(1.0));
        }
        // The criterion is even in each θ_k, and its gradient vanishes at θ_k = 0.
        let mut flipped = theta.clone();
        flipped[2] = -flipped[2];
        close(model.value(&flipped, &mut w).unwrap(), model.value(&theta, &mut w).unwrap(), 1e-9);
        flipped[2] = 0.0;
        model.value(&flipped, &mut w).unwrap();
        assert_eq!(model.gradient(&flipped, &mut w)[2], 0.0);
    }

    /// AI-Newton (the first stage of [`reml`]) and BFGS alone reach the same optimum, from the same Method I
    /// start, on three seeded data sets of [`three_facet_data`]; AI-Newton in fewer iterations over the three.
    #[test]
    fn ai_newton_reaches_the_bfgs_optimum() {
        let (mut total_newton, mut total_bfgs) = (0, 0);
        for seed in [2, 5, 9] {
            let model = three_facet_model(seed);
            let x0 = model.start.clone().unwrap();
            let floor = (model.n - 1) as f64;
            let count = |newton: bool| {
                let mut obj = RemlObjective { model: &model, work: model.work(), at: Vec::new() };
                let opt = if newton {
                    ai_newton(&mut obj, &x0, 1e-11, floor, 50).unwrap()
                } else {
                    bfgs(&mut obj, &x0, 1e-11, floor, 300, true).unwrap()
                };
                assert!(opt.converged, "seed {seed}, newton {newton}: not converged, g = {:?}", opt.g);
                (opt.x.iter().map(|t| t * t).collect::<Vec<f64>>(), opt.f, opt.iterations)
            };
            let (xa, fa, ia) = count(true);
            let (xb, fb, ib) = count(false);
            close(fa, fb, 1e-10 * fb.abs().max(floor));
            for (a, b) in xa.iter().zip(&xb) {
                close(*a, *b, 1e-6 * b.abs().max(1e-4));
            }
            total_newton += ia;
            total_bfgs += ib;
        }
        // 3 + 8 + 5 against 6 + 7 + 7: on seed 5 AI-Newton converges linearly near the optimum (the AI matrix
        // differs from the Hessian on these unbalanced data; the gradient falls ~10× per iteration).
        assert!(total_newton < total_bfgs, "AI-Newton {total_newton} iterations in all, BFGS {total_bfgs}");
    }

    /// The galloping search of `min_degree` answers as `binary_search` from every valid start.
    #[test]
    fn gallop_equals_binary_search() {
        let list: Vec<u32> = (0..200u32).map(|i| i * 8 + (i % 7)).collect();
        for x in 0..1610u32 {
            let want = list.binary_search(&x);
            let below = list.partition_point(|&v| v < x);
            for from in [0, below / 3, below / 2, below] {
                assert_eq!(sparse::gallop(&list, from, x), want, "x {x}, from {from}");
            }
        }
        assert_eq!(sparse::gallop(&[], 0, 5), Err(0));
    }

    /// The average-information matrix of [`RemlModel::ai_hessian`] equals its definition computed densely:
    /// `V = σ²(I + Σ θ_k² Z_k Z_k')`, `P = V⁻¹ − V⁻¹1(1'V⁻¹1)⁻¹1'V⁻¹`, `AI_ab = y'P V_a P V_b P y` over
    /// `ψ = (θ, σ²)` (`V_θa = 2σ²θ_a Z_a Z_a'`, `V_σ² = V/σ²`), then `σ²` profiled out by the Schur complement.
    #[test]
    fn ai_hessian_matches_dense_definition() {
        let model = three_facet_model(2);
        let (n, k) = (model.n, model.k);
        let mut w = model.work();
        let theta: Vec<f64> = (0..k).map(|j| 0.4 + 0.15 * j as f64).collect();
        model.value(&theta, &mut w).unwrap();
        let ai = model.ai_hessian(&theta, &w);
        let s2 = w.r2 / (n - 1) as f64;
        // Z_a Z_a' as an n × n indicator; V_ψ for each ψ.
        let zz = |a: usize| -> Vec<f64> {
            (0..n * n).map(|t| f64::from(model.lev[a][t / n] == model.lev[a][t % n])).collect()
        };
        let mut hm: Vec<f64> = (0..n * n).map(|t| f64::from(t / n == t % n)).collect();
        let mut vd: Vec<Vec<f64>> = Vec::new();
        for a in 0..k {
            let z = zz(a);
            for (h, v) in hm.iter_mut().zip(&z) {
                *h += theta[a] * theta[a] * v;
            }
            vd.push(z.iter().map(|v| 2.0 * s2 * theta[a] * v).collect());
        }
        vd.push(hm.clone());
        let v: Vec<f64> = hm.iter().map(|h| s2 * h).collect();
        let lv = dense::cholesky(&v, n).unwrap();
        let vinv_one = dense::solve(&lv, n, &vec![1.0; n]);
        let denom: f64 = vinv_one.iter().sum();
        let p_times = |x: &[f64]| -> Vec<f64> {
            let vx = dense::solve(&lv, n, x);
            let c = vinv_one.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() / denom;
            vx.iter().zip(&vinv_one).map(|(a, b)| a - c * b).collect()
        };
        let mat_vec = |m: &[f64], x: &[f64]| -> Vec<f64> { (0..n).map(|i| dot(&m[i * n..(i + 1) * n], x)).collect() };
        let py = p_times(&model.y);
        let q: Vec<Vec<f64>> = vd.iter().map(|m| mat_vec(m, &py)).collect();
        let pq: Vec<Vec<f64>> = q.iter().map(|x| p_times(x)).collect();
        let full = |a: usize, b: usize| dot(&q[a], &pq[b]);
        let mut checked = 0;
        for a in 0..k {
            for b in 0..k {
                let want = full(a, b) - full(a, k) * full(b, k) / full(k, k);
                close(ai[a * k + b], want, 1e-8 * want.abs().max(1.0));
                checked += usize::from(want.abs() > 1.0);
            }
        }
        assert!(checked >= k, "the AI matrix is not trivially small");
    }

    #[test]
    fn sparse_cholesky_and_selected_inverse_match_dense() {
        // A random sparse SPD matrix: B'B + I with B sparse.
        let n = 40;
        let z = normals(3, 4 * n * n);
        let mut a = vec![0.0; n * n];
        for r in 0..2 * n {
            let cols: Vec<usize> = (0..3).map(|t| ((z[r * 3 + t].abs() * 1e6) as usize + r * 7) % n).collect();
            for &i in &cols {
                for &j in &cols {
                    a[i * n + j] += z[1000 + r] * z[1000 + r] + 0.1;
                }
            }
        }
        for i in 0..n {
            a[i * n + i] += 1.0;
        }
        let edges: Vec<(u32, u32)> = (0..n)
            .flat_map(|i| (0..i).map(move |j| (i, j)))
            .filter(|&(i, j)| a[i * n + j] != 0.0)
            .map(|(i, j)| (i as u32, j as u32))
            .collect();
        let perm = sparse::min_degree(n, &edges);
        let mut sorted = perm.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        // Permuted upper triangle.
        let (mut ap, mut ai, mut ax) = (vec![0usize], Vec::new(), Vec::new());
        for j in 0..n {
            for i in 0..=j {
                let v = a[perm[i] * n + perm[j]];
                if v != 0.0 || i == j {
                    ai.push(i);
                    ax.push(v);
                }
            }
            ap.push(ai.len());
        }
        let sym = sparse::Symbolic::new(n, ap, ai);
        let mut lx = vec![0.0; sym.nnz()];
        let mut x = vec![0.0; n];
        assert!(sym.factor(&ax, &mut lx, &mut x));
        // Solve against a dense reference.
        let pa: Vec<f64> = (0..n * n).map(|t| a[perm[t / n] * n + perm[t % n]]).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let mut sol = b.clone();
        sym.solve(&lx, &mut sol);
        for i in 0..n {
            close((0..n).map(|j| pa[i * n + j] * sol[j]).sum::<f64>(), b[i], 1e-10);
        }
        // Selected inverse equals the dense inverse on the pattern of L.
        let l = dense::cholesky(&pa, n).unwrap();
        let mut zx = vec![0.0; sym.nnz()];
        let mut mark = vec![usize::MAX; n];
        // The dense tail and the sparse columns above it are both exercised.
        assert!(sym.tail() >= 3 && sym.tail() < n - 10, "dense tail of {} columns", sym.tail());
        let mut zd = vec![0.0; sym.tail() * sym.tail()];
        sym.selected_inverse(&lx, &mut zx, &mut x, &mut mark, &mut zd);
        assert!(x.iter().all(|&v| v == 0.0));
        let mut checked = 0;
        for j in 0..n {
            let e: Vec<f64> = (0..n).map(|i| if i == j { 1.0 } else { 0.0 }).collect();
            let col = dense::solve(&l, n, &e);
            for i in j..n {
                if pa[i * n + j] != 0.0 || i == j {
                    close(zx[sym.position(j, i)], col[i], 1e-10);
                    checked += 1;
                }
            }
        }
        assert!(checked > n);
    }

    /// The bootstrap's sums of squares from per-object tables equal a refit of the resampled scores, crossed
    /// (p × i × o) and nested (p × (r:t)), with repeated and missing objects in the draw.
    #[test]
    fn object_tables_equal_refit() {
        for (data, design) in [
            (csv(DS3, "person", &["item", "occasion"]), pxixo()),
            (csv(DS4, "person", &["task", "rater"]), px_r_in_t()),
        ] {
            let l = layout(&design, "person").unwrap();
            let rows = factor_rows(&data, design.facets.len()).unwrap();
            let coding = code(&rows, &l);
            let sizes = balanced_sizes(&coding, &l).unwrap();
            let tables = ObjectTables::new(&l, &coding.codes, &sizes, &data.score);
            let np = sizes[0] as u32;
            let draw: Vec<u32> = (0..np).map(|i| (i * 7 + 3) % np / 2).collect();
            let (mut rr, mut ry) = (Vec::new(), Vec::new());
            for (slot, &o) in draw.iter().enumerate() {
                for (r, row) in rows.iter().enumerate().filter(|(r, _)| coding.codes[*r][0] == o) {
                    let mut row = *row;
                    row[0] = slot as u32;
                    rr.push(row);
                    ry.push(data.score[r]);
                }
            }
            let want = anova(&l, &code(&rr, &l).codes, &sizes, &ry).unwrap();
            let got = tables.ss(&draw);
            for (w, g) in want.iter().zip(&got) {
                assert!((w.ss - g).abs() <= 1e-9 * w.ss.abs().max(1.0), "{} vs {g}", w.ss);
            }
        }
    }

    #[test]
    fn bootstrap_deterministic_and_covers() {
        let data = csv(DS3, "person", &["item", "occasion"]);
        let g = g_study(&data, &pxixo(), "person", Method::Anova).unwrap();
        let a = d_study_bootstrap(&data, &g, &[4.0, 2.0], &[false, false], 200, 42, 0.95).unwrap();
        let b = d_study_bootstrap(&data, &g, &[4.0, 2.0], &[false, false], 200, 42, 0.95).unwrap();
        assert_eq!(a, b);
        let c = d_study_bootstrap(&data, &g, &[4.0, 2.0], &[false, false], 200, 43, 0.95).unwrap();
        assert_ne!(a.g_coefficient, c.g_coefficient);
        assert_eq!(a.replicates, 200);
        assert!(a.defined > 190);
        for (ci, est) in [(a.g_coefficient, a.d.g_coefficient), (a.phi_coefficient, a.d.phi_coefficient)] {
            assert!(ci.low < est && est < ci.high, "{ci:?} {est}");
            assert!(ci.low >= 0.0 && ci.high <= 1.0);
        }
        // REML replicates (unbalanced nested data), warm-started.
        let du = csv(DS4U, "person", &["task", "rater"]);
        let gu = g_study(&du, &px_r_in_t(), "person", Method::Reml).unwrap();
        let r1 = d_study_bootstrap(&du, &gu, &[3.0, 4.0], &[false, false], 40, 7, 0.9).unwrap();
        let r2 = d_study_bootstrap(&du, &gu, &[3.0, 4.0], &[false, false], 40, 7, 0.9).unwrap();
        assert_eq!(r1, r2);
        assert!(r1.phi_coefficient.low <= r1.d.phi_coefficient && r1.d.phi_coefficient <= r1.phi_coefficient.high);
        assert!(d_study_bootstrap(&data, &g, &[4.0, 2.0], &[false, false], 5, 1, 0.95).is_err());
        assert!(d_study_bootstrap(&data, &g, &[4.0, 2.0], &[false, false], 50, 1, 1.5).is_err());
    }

    #[test]
    fn norm_inter_matches_boot() {
        // R 4.2.2, boot 1.3: boot:::norm.inter(1:99, c(.025, .975)).
        let v: Vec<f64> = (1..=99).map(|i| i as f64).collect();
        close(norm_inter(&v, 0.025), 2.5422494988397579, 1e-12);
        close(norm_inter(&v, 0.975), 97.4577505011602483, 1e-12);
        // Integral (R + 1)p takes the order statistic; k = 0 or k ≥ R the extremes.
        let v: Vec<f64> = (1..=199).map(|i| i as f64).collect();
        close(norm_inter(&v, 0.025), 5.0, 1e-12);
        close(norm_inter(&v, 0.975), 195.0, 1e-12);
        let iv = percentile(vec![0.3, 0.1, 0.7, 0.2, 0.9, 0.4, 0.8, 0.05, 0.6, 0.5, 0.35, 0.45], 0.9);
        assert_eq!((iv.low, iv.high), (0.05, 0.9));
    }
}
