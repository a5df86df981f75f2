//! lavaan model syntax (the CFA subset) → a parameter table.
//!
//! Statements are separated by `;` or newlines, `#` starts a comment. Two operators:
//! `f =~ x1 + x2 + x3` (f is measured by x1..x3) and `a ~~ b` (a (residual) covariance or
//! variance; between two factors a factor covariance). A term may carry a numeric
//! pre-multiplier that fixes the parameter (`1*x1`, `0*f2`) or `NA*` that frees it (`NA*x1`,
//! the marker loading under `--std-lv`-like identification). The first loading of each factor is
//! fixed to 1 unless `std_lv` (then factor variances are fixed to 1 and every loading is free).
//! Factor covariances are free by default, as lavaan `cfa()`.

use std::collections::BTreeMap;

/// What kind of parameter: a loading of item `i` on factor `k`; a factor (co)variance
/// `ψ_kl` (k ≤ l); a residual (co)variance `θ_ij` (i ≤ j).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Loading(usize, usize),
    FactorCov(usize, usize),
    Resid(usize, usize),
}

/// One parameter: its kind, whether it is estimated, and its (start or fixed) value.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub kind: Kind,
    pub free: bool,
    pub value: f64,
}

/// A parsed model: observed variables (in order of first appearance), factors, parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub observed: Vec<String>,
    pub factors: Vec<String>,
    pub params: Vec<Param>,
}

/// A syntax error: the statement, what was found and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub statement: String,
    pub found: String,
    pub expected: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "in statement '{}': found {}, expected {}", self.statement, self.found, self.expected)
    }
}

/// A term of a statement: the name and its pre-multiplier (`None`: default; `Some(None)`: NA*,
/// freed; `Some(Some(v))`: fixed at v).
type Term = (String, Option<Option<f64>>);

struct Stmt {
    text: String,
    lhs: String,
    op: &'static str,
    terms: Vec<Term>,
}

fn err(statement: &str, found: impl Into<String>, expected: &str) -> SyntaxError {
    SyntaxError { statement: statement.to_string(), found: found.into(), expected: expected.to_string() }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

fn parse_term(stmt: &str, t: &str) -> Result<Term, SyntaxError> {
    let t = t.trim();
    if t.is_empty() {
        return Err(err(stmt, "an empty term", "a variable name between '+' signs"));
    }
    let (mult, name) = match t.split_once('*') {
        Some((m, n)) => {
            let m = m.trim();
            let v = if m.eq_ignore_ascii_case("NA") {
                None
            } else {
                Some(m.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    err(stmt, format!("pre-multiplier '{m}'"), "a number (1*x1) or NA (NA*x1) before '*'")
                })?)
            };
            (Some(v), n.trim())
        }
        None => (None, t),
    };
    if !valid_name(name) {
        return Err(err(stmt, format!("'{name}'"), "a variable name (letters, digits, '_' or '.')"));
    }
    Ok((name.to_string(), mult))
}

fn parse_statements(syntax: &str) -> Result<Vec<Stmt>, SyntaxError> {
    let mut out = Vec::new();
    for line in syntax.lines() {
        let line = line.split('#').next().unwrap_or("");
        for s in line.split(';') {
            let s = s.trim();
            if s.is_empty() {
                continue;
            }
            let (op, (lhs, rhs)) = if let Some(x) = s.split_once("=~") {
                ("=~", x)
            } else if let Some(x) = s.split_once("~~") {
                ("~~", x)
            } else {
                return Err(err(s, "no operator", "'=~' (factor =~ items) or '~~' (a ~~ b)"));
            };
            let lhs = lhs.trim();
            if !valid_name(lhs) {
                return Err(err(s, format!("left-hand side '{lhs}'"), "one variable or factor name"));
            }
            if rhs.contains("=~") || rhs.contains("~~") || rhs.contains('~') && !rhs.contains("~~") {
                return Err(err(s, "a second operator", "one operator per statement"));
            }
            let terms = rhs.split('+').map(|t| parse_term(s, t)).collect::<Result<Vec<_>, _>>()?;
            out.push(Stmt { text: s.to_string(), lhs: lhs.to_string(), op, terms });
        }
    }
    if out.is_empty() {
        return Err(err("", "an empty model", "at least one 'factor =~ item + item' statement"));
    }
    Ok(out)
}

fn index_of(names: &mut Vec<String>, n: &str) -> usize {
    names.iter().position(|x| x == n).unwrap_or_else(|| {
        names.push(n.to_string());
        names.len() - 1
    })
}

