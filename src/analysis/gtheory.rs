//! Records of a G study and its D studies (`stat gstudy`; the dependability tables of the
//! study): `variance_component` per effect; `g_coefficient`, `phi_coefficient`, `sem_relative`,
//! `sem_absolute` for the observed design and every D-study combination, each with
//! `n_<facet>` for every facet and `design` = `observed` | `d_study`.

use super::{sub_seed, StatOpts};
use crate::results::Record;
use crate::stats::gtheory::{self, DResult, Design, GStudy, LongData, Method};
use crate::stats::Na;

/// What to compute: the data, the design, the object's name and the D-study sample sizes (one
/// vector per combination, in facet order; `None` keeps the facet's observed size); `fixed` flags
/// facets averaged over (mixed model).
pub struct GRequest<'a> {
    pub data: &'a LongData,
    pub design: &'a Design,
    pub object: &'a str,
    pub method: Option<Method>,
    pub d_studies: Vec<Vec<Option<f64>>>,
    pub fixed: Vec<bool>,
}

/// The method's name in records (`method`).
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::Anova => "ANOVA (expected mean squares)",
        Method::Reml => "REML",
    }
}

/// One `variance_component` record per effect of a fitted G study.
pub fn component_records(g: &GStudy) -> Vec<Record> {
    g.components
        .iter()
        .map(|c| {
            let mut r = Record::new("variance_component", Ok(c.variance))
                .n(g.n_scores)
                .ctx("effect", c.effect.name.as_str())
                .ctx("share", c.share)
                .ctx("raw", c.raw)
                .ctx("levels", c.levels)
                .ctx("method", method_name(g.method));
            for (k, v) in [("ss", c.ss), ("df", c.df), ("ms", c.ms)] {
                if let Some(v) = v {
                    r = r.ctx(k, v);
                }
            }
            r
        })
        .collect()
}

/// The four D-study records of one combination of sample sizes (`design` = `observed` or `d_study`).
pub fn d_records(g: &GStudy, d: &DResult, design: &str) -> Vec<Record> {
    let tag = |mut r: Record| {
        for (f, n) in g.design.facets.iter().zip(&d.n) {
            r = r.ctx(&format!("n_{}", f.name), *n);
        }
        let fixed: Vec<&str> =
            g.design.facets.iter().zip(&d.fixed).filter(|(_, x)| **x).map(|(f, _)| f.name.as_str()).collect();
        if !fixed.is_empty() {
            r = r.ctx("fixed", fixed.join(","));
        }
        r.n(g.n_objects).ctx("design", design).ctx("method", method_name(g.method))
    };
    vec![
        tag(Record::new("g_coefficient", Ok(d.g_coefficient))),
        tag(Record::new("phi_coefficient", Ok(d.phi_coefficient))),
        tag(Record::new("sem_relative", Ok(d.sem_relative))),
        tag(Record::new("sem_absolute", Ok(d.sem_absolute))),
    ]
}

/// Every record of a G study and its D studies; a seeded bootstrap over objects gives CIs for
/// Eρ² and Φ of the observed design when `o.bootstrap > 0`.
pub fn gstudy_records(req: &GRequest, o: &StatOpts, label: &str) -> Vec<Record> {
    match fit(req) {
        Ok(g) => g_records(&g, req, o, label),
        Err(na) => vec![Record::new("variance_component", Err(na))],
    }
}

/// The G study of a request, with its method or the default one (ANOVA if balanced, else REML).
pub fn fit(req: &GRequest) -> Result<GStudy, Na> {
    fit_shared(req, None)
}

/// [`fit`], reusing a REML set-up built on the same design and rows
/// ([`gtheory::g_study_shared`]; other rows are set up anew).
pub fn fit_shared(req: &GRequest, setup: Option<&gtheory::RemlSetup>) -> Result<GStudy, Na> {
    match req.method {
        Some(m) => gtheory::g_study_shared(req.data, req.design, req.object, m, setup),
        None => gtheory::g_study_default(req.data, req.design, req.object, setup),
    }
}

/// The records of a G study already fitted from `req` (see [`gstudy_records`]).
pub fn g_records(g: &GStudy, req: &GRequest, o: &StatOpts, label: &str) -> Vec<Record> {
    let mut out = component_records(g);
    let observed = g.sample_sizes.clone();
    match gtheory::d_study(g, &observed, &req.fixed) {
        Ok(d) => {
            let mut recs = d_records(g, &d, "observed");
            if o.bootstrap > 0 {
                let seed = sub_seed(o.seed, &format!("gstudy/{label}"));
                if let Ok(ci) =
                    gtheory::d_study_bootstrap(req.data, g, &observed, &req.fixed, o.bootstrap, seed, o.ci_level)
                {
                    let m = "percentile bootstrap over objects of measurement";
                    recs[0] = recs[0].clone().ci(ci.g_coefficient.low, ci.g_coefficient.high, o.ci_level, m);
                    recs[1] = recs[1].clone().ci(ci.phi_coefficient.low, ci.phi_coefficient.high, o.ci_level, m);
                    recs[0] = recs[0].clone().ctx("bootstrap_replicates", ci.defined);
                    recs[1] = recs[1].clone().ctx("bootstrap_replicates", ci.defined);
                }
            }
            out.extend(recs);
        }
        Err(na) => out.push(Record::new("g_coefficient", Err(na))),
    }
    for sizes in &req.d_studies {
        let n: Vec<f64> = sizes.iter().zip(&observed).map(|(s, o)| s.unwrap_or(*o)).collect();
        match gtheory::d_study(g, &n, &req.fixed) {
            Ok(d) => out.extend(d_records(g, &d, "d_study")),
            Err(na) => out.push(Record::new("g_coefficient", Err(na)).ctx("design", "d_study")),
        }
    }
    out
}
