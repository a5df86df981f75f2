//! The report and its figures on a simulated study.

use crate::common::*;

const FIGS: [&str; 17] = [
    "scatter-classroom",
    "scatter-center",
    "roc-low_EBS",
    "roc-low_ESL",
    "bland-altman",
    "forest-agreement",
    "forest-item-validity",
    "mtmm-heatmap",
    "distributions",
    "observers",
    "observer-drift",
    "class-profile",
    "short-form",
    "d-study-EBS",
    "d-study-ESL",
    "d-study-center",
    "test-information",
];

fn simulated(tmp: &std::path::Path) -> std::path::PathBuf {
    let sim = tmp.join("sim");
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "40", "--seed", "11", "-q"])
        .assert()
        .success();
    sim.join("study.toml")
}

#[test]
fn every_figure_as_svg_and_nonblank_png() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = simulated(tmp.path());
    let out = tmp.path().join("out");
    bin()
        .args(["run", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--lang", "en"])
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for id in FIGS {
        let svg = std::fs::read_to_string(out.join(format!("figures/{id}.svg")))
            .unwrap_or_else(|_| panic!("{id}.svg missing"));
        assert!(svg.contains("<svg") && svg.len() > 1000, "{id}.svg looks empty");
        assert!(html.contains(&format!("id=\"fig-{id}\"")), "{id} not inline in the HTML");
        let img =
            image::open(out.join(format!("figures/{id}.png"))).unwrap_or_else(|e| panic!("{id}.png: {e}")).to_rgb8();
        let (w, h) = img.dimensions();
        assert!(w >= 600 && h >= 500, "{id}.png is {w}x{h}");
        let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(non_white * 50 > (w * h) as usize, "{id}.png is almost blank");
        let mut colors: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        colors.sort();
        colors.dedup();
        assert!(colors.len() > 20, "{id}.png has only {} colours", colors.len());
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("![") && md.contains("figures/roc-low_EBS.svg"));
}

#[test]
fn plot_command_writes_one_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = simulated(tmp.path());
    let png = tmp.path().join("roc.png");
    bin()
        .args(["plot", "roc", spec.to_str().unwrap(), "--out", png.to_str().unwrap(), "--variant", "low_ESL", "-q"])
        .assert()
        .success();
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (880, 880));
    let svg = tmp.path().join("heat.svg");
    bin()
        .args(["plot", "heatmap", spec.to_str().unwrap(), "--out", svg.to_str().unwrap(), "--lang", "es", "-q"])
        .assert()
        .success();
    assert!(std::fs::read_to_string(&svg).unwrap().contains("Matriz multirrasgo"));
    let e = bin()
        .args(["plot", "roc", spec.to_str().unwrap(), "--out", svg.to_str().unwrap(), "--variant", "nope"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(e).unwrap().contains("roc-low_EBS"));
}