/// Parse lavaan syntax into a model. `std_lv`: factor variances fixed to 1 and all loadings free
/// (otherwise the first loading of each factor is the marker, fixed to 1). `resid_variances`:
/// include free residual variances θ_ii (ML; the delta parameterization of WLSMV has none).
pub fn parse_model(syntax: &str, std_lv: bool, resid_variances: bool) -> Result<Model, SyntaxError> {
    let stmts = parse_statements(syntax)?;
    let mut factors: Vec<String> = Vec::new();
    for s in stmts.iter().filter(|s| s.op == "=~") {
        if factors.contains(&s.lhs) {
            return Err(err(&s.text, format!("factor '{}' defined twice", s.lhs), "one '=~' statement per factor"));
        }
        factors.push(s.lhs.clone());
    }
    let mut observed: Vec<String> = Vec::new();
    let mut loadings: BTreeMap<Kind, Param> = BTreeMap::new();
    for s in stmts.iter().filter(|s| s.op == "=~") {
        let k = factors.iter().position(|f| *f == s.lhs).expect("factor");
        for (pos, (name, mult)) in s.terms.iter().enumerate() {
            if factors.contains(name) {
                return Err(err(
                    &s.text,
                    format!("factor '{name}' as an indicator"),
                    "observed items (no second-order factors)",
                ));
            }
            let i = index_of(&mut observed, name);
            let marker = pos == 0 && !std_lv;
            let (free, value) = match mult {
                None => (!marker, 1.0),
                Some(None) => (true, 1.0),
                Some(Some(v)) => (false, *v),
            };
            if loadings.insert(Kind::Loading(i, k), Param { kind: Kind::Loading(i, k), free, value }).is_some() {
                return Err(err(&s.text, format!("'{name}' twice"), "each item once per factor"));
            }
        }
    }
    let mut covs: BTreeMap<Kind, Param> = BTreeMap::new();
    let m = factors.len();
    for k in 0..m {
        let fixed_var = std_lv;
        covs.insert(
            Kind::FactorCov(k, k),
            Param { kind: Kind::FactorCov(k, k), free: !fixed_var, value: if fixed_var { 1.0 } else { 0.05 } },
        );
        for l in k + 1..m {
            covs.insert(Kind::FactorCov(k, l), Param { kind: Kind::FactorCov(k, l), free: true, value: 0.0 });
        }
    }
    if resid_variances {
        for i in 0..observed.len() {
            covs.insert(Kind::Resid(i, i), Param { kind: Kind::Resid(i, i), free: true, value: 1.0 });
        }
    }
    for s in stmts.iter().filter(|s| s.op == "~~") {
        for (name, mult) in &s.terms {
            let kind = match (factors.iter().position(|f| *f == s.lhs), factors.iter().position(|f| f == name)) {
                (Some(a), Some(b)) => Kind::FactorCov(a.min(b), a.max(b)),
                (None, None) => {
                    let (a, b) = (observed.iter().position(|x| *x == s.lhs), observed.iter().position(|x| x == name));
                    match (a, b) {
                        (Some(a), Some(b)) => Kind::Resid(a.min(b), a.max(b)),
                        _ => {
                            return Err(err(
                                &s.text,
                                format!("'{}' or '{name}' not measuring any factor", s.lhs),
                                "items named in a '=~' statement",
                            ))
                        }
                    }
                }
                _ => {
                    return Err(err(
                        &s.text,
                        "a factor with an item",
                        "two factors or two items on either side of '~~'",
                    ))
                }
            };
            if let Kind::Resid(a, b) = kind {
                if a == b && !resid_variances {
                    return Err(err(
                        &s.text,
                        "a residual variance of an ordered item",
                        "covariances between different items (the delta parameterization fixes residual variances)",
                    ));
                }
            }
            let (free, value) = match mult {
                None | Some(None) => (true, covs.get(&kind).map(|p| p.value).unwrap_or(0.0)),
                Some(Some(v)) => (false, *v),
            };
            covs.insert(kind, Param { kind, free, value });
        }
    }
    let mut params: Vec<Param> = loadings.into_values().collect();
    params.sort_by_key(|p| match p.kind {
        Kind::Loading(i, k) => (k, i),
        _ => (0, 0),
    });
    params.extend(covs.into_values());
    Ok(Model { observed, factors, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hs_model_with_markers_and_free_covariances() {
        let m =
            parse_model("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", false, true).unwrap();
        assert_eq!(m.factors, vec!["visual", "textual", "speed"]);
        assert_eq!(m.observed.len(), 9);
        // 6 free loadings + 3 factor variances + 3 covariances + 9 residual variances = 21 (lavaan npar)
        assert_eq!(m.params.iter().filter(|p| p.free).count(), 21);
        let marker = m.params.iter().find(|p| p.kind == Kind::Loading(0, 0)).unwrap();
        assert!(!marker.free && marker.value == 1.0);
    }

    #[test]
    fn std_lv_frees_loadings_and_fixes_variances() {
        let m = parse_model("f =~ a + b + c", true, true).unwrap();
        assert!(m.params.iter().filter(|p| matches!(p.kind, Kind::Loading(..))).all(|p| p.free));
        let v = m.params.iter().find(|p| p.kind == Kind::FactorCov(0, 0)).unwrap();
        assert!(!v.free && v.value == 1.0);
    }

    #[test]
    fn fixed_factor_covariance_and_residual_covariance() {
        let m = parse_model("f1 =~ a + b + c; f2 =~ d + e + g; f1 ~~ 0*f2; a ~~ d", false, true).unwrap();
        let c = m.params.iter().find(|p| p.kind == Kind::FactorCov(0, 1)).unwrap();
        assert!(!c.free && c.value == 0.0);
        assert!(m.params.iter().any(|p| p.kind == Kind::Resid(0, 3) && p.free));
    }

    #[test]
    fn syntax_errors_name_the_statement() {
        let e = parse_model("f =~ a + + b", false, true).unwrap_err();
        assert_eq!(e.statement, "f =~ a + + b");
        assert!(e.expected.contains("variable name"));
        let e = parse_model("f =~ a + b; g ~ a", false, true).unwrap_err();
        assert_eq!(e.statement, "g ~ a");
        assert!(e.expected.contains("=~"));
        let e = parse_model("f =~ x*a", false, true).unwrap_err();
        assert!(e.found.contains("pre-multiplier"));
        let e = parse_model("f =~ a + b; a ~~ zz", false, true).unwrap_err();
        assert!(e.found.contains("zz"));
    }
}
