//! IRT records (`checkval stat irt`): item parameters with SEs, fit indices, item fit, information
//! and marginal reliability (see `stats::irt`).

use crate::results::Record;
use crate::stats::irt::{fit_irt, item_information, test_information, IrtFit, IrtModel};

/// The θ grid of the information records: −4 to 4 by 0.5.
pub fn theta_grid() -> Vec<f64> {
    (0..=16).map(|i| -4.0 + 0.5 * i as f64).collect()
}

fn fit_records(f: &IrtFit, items: &[String]) -> Vec<Record> {
    let model = f.model.name();
    let tag = |r: Record| {
        let r = r.ctx("model", model);
        if f.converged {
            r
        } else {
            r.ctx("warning", "marginal ML did not reach its tolerance")
        }
    };
    let mut out = Vec::new();
    for (k, item) in items.iter().enumerate() {
        out.push(tag(Record::new("difficulty", Ok(f.difficulty[k]))
            .se(f.se_difficulty[k])
            .n(f.n_persons)
            .ctx("item", item.as_str())));
        let mut d = Record::new("discrimination", Ok(f.discrimination[k])).n(f.n_persons).ctx("item", item.as_str());
        match &f.se_discrimination {
            Some(se) => d = d.se(se[k]),
            None => d = d.ctx("fixed", true),
        }
        out.push(tag(d));
    }
    let ic = |name: &str, v: f64| tag(Record::new(name, Ok(v)).n(f.n_persons).ctx("n_par", f.n_par));
    out.push(ic("loglik", f.loglik).ctx("n_patterns", f.n_patterns));
    out.push(ic("aic", f.aic));
    out.push(ic("bic", f.bic));
    for (k, item) in items.iter().enumerate() {
        let how = "EAP theta, mean square";
        out.push(tag(Record::new("infit", Ok(f.infit[k])).ctx("item", item.as_str()).ctx("method", how)));
        out.push(tag(Record::new("outfit", Ok(f.outfit[k])).ctx("item", item.as_str()).ctx("method", how)));
    }
    for t in theta_grid() {
        for (k, item) in items.iter().enumerate() {
            let v = item_information(f.discrimination[k], f.difficulty[k], t);
            out.push(tag(Record::new("item_information", Ok(v)).ctx("item", item.as_str()).ctx("theta", t)));
        }
        let v = test_information(&f.discrimination, &f.difficulty, t);
        out.push(tag(Record::new("test_information", Ok(v)).ctx("theta", t)));
    }
    out.push(tag(Record::new("marginal_reliability", Ok(f.marginal_reliability)).n(f.n_persons)));
    out
}

/// IRT records for binary `responses` (persons × items); NA records with the reason when the
/// model cannot be fitted (an item without variation, too few persons).
pub fn irt_records(responses: &[Vec<Option<u8>>], items: &[String], model: IrtModel, n_quad: usize) -> Vec<Record> {
    match fit_irt(responses, model, n_quad) {
        Ok(f) => fit_records(&f, items),
        Err(e) => vec![Record::na("difficulty", e.0).ctx("model", model.name())],
    }
}
