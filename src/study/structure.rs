//! The study's structure and item-functioning analyses:
//! - CFA of the checklist's subscale model on its item codes (WLSMV, every item ordered), on the
//!   primary observations with complete answers;
//! - CFA of the CLASS domain model on classroom dimension scores (ML);
//! - EFA of the checklist items (Pearson correlations, minres, oblimin) with parallel analysis
//!   choosing the number of factors, compared with the spec's number of subscales;
//! - 2PL IRT of the binary items (marginal ML; missing answers are skipped in the likelihood);
//! - DIF of the binary items (Mantel–Haenszel and logistic regression, purified, BH across
//!   items) by the classroom's age group and by each roster attribute in `analysis.dif_groups`:
//!   every level against the largest one (the reference).
//!
//! Every record carries `analysis` (`cfa`, `efa`, `irt`, `dif`) and what it is about, so the report
//! and the items-to-review table can find it.

use super::ingest::Role;
use super::pipeline::StudyData;
use super::score::{code_value, item_value_table};
use super::spec::{ItemType, Study};
use crate::analysis::dif::{dif_records, DifData};
use crate::analysis::efa::{efa_records, CorKind, EfaRequest, Factors};
use crate::analysis::irt::irt_records;
use crate::analysis::{cfa::cfa_records, sub_seed, StatOpts};
use crate::results::Record;
use crate::stats::cfa::{fit_cfa, CfaError, CfaOptions, Estimator};
use crate::stats::efa::{FitMethod, Rotation};
use crate::stats::irt::IrtModel;
use crate::stats::Na;
use std::collections::BTreeMap;

