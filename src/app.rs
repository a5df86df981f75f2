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

/// The records after the descriptives (`desc`) and the report sections of `run` with every
/// section. The G studies (sparse REML fits, one per score) need only the scored data, so they
/// start right after ingest and run beside the whole chain of score files, reliability,
/// validity, structure and figures, taking whatever core that chain leaves idle (rayon work
/// stealing: the sequential score and figure writing, the ends of the bootstraps); their
/// D-study figures and report section are made on their side, the other sections in parallel
/// once both sides are done. Records, sections and figures keep the order of a sequential run,
/// so the outputs do not depend on the number of threads.
fn all_sections(
    study: &Study,
    data: &pipeline::StudyData,
    desc: &[crate::results::Record],
    lang: crate::choices::Lang,
    out: &Path,
    stage: &(dyn Fn(&str) + Sync),
) -> Result<(Vec<crate::results::Record>, Vec<report::Section>)> {
    let fig_dir = out.join("figures");
    let (main, dep) = rayon::join(
        || analyses(study, data, desc, lang, out, stage),
        || -> Result<_> {
            let dep = crate::study::dependability::dependability_records(study, data);
            let figs = report::figures::draw(report::figures::d_study(study, data, &dep, lang), &fig_dir)?;
            let section = report::dependability::section(study, &dep, lang);
            Ok((dep, figs, section))
        },
    );
    let (main, (dep, dep_figs, dep_section)) = (main?, dep?);
    let ((rel_s, val_s), (st_s, items_s)) = rayon::join(
        || {
            rayon::join(
                || report::reliability::section(study, main.group(Group::Reliability), lang),
                || report::validity::section(study, main.group(Group::Validity), lang),
            )
        },
        || {
            rayon::join(
                || report::structure::section(study, main.group(Group::Structure), lang),
                || report::items::section(study, main.group(Group::Review), lang),
            )
        },
    );
    let mut extra = vec![rel_s, dep_section, val_s, st_s, items_s];
    let Analyses { mut records, at, figs } = main;
    extra.push(report::figures::section_of(figs, dep_figs, lang));
    // records = descriptives, reliability, validity, observers, structure, review: keep the
    // groups from reliability on, with the dependability records after reliability.
    let after_rel = records.split_off(at[Group::Validity as usize]);
    let mut records = records.split_off(at[Group::Reliability as usize]);
    records.extend(dep);
    records.extend(after_rel);
    Ok((records, extra))
}

/// The record groups of [`Analyses`], in their order.
#[derive(Clone, Copy)]
enum Group {
    Reliability,
    Validity,
    Observers,
    Structure,
    Review,
}

/// What [`analyses`] computes: the record groups of `run` but the dependability ones, after
/// the descriptives, in one vector (group `g` from `at[g]` to the next group's start), and
/// every figure but the D studies, drawn.
struct Analyses {
    records: Vec<crate::results::Record>,
    at: [usize; 5],
    figs: Vec<(report::figures::FigureKind, report::Block)>,
}

impl Analyses {
    fn group(&self, g: Group) -> &[crate::results::Record] {
        let end = self.at.get(g as usize + 1).copied().unwrap_or(self.records.len());
        &self.records[self.at[g as usize]..end]
    }
}

/// Score files, reliability, then validity beside structure, observers, the item review and
/// the figures but the D studies (none of them reads the dependability records).
fn analyses(
    study: &Study,
    data: &pipeline::StudyData,
    desc: &[crate::results::Record],
    lang: crate::choices::Lang,
    out: &Path,
    stage: &(dyn Fn(&str) + Sync),
) -> Result<Analyses> {
    stage("scoring");
    pipeline::write_scores(study, data, out)?;
    stage("reliability (bootstrap)");
    let rel = crate::study::reliability::reliability_records(study, data);
    stage("validity, dependability and structure");
    let (val, st) = rayon::join(
        || crate::study::validity::validity_records(study, data, &rel),
        || crate::study::structure::structure_records(study, data, &crate::study::reliability::stat_opts(study)),
    );
    let obs = crate::study::observers::observer_records(data, study.spec.analysis.ci_level);
    let mut records: Vec<crate::results::Record> = desc.to_vec();
    let mut at = [0; 5];
    let groups = [(Group::Reliability, rel), (Group::Validity, val), (Group::Observers, obs), (Group::Structure, st)];
    for (g, group) in groups {
        at[g as usize] = records.len();
        records.extend(group);
    }
    let review = crate::study::item_review::item_review_records(study, &records);
    at[Group::Review as usize] = records.len();
    records.extend(review);
    stage("figures");
    let figs = report::figures::build_and_draw(study, data, &records, lang, &out.join("figures"))?;
    Ok(Analyses { records, at, figs })
}

/// The report files, each rendered and written on its own (rayon) task: results.json and
/// provenance.json, the Markdown, HTML and LaTeX renderings, and the tables (XLSX and CSV).
/// Each is written atomically; the first error is returned.
fn write_report(
    records: &[crate::results::Record],
    prov: &serde_json::Value,
    doc: &report::Doc,
    out: &Path,
) -> Result<()> {
    let json = || -> Result<()> {
        write_atomic_str(&out.join("results.json"), &crate::results::to_json(records))?;
        write_atomic_str(&out.join("provenance.json"), &(serde_json::to_string_pretty(prov)? + "\n"))
    };
    let text = || -> Result<()> {
        let (md, (html, tex)) = rayon::join(
            || write_atomic_str(&out.join("report.md"), &report::markdown::render(doc)),
            || {
                rayon::join(
                    || write_atomic_str(&out.join("report.html"), &report::html::render(doc)),
                    || write_atomic_str(&out.join("report.tex"), &report::latex::render(doc)),
                )
            },
        );
        md?;
        html?;
        tex
    };
    let (a, (b, c)) = rayon::join(json, || rayon::join(text, || report::tables::write_all(doc, out)));
    a?;
    b?;
    c
}

/// `run`, `reliability`, `validity`: every output of the asked-for sections; `stage` is told
/// which stage starts (for a progress display; it does not affect the outputs).
pub fn run_study(
    study: &Study,
    opts: &RunOptions,
    out: &Path,
    sections: Sections,
    stage: &(dyn Fn(&str) + Sync),
) -> Result<RunSummary> {
    let lang = opts.lang.unwrap_or(study.spec.analysis.language);
    stage("ingest");
    let data = pipeline::load(study, opts)?;
    let mut records = pipeline::descriptive_records(study, &data);
    let mut extra = Vec::new();
    // Validity needs the reliabilities (for disattenuation), so they are computed whenever
    // either section is asked for; only asked-for sections are reported.
    if sections.reliability && sections.validity {
        let (recs, sections) = all_sections(study, &data, &records, lang, out, stage)?;
        records.extend(recs);
        extra = sections;
    } else if sections.reliability || sections.validity {
        stage("scoring");
        pipeline::write_scores(study, &data, out)?;
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
    } else {
        stage("scoring");
        pipeline::write_scores(study, &data, out)?;
    }
    stage("report");
    let prov = pipeline::provenance(study, &data)?;
    let doc = report::build::build(study, &data, &records, &prov, lang, extra);
    write_report(&records, &prov, &doc, out)?;
    let quality_lines = data
        .quality
        .lines
        .iter()
        .filter(|l| l.count > 0 || l.severity == crate::study::quality::Severity::Info)
        .map(|l| data.quality.message(l, lang).to_string())
        .collect();
    Ok(RunSummary { n_records: records.len(), problems: data.quality.problems(), quality_lines })
}