#[test]
fn report_formats_tables_tex_xlsx() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = simulated(tmp.path());
    let out = tmp.path().join("out");
    bin()
        .args(["run", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--lang", "es"])
        .assert()
        .success();
    let tex = std::fs::read_to_string(out.join("report.tex")).unwrap();
    assert!(tex.contains("\\usepackage{booktabs") && tex.contains("\\toprule") && tex.contains("\\includegraphics"));
    assert!(tex.contains("spanish"));
    let csv = std::fs::read_to_string(out.join("tables/validity.csv")).unwrap();
    assert!(csv.starts_with("Nivel,Lista de cotejo,Dominio,n,"), "{}", &csv[..80.min(csv.len())]);
    let xlsx = std::fs::read(out.join("tables.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK") && xlsx.len() > 5000);
}

#[test]
fn markdown_tables_snapshot() {
    // The mini fixture is hand-computable; its sample and descriptive tables are pinned.
    let tmp = tempfile::tempdir().unwrap();
    bin()
        .args(["score", fixture("mini/study.toml").to_str().unwrap(), "--out", tmp.path().to_str().unwrap(), "-q"])
        .assert()
        .success();
    let out = tmp.path().join("run");
    bin()
        .args([
            "run",
            fixture("mini/study.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--lang",
            "en",
        ])
        .assert()
        .success();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let start = md.find("## Sample").unwrap();
    let end = md.find("## Reliability").unwrap();
    insta::assert_snapshot!(
        "mini_sample_quality_descriptives",
        md[start..end].replace(&fixture("mini").display().to_string(), "<fixture>")
    );
}

#[test]
fn whole_report_snapshot_on_the_demo() {
    // Every table and sentence of the demo report, in both languages: any change shows in review.
    let tmp = tempfile::tempdir().unwrap();
    for lang in ["es", "en"] {
        let out = tmp.path().join(lang);
        bin()
            .args([
                "run",
                root().join("data-samples/demo-150/study.toml").to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "-q",
                "--lang",
                lang,
            ])
            .assert()
            .success();
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        insta::assert_snapshot!(format!("demo_report_{lang}"), md);
    }
    // results.json is the language-neutral contract: byte-identical across report languages.
    let es = std::fs::read(tmp.path().join("es/results.json")).unwrap();
    let en = std::fs::read(tmp.path().join("en/results.json")).unwrap();
    assert!(es == en, "results.json differs between --lang es and --lang en");
    // docs/results.md names every statistic the study writes.
    let doc = std::fs::read_to_string(root().join("docs/results.md")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&es).unwrap();
    key_findings_match_results(&v, &std::fs::read_to_string(tmp.path().join("en/report.md")).unwrap());
    key_findings_match_results(&v, &std::fs::read_to_string(tmp.path().join("es/report.md")).unwrap());
    workbook_cells_are_numeric(&tmp.path().join("en"));
    for r in v["results"].as_array().unwrap() {
        let name = r["statistic"].as_str().unwrap();
        assert!(doc.contains(&format!("| `{name}` |")), "docs/results.md lacks {name}");
        if let Some(i) = r.get("interpretation") {
            assert!(i.as_str().unwrap().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{i}");
        }
    }
}

/// `.92 [.91, .94]` from a record, as the report formats it.
fn est_ci(r: &serde_json::Value) -> String {
    use checkval::format::{bounded, ci};
    format!(
        "{} {}",
        bounded(r["estimate"].as_f64().unwrap(), 2),
        ci(r["ci_low"].as_f64(), r["ci_high"].as_f64(), 2, true)
    )
}

/// The key findings come first and their numbers are those of results.json.
fn key_findings_match_results(v: &serde_json::Value, md: &str) {
    let first = md.find("\n## ").map(|i| &md[i + 4..]).unwrap();
    assert!(first.starts_with("Key findings") || first.starts_with("Hallazgos principales"), "{}", &first[..40]);
    let findings = &first[..first.find("\n## ").unwrap()];
    let recs = v["results"].as_array().unwrap();
    let pick = |f: &dyn Fn(&serde_json::Value) -> bool| recs.iter().find(|r| f(r)).unwrap().clone();
    let alpha = pick(&|r| {
        r["statistic"] == "cronbach_alpha"
            && r["scale"] == "checklist_total"
            && r["ci_method"].as_str().is_some_and(|m| m.starts_with("Feldt"))
    });
    assert!(findings.contains(&format!("α = {}", est_ci(&alpha))), "α not in findings: {findings}");
    let r = pick(&|r| {
        r["statistic"] == "pearson_r"
            && r["analysis"] == "mtmm"
            && r["level"] == "classroom"
            && r["x"] == "checklist_total"
            && r["y"] == "class_EBS"
            && r.get("ci_kind").is_none()
    });
    assert!(findings.contains(&format!("r = {} ({} ", est_ci(&r), r["n"])), "r not in findings: {findings}");
    for th in ["low_EBS", "low_ESL"] {
        let auc = pick(&|r| {
            r["statistic"] == "auc"
                && r["threshold"] == th
                && r["score"] == "checklist_total"
                && r["ci_method"] == "DeLong"
        });
        assert!(findings.contains(&format!("AUC = {}", est_ci(&auc))), "AUC {th} not in findings: {findings}");
        assert!(findings.contains(&format!("(#tab-roc-{th})")), "no link to the ROC table of {th}");
    }
    let icc = pick(&|r| r["statistic"] == "icc2" && r["analysis"] == "score_icc" && r["score"] == "checklist_total");
    assert!(findings.contains(&est_ci(&icc)), "ICC not in findings: {findings}");
}

/// tables.xlsx read back by a second reader (calamine): the key findings are the first sheet, and
/// every estimate, CI bound, n and percentage is a numeric cell; the CSV splits the CI too.
fn workbook_cells_are_numeric(out: &std::path::Path) {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(out.join("tables.xlsx")).unwrap();
    assert_eq!(wb.sheet_names()[0], "findings");
    for (sheet, cols) in [
        ("consistency", vec!["n", "α", "α ci_low", "α ci_high", "ω"]),
        ("validity", vec!["n", "r", "r ci_low", "r ci_high"]),
        ("item-agreement", vec!["Pairs", "Agreement", "κ", "κ ci_low", "AC1", "AC1 ci_high"]),
        ("descriptives", vec!["n", "Mean", "SD", "Min", "Max"]),
    ] {
        let range = wb.worksheet_range(sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let h = rows.iter().position(|r| r.iter().any(|c| *c == cols[0])).expect("header row");
        let head: Vec<String> = rows[h].iter().map(|c| c.to_string()).collect();
        assert!(matches!(rows[0][0], Data::String(_)), "{sheet}: title above the header");
        for col in &cols {
            let j = head.iter().position(|x| x == col).unwrap_or_else(|| panic!("{sheet}: no {col} in {head:?}"));
            let body = &rows[h + 1..];
            assert!(!body.is_empty());
            for r in body {
                assert!(matches!(r[j], Data::Float(_) | Data::Int(_) | Data::Empty), "{sheet}/{col}: {:?}", r[j]);
            }
            assert!(body.iter().any(|r| matches!(r[j], Data::Float(_) | Data::Int(_))), "{sheet}/{col}: no numbers");
        }
    }
    let csv = std::fs::read_to_string(out.join("tables/validity.csv")).unwrap();
    let head = csv.lines().next().unwrap();
    assert!(head.contains(",r,r ci_low,r ci_high,"), "{head}");
}

#[test]
fn workbooks_are_byte_identical_across_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = fixture("mini/study.toml");
    for k in ["a", "b"] {
        let out = tmp.path().join(k);
        bin().args(["run", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]).assert().success();
        bin()
            .args(["check", spec.to_str().unwrap(), "--out", out.join("checks").to_str().unwrap(), "-q"])
            .assert()
            .success();
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    for f in ["tables.xlsx", "checks/issues.xlsx"] {
        let a = std::fs::read(tmp.path().join("a").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs between two runs");
    }
}
