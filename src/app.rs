//! The composition root: `run` wires ingest, statistics, figures and the report together and
//! writes every output atomically. It sits above `study` and `report` so neither imports the other.

use crate::io::atomic::write_atomic_str;
use crate::report;
use crate::study::pipeline::{self, RunOptions};
use crate::study::spec::Study;
use anyhow::Result;
use std::path::Path;

pub struct RunSummary {
    pub n_records: usize,
    pub problems: usize,
    pub quality_lines: Vec<String>,
}

/// Which analysis sections to compute.
#[derive(Debug, Clone, Copy)]
pub struct Sections {
    pub reliability: bool,
    pub validity: bool,
}

impl Sections {
    pub fn all() -> Self {
        Sections { reliability: true, validity: true }
    }
}

/// Every record `run` computes (descriptives, reliability, dependability, observers, validity),
/// for commands that need them without writing the report.
pub fn all_records(study: &Study, data: &pipeline::StudyData) -> Vec<crate::results::Record> {
    let mut records = pipeline::descriptive_records(study, data);
    let rel = crate::study::reliability::reliability_records(study, data);
    let val = crate::study::validity::validity_records(study, data, &rel);
    records.extend(rel);
    records.extend(crate::study::dependability::dependability_records(study, data));
    records.extend(crate::study::observers::observer_records(data, study.spec.analysis.ci_level));
    records.extend(val);
    let o = crate::study::reliability::stat_opts(study);
    records.extend(crate::study::structure::structure_records(study, data, &o));
    let review = crate::study::item_review::item_review_records(study, &records);
    records.extend(review);
    records
}

/// The dependability records (G and D studies) and their report section, after reliability.
fn dependability(
    study: &Study,
    data: &pipeline::StudyData,
    lang: crate::choices::Lang,
    extra: &mut Vec<report::Section>,
) -> Vec<crate::results::Record> {
    let dep = crate::study::dependability::dependability_records(study, data);
    extra.push(report::dependability::section(study, &dep, lang));
    dep
}

/// `run`, `reliability`, `validity`: every output of the asked-for sections; `stage` is told
/// which stage starts (for a progress display; it does not affect the outputs).
pub fn run_study(
    study: &Study,
    opts: &RunOptions,
    out: &Path,
    sections: Sections,
    stage: &dyn Fn(&str),
) -> Result<RunSummary> {
    let lang = opts.lang.unwrap_or(study.spec.analysis.language);
    stage("ingest");
    let data = pipeline::load(study, opts)?;
    stage("scoring");
    pipeline::write_scores(study, &data, out)?;
    let mut records = pipeline::descriptive_records(study, &data);
    let mut extra = Vec::new();
    // Validity needs the reliabilities (for disattenuation), so they are computed whenever
    // either section is asked for; only asked-for sections are reported.
    if sections.reliability && sections.validity {
        stage("reliability (bootstrap)");
        let rel = crate::study::reliability::reliability_records(study, &data);
        // The G studies (sparse REML fits, one per score) run beside validity and structure and
        // take whatever core those leave idle; the records and sections keep their order.
        stage("validity, dependability and structure");
        let ((val, st), dep) = rayon::join(
            || {
                let val = crate::study::validity::validity_records(study, &data, &rel);
                let st = crate::study::structure::structure_records(
                    study,
                    &data,
                    &crate::study::reliability::stat_opts(study),
                );
                (val, st)
            },
            || crate::study::dependability::dependability_records(study, &data),
        );
        extra.push(report::reliability::section(study, &rel, lang));
        records.extend(rel);
        extra.push(report::dependability::section(study, &dep, lang));
        records.extend(dep);
        extra.push(report::validity::section(study, &val, lang));
        records.extend(val);
        records.extend(crate::study::observers::observer_records(&data, study.spec.analysis.ci_level));
        extra.push(report::structure::section(study, &st, lang));
        records.extend(st);
        let review = crate::study::item_review::item_review_records(study, &records);
        extra.push(report::items::section(study, &review, lang));
        records.extend(review);
        stage("figures");
        extra.push(report::figures::section(study, &data, &records, lang, &out.join("figures"))?);
    } else if sections.reliability || sections.validity {
        stage("reliability (bootstrap)");
        let rel = crate::study::reliability::reliability_records(study, &data);
        if sections.validity {
            stage("validity (bootstrap)");
            let val = crate::study::validity::validity_records(study, &data, &rel);
            extra.push(report::validity::section(study, &val, lang));
            records.extend(val);
        } else {
            extra.push(report::reliability::section(study, &rel, lang));
            records.extend(rel);
            records.extend(dependability(study, &data, lang, &mut extra));
            records.extend(crate::study::observers::observer_records(&data, study.spec.analysis.ci_level));
        }
    }
    stage("report");
    let prov = pipeline::provenance(study, &data)?;
    let doc = report::build::build(study, &data, &records, &prov, lang, extra);
    write_atomic_str(&out.join("results.json"), &crate::results::to_json(&records))?;
    write_atomic_str(&out.join("provenance.json"), &(serde_json::to_string_pretty(&prov)? + "\n"))?;
    write_atomic_str(&out.join("report.md"), &report::markdown::render(&doc))?;
    write_atomic_str(&out.join("report.html"), &report::html::render(&doc))?;
    write_atomic_str(&out.join("report.tex"), &report::latex::render(&doc))?;
    report::tables::write_all(&doc, out)?;
    let quality_lines = data
        .quality
        .lines
        .iter()
        .filter(|l| l.count > 0 || l.severity == crate::study::quality::Severity::Info)
        .map(|l| data.quality.message(l, lang).to_string())
        .collect();
    Ok(RunSummary { n_records: records.len(), problems: data.quality.problems(), quality_lines })
}