/// Adds `kv` to every record.
fn tag(mut recs: Vec<Record>, kv: &[(&str, &str)]) -> Vec<Record> {
    for r in &mut recs {
        for (k, v) in kv {
            r.context.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    recs
}

/// The primary observations' item codes as values (reverse-scored items reflected; `None` for
/// not applicable or missing), one row per observation.
fn item_rows(study: &Study, d: &StudyData) -> (Vec<usize>, Vec<Vec<Option<f64>>>) {
    let vt = item_value_table(study);
    let cl = &d.checklist;
    let obs: Vec<usize> = (0..cl.meta.len()).filter(|&i| cl.meta[i].role == Role::Primary).collect();
    let rows = obs.iter().map(|&i| (0..cl.n_items).map(|j| code_value(&vt, j, cl.row(i)[j])).collect()).collect();
    (obs, rows)
}

/// A name lavaan's syntax accepts: letters, digits and `_`, not starting with a digit.
fn ident(s: &str) -> String {
    let mut out: String = s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if out.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.insert(0, 'f');
    }
    out
}

pub fn structure_records(study: &Study, d: &StudyData, o: &StatOpts) -> Vec<Record> {
    let (obs, rows) = item_rows(study, d);
    let mut out = checklist_cfa(study, &rows, o);
    out.extend(class_cfa(study, d, o));
    out.extend(checklist_efa(study, &rows, o));
    let binary: Vec<usize> = (0..study.spec.checklist.items.len())
        .filter(|&j| study.spec.checklist.items[j].kind == ItemType::Binary)
        .collect();
    out.extend(checklist_irt(study, &rows, &binary));
    out.extend(checklist_dif(study, d, &obs, &rows, &binary));
    out
}

/// Complete rows of the given columns, as columns (what `fit_cfa` takes).
fn complete_columns(rows: &[Vec<Option<f64>>], cols: &[usize]) -> Vec<Vec<f64>> {
    let complete: Vec<&Vec<Option<f64>>> = rows.iter().filter(|r| cols.iter().all(|&j| r[j].is_some())).collect();
    cols.iter().map(|&j| complete.iter().map(|r| r[j].unwrap_or(0.0)).collect()).collect()
}

fn cfa_fit_records(cols: &[Vec<f64>], names: &[String], model: &str, est: Estimator, o: &StatOpts) -> Vec<Record> {
    let fit = fit_cfa(cols, names, model, &CfaOptions { estimator: est, std_lv: false }).map_err(|e| match e {
        CfaError::Na(na) => na,
        other => Na::new(other.to_string()),
    });
    let n = cols.first().map_or(0, |c| c.len());
    cfa_records(&fit, est, o).into_iter().map(|r| if r.n.is_none() { r.n(n) } else { r }).collect()
}

/// WLSMV CFA of the checklist's subscales (items that vary in the complete rows; subscales with
/// at least two such items).
fn checklist_cfa(study: &Study, rows: &[Vec<Option<f64>>], o: &StatOpts) -> Vec<Record> {
    let items = &study.spec.checklist.items;
    let varies = |j: usize| {
        let mut vals = rows.iter().filter_map(|r| r[j]);
        vals.next().is_some_and(|first| vals.any(|v| v != first))
    };
    let mut by_sub: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for j in (0..items.len()).filter(|&j| varies(j)) {
        by_sub.entry(items[j].subscale.as_str()).or_default().push(j);
    }
    by_sub.retain(|_, v| v.len() >= 2);
    let cols: Vec<usize> = study.subscales.iter().filter_map(|s| by_sub.get(s.as_str())).flatten().copied().collect();
    let kv = [("analysis", "cfa"), ("model", "checklist_subscales")];
    if by_sub.len() < 2 {
        return tag(
            vec![Record::na("cfi_scaled", "the CFA needs at least two subscales with two varying items each")],
            &kv,
        );
    }
    let model: Vec<String> = study
        .subscales
        .iter()
        .filter_map(|s| by_sub.get(s.as_str()).map(|js| (s, js)))
        .map(|(s, js)| {
            format!("{} =~ {}", ident(s), js.iter().map(|&j| ident(&items[j].id)).collect::<Vec<_>>().join(" + "))
        })
        .collect();
    let names: Vec<String> = cols.iter().map(|&j| ident(&items[j].id)).collect();
    let data = complete_columns(rows, &cols);
    tag(cfa_fit_records(&data, &names, &model.join("; "), Estimator::Wlsmv, o), &kv)
}

/// ML CFA of the CLASS domain model on classroom dimension scores.
fn class_cfa(study: &Study, d: &StudyData, o: &StatOpts) -> Vec<Record> {
    let Some(inst) = &study.instrument else { return Vec::new() };
    let rooms = &d.classrooms;
    let kv = [("analysis", "cfa"), ("model", "class_domains")];
    let mut model = Vec::new();
    let mut names = Vec::new();
    for dom in &inst.domains {
        let dims: Vec<&str> =
            inst.dimensions.iter().filter(|x| x.domain == dom.code).map(|x| x.code.as_str()).collect();
        if dims.len() >= 2 {
            model.push(format!(
                "{} =~ {}",
                ident(&dom.code),
                dims.iter().map(|c| ident(c)).collect::<Vec<_>>().join(" + ")
            ));
            names.extend(dims.iter().map(|c| c.to_string()));
        }
    }
    let cols: Vec<&[Option<f64>]> = names.iter().filter_map(|c| rooms.column(&format!("class_{c}"))).collect();
    if model.is_empty() || cols.len() != names.len() {
        return tag(vec![Record::na("cfi", "no CLASS dimension scores for the domain model")], &kv);
    }
    let keep: Vec<usize> = (0..rooms.len()).filter(|&r| cols.iter().all(|c| c[r].is_some())).collect();
    let data: Vec<Vec<f64>> = cols.iter().map(|c| keep.iter().map(|&r| c[r].unwrap_or(0.0)).collect()).collect();
    let names: Vec<String> = names.iter().map(|c| ident(c)).collect();
    tag(cfa_fit_records(&data, &names, &model.join("; "), Estimator::Ml, o), &kv)
}

/// EFA with parallel analysis on the checklist items (Pearson, minres, oblimin), and a
/// `subscales_vs_parallel` record comparing the retained factors with the spec's subscales.
fn checklist_efa(study: &Study, rows: &[Vec<Option<f64>>], o: &StatOpts) -> Vec<Record> {
    let names: Vec<String> = study.spec.checklist.items.iter().map(|i| i.id.clone()).collect();
    let req = EfaRequest {
        factors: Factors::Auto,
        method: FitMethod::Minres,
        rotation: Rotation::Oblimin,
        cor: CorKind::Pearson,
        seed: sub_seed(o.seed, "efa"),
        n_iter: 20,
    };
    let mut out = efa_records(rows, &names, &req);
    let k_pa = out.iter().find(|r| r.statistic == "parallel_analysis_factors").and_then(|r| r.estimate);
    let n_sub = study.subscales.len();
    out.push(match k_pa {
        Some(k) => Record::new("subscales_vs_parallel", Ok(k - n_sub as f64))
            .ctx("parallel_analysis_factors", k)
            .ctx("subscales", n_sub),
        None => Record::na("subscales_vs_parallel", "parallel analysis did not run"),
    });
    tag(out, &[("analysis", "efa"), ("instrument", "checklist")])
}

/// 2PL IRT of the binary items.
fn checklist_irt(study: &Study, rows: &[Vec<Option<f64>>], binary: &[usize]) -> Vec<Record> {
    let kv = [("analysis", "irt"), ("instrument", "checklist")];
    if binary.len() < 3 {
        return tag(vec![Record::na("discrimination", "IRT needs at least 3 binary items")], &kv);
    }
    let names: Vec<String> = binary.iter().map(|&j| study.spec.checklist.items[j].id.clone()).collect();
    let resp: Vec<Vec<Option<u8>>> =
        rows.iter().map(|r| binary.iter().map(|&j| r[j].map(|v| u8::from(v > 0.5))).collect()).collect();
    tag(irt_records(&resp, &names, IrtModel::TwoPl, 21), &kv)
}

/// The DIF groupings: the age group of each observation's classroom, then each roster attribute
/// named in `analysis.dif_groups` (through the observation's center).
fn dif_groupings(study: &Study, d: &StudyData, obs: &[usize]) -> Vec<(String, Vec<Option<String>>)> {
    let meta = &d.checklist.meta;
    let mut out = Vec::new();
    let age: Vec<Option<String>> = obs.iter().map(|&i| meta[i].age_group.as_deref().map(str::to_string)).collect();
    if age.iter().any(|a| a.is_some()) {
        out.push(("age_group".to_string(), age));
    }
    if let Some(roster) = &d.roster {
        for g in &study.spec.analysis.dif_groups {
            let Some(ai) = roster.attributes.iter().position(|a| a == g) else { continue };
            let vals = obs
                .iter()
                .map(|&i| roster.centers.get(&*meta[i].center).map(|v| v[ai].clone()).filter(|v| !v.is_empty()))
                .collect();
            out.push((g.clone(), vals));
        }
    }
    out
}

/// DIF of the binary items for every grouping: each level against the largest level, on the
/// observations with complete binary answers.
fn checklist_dif(
    study: &Study,
    d: &StudyData,
    obs: &[usize],
    rows: &[Vec<Option<f64>>],
    binary: &[usize],
) -> Vec<Record> {
    let names: Vec<String> = binary.iter().map(|&j| study.spec.checklist.items[j].id.clone()).collect();
    let complete: Vec<usize> = (0..rows.len()).filter(|&r| binary.iter().all(|&j| rows[r][j].is_some())).collect();
    let x: Vec<Vec<u8>> =
        complete.iter().map(|&r| binary.iter().map(|&j| u8::from(rows[r][j].unwrap_or(0.0) > 0.5)).collect()).collect();
    let mut out = Vec::new();
    for (grouping, vals) in dif_groupings(study, d, obs) {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for &r in &complete {
            if let Some(v) = &vals[r] {
                *count.entry(v.as_str()).or_default() += 1;
            }
        }
        let Some(reference) = count.iter().max_by_key(|(_, n)| **n).map(|(l, _)| l.to_string()) else { continue };
        for focal in count.keys().filter(|l| **l != reference) {
            let keep: Vec<usize> = (0..complete.len())
                .filter(|&k| vals[complete[k]].as_deref().is_some_and(|v| v == reference || v == *focal))
                .collect();
            let xs: Vec<Vec<u8>> = keep.iter().map(|&k| x[k].clone()).collect();
            let is_focal: Vec<bool> = keep.iter().map(|&k| vals[complete[k]].as_deref() == Some(*focal)).collect();
            let recs = dif_records(&DifData { x: &xs, focal: &is_focal, items: &names }, true);
            out.extend(tag(
                recs,
                &[("analysis", "dif"), ("grouping", &grouping), ("reference", &reference), ("focal", focal)],
            ));
        }
    }
    out
}
