//! The report and its figures on a simulated study.

use crate::common::*;

const FIGS: [&str; 13] = [
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
    for r in v["results"].as_array().unwrap() {
        let name = r["statistic"].as_str().unwrap();
        assert!(doc.contains(&format!("| `{name}` |")), "docs/results.md lacks {name}");
        if let Some(i) = r.get("interpretation") {
            assert!(i.as_str().unwrap().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{i}");
        }
    }
}
