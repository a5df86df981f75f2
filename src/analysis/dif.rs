//! DIF records (`checkval stat dif`): Mantel–Haenszel and logistic-regression DIF with
//! Benjamini–Hochberg adjusted p-values across items (see `stats::dif`).

use crate::results::Record;
use crate::stats::correlation::bh_adjust;
use crate::stats::dif::{logistic_dif_items, mh_dif_items, r2_classes, LrTest};

/// Items as category codes (persons × items, complete rows), the focal indicator and the names.
pub struct DifData<'a> {
    pub x: &'a [Vec<u8>],
    pub focal: &'a [bool],
    pub items: &'a [String],
}

fn flagged_names(anchor: &[bool], items: &[String]) -> String {
    items.iter().zip(anchor).filter(|(_, a)| !**a).map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(",")
}

fn purification_record(method: &str, anchor: &[bool], items: &[String], iterations: usize) -> Record {
    Record::new("dif_purification_iterations", Ok(iterations as f64))
        .ctx("method", method)
        .ctx("flagged", flagged_names(anchor, items))
}

/// Mantel–Haenszel records (binary items only).
fn mh_records(d: &DifData, purify: bool, n: usize) -> Vec<Record> {
    if d.x.iter().any(|r| r.iter().any(|v| *v > 1)) {
        return vec![Record::na("mh_d_dif", "Mantel–Haenszel DIF needs binary (0/1) items").n(n)];
    }
    let (res, anchor, it) = mh_dif_items(d.x, d.focal, purify);
    let padj = bh_adjust(&res.iter().map(|r| r.as_ref().ok().map(|m| m.p)).collect::<Vec<_>>());
    let mut out = Vec::new();
    for (k, r) in res.iter().enumerate() {
        let item = d.items[k].as_str();
        match r {
            Ok(m) => {
                let mut delta = Record::new("mh_d_dif", Ok(m.delta))
                    .se(m.se_delta)
                    .p(m.p)
                    .n(n)
                    .ctx("item", item)
                    .ctx("alpha_mh", m.alpha)
                    .ctx("ets_class", m.ets.as_str())
                    .ctx("strata", m.strata);
                let mut chi = Record::new("mh_chisq", Ok(m.chisq)).p(m.p).n(n).ctx("item", item).ctx("df", 1);
                if let Some(pa) = padj[k] {
                    delta = delta.ctx("p_adjusted", pa);
                    chi = chi.ctx("p_adjusted", pa);
                }
                out.push(delta);
                out.push(chi);
            }
            Err(e) => out.push(Record::na("mh_d_dif", e.0.clone()).n(n).ctx("item", item)),
        }
    }
    if purify {
        out.push(purification_record("mantel-haenszel", &anchor, d.items, it));
    }
    out
}

/// Logistic / cumulative-logit records.
fn lr_records(d: &DifData, purify: bool, n: usize) -> Vec<Record> {
    let (res, anchor, it) = logistic_dif_items(d.x, d.focal, purify);
    let mut out = Vec::new();
    for (t, test) in LrTest::ALL.iter().enumerate() {
        let padj = bh_adjust(&res.iter().map(|r| r.as_ref().ok().map(|m| m.p[t])).collect::<Vec<_>>());
        for (k, r) in res.iter().enumerate() {
            let item = d.items[k].as_str();
            match r {
                Ok(m) => {
                    let model = if m.categories > 2 { "cumulative logit" } else { "logistic" };
                    let mut chi = Record::new("lr_dif_chisq", Ok(m.chisq[t]))
                        .p(m.p[t])
                        .n(n)
                        .ctx("item", item)
                        .ctx("test", test.as_str())
                        .ctx("df", m.df[t])
                        .ctx("model", model);
                    if let Some(pa) = padj[k] {
                        chi = chi.ctx("p_adjusted", pa);
                    }
                    let (zt, jg) = r2_classes(m.delta_r2[t], m.p[t]);
                    out.push(chi);
                    out.push(
                        Record::new("nagelkerke_delta_r2", Ok(m.delta_r2[t]))
                            .n(n)
                            .ctx("item", item)
                            .ctx("test", test.as_str())
                            .ctx("model", model)
                            .ctx("zumbo_thomas", zt.as_str())
                            .ctx("jodoin_gierl", jg.as_str()),
                    );
                }
                Err(e) => {
                    out.push(Record::na("lr_dif_chisq", e.0.clone()).n(n).ctx("item", item).ctx("test", test.as_str()))
                }
            }
        }
    }
    if purify {
        out.push(purification_record("logistic", &anchor, d.items, it));
    }
    out
}

/// Every DIF record: MH (binary items), then logistic regression, each optionally purified. NA
/// with the reason when a group is empty.
pub fn dif_records(d: &DifData, purify: bool) -> Vec<Record> {
    let n = d.x.len();
    let nf = d.focal.iter().filter(|f| **f).count();
    if nf == 0 || nf == n {
        return vec![Record::na("mh_d_dif", "DIF needs persons in both the reference and the focal group").n(n)];
    }
    let mut out = mh_records(d, purify, n);
    out.extend(lr_records(d, purify, n));
    out
}
