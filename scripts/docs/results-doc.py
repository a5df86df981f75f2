#!/usr/bin/env python3
"""Write docs/results.md: every statistic name in results.json and `stat --format json`, its fields
and context keys, and which commands write it. Run from the repository root after a release or
debug build:  python3 scripts/docs/results-doc.py target/debug/checkval
The test `results_doc_lists_every_statistic` checks the document against a fresh demo run."""
import json, subprocess, sys, tempfile, os, collections

binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/checkval"
ref = "tests/fixtures/reference/"
STAT_RUNS = {
    "stat alpha": ["stat", "alpha", ref + "items_mixed.csv", "--bootstrap", "200"],
    "stat agree": ["stat", "agree", ref + "agree_pairs.csv", "--level", "ordinal"],
    "stat icc": ["stat", "icc", ref + "icc_random.csv"],
    "stat corr": ["stat", "corr", ref + "corr_data.csv", "--x", "x", "--y", "y", "--bootstrap", "200"],
    "stat roc": ["stat", "roc", ref + "asah.csv", "--score", "s100b", "--truth", "outcome", "--positive", "1", "--bootstrap", "200"],
    "stat bland-altman": ["stat", "bland-altman", ref + "bland_altman_1986.csv", "--a", "wright", "--b", "mini"],
    "stat gstudy": ["stat", "gstudy", "tests/fixtures/gtheory/brennan_ds3_pxixo.csv", "--score", "score", "--object", "person",
                    "--facets", "item,occasion", "--d-study", "item=8", "--bootstrap", "100"],
    "stat cfa": ["stat", "cfa", "tests/fixtures/cfa/hs.csv", "--model",
                 "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"],
    "stat cfa --ordered": ["stat", "cfa", "tests/fixtures/cfa/binary3x4.csv", "--ordered", "all", "--model",
                           "f1 =~ y1 + y2 + y3 + y4; f2 =~ y5 + y6 + y7 + y8; f3 =~ y9 + y10 + y11 + y12"],
    "stat efa": ["stat", "efa", "tests/fixtures/structure/HolzingerSwineford1939.csv", "--items",
                 "x1,x2,x3,x4,x5,x6,x7,x8,x9", "--factors", "auto", "--parallel-iter", "20"],
    "stat irt": ["stat", "irt", "tests/fixtures/structure/lsat6_persons.csv", "--model", "2pl"],
    "stat dif": ["stat", "dif", "tests/fixtures/structure/dif_data.csv", "--items", "i1,i2,i3,i4,i5,i6,i7,i8,i9,i10",
                 "--group", "group", "--reference", "R", "--purify"],
}
FIELDS = ["estimate", "se", "ci_low", "ci_high", "ci_level", "ci_method", "p_value", "n", "na_reason"]
stats = collections.OrderedDict()

def collect(records, command):
    for r in records:
        s = stats.setdefault(r["statistic"], {"fields": set(), "ctx": set(), "commands": set()})
        s["commands"].add(command)
        for k in r:
            if k == "statistic":
                continue
            (s["fields"] if k in FIELDS else s["ctx"]).add(k)

with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([binary, "run", "data-samples/demo-150/study.toml", "--out", tmp + "/run", "-q"], check=True)
    collect(json.load(open(tmp + "/run/results.json"))["results"], "run / reliability / validity")
for cmd, args in STAT_RUNS.items():
    try:
        out = subprocess.run([binary] + args + ["--format", "json"], check=True, capture_output=True, text=True).stdout
        collect(json.loads(out)["results"], cmd)
    except subprocess.CalledProcessError as e:
        print(f"skipped {cmd}: {e.stderr.strip()[:200]}", file=sys.stderr)

lines = [
    "# The record contract: `results.json` and `stat --format json`",
    "",
    "Every statistic checkval computes is one record, the same for the study commands (`run`,",
    "`reliability`, `validity` write `results.json`) and for the ad-hoc `stat` commands",
    "(`--format json` prints `{\"results\": [records]}`). The file is language-neutral: it is",
    "byte-identical for `--lang es` and `--lang en`; interpretations are codes that the report",
    "translates. Readers look records up by `statistic` plus context keys (`analysis`, `level`,",
    "`score`, `item`, ...), never by position.",
    "",
    "## Fields of every record",
    "",
    "| field | type | meaning |",
    "|---|---|---|",
    "| `statistic` | string | the statistic's name (below) |",
    "| `estimate` | number or null | null when the statistic is not available (NA) |",
    "| `na_reason` | string | why the estimate is null; present only then |",
    "| `se` | number | standard error, where defined |",
    "| `ci_low`, `ci_high` | number | confidence interval bounds |",
    "| `ci_level` | number | e.g. 0.95 |",
    "| `ci_method` | string | how the CI was computed (e.g. `Feldt`, `DeLong`, `percentile bootstrap`) |",
    "| `p_value` | number | where a test is defined |",
    "| `n` | integer | the n behind the estimate (observations, pairs, classrooms, centers) |",
    "| context keys | string, number or boolean | which score, item, level, threshold... the record is about |",
    "",
    "Interpretation codes (`interpretation`): `poor`, `slight`, `fair`, `moderate`, `substantial`,",
    "`almost_perfect` (Landis & Koch), `good`, `very_good` (Altman), `excellent` (ICC scales).",
    "The scale is the spec's `analysis.kappa_scale` / `analysis.icc_scale` (or `--kappa-scale`, `--icc-scale`).",
    "",
    "## Statistics",
    "",
    "Generated by `scripts/docs/results-doc.py` from the demo study and the `stat` reference fixtures.",
    "",
    "| statistic | fields | context keys | written by |",
    "|---|---|---|---|",
]
for name in sorted(stats):
    s = stats[name]
    f = ", ".join(f"`{x}`" for x in FIELDS if x in s["fields"])
    c = ", ".join(f"`{x}`" for x in sorted(s["ctx"]))
    w = ", ".join(sorted(s["commands"]))
    lines.append(f"| `{name}` | {f} | {c} | {w} |")
lines.append("")
open("docs/results.md", "w").write("\n".join(lines))
print(f"docs/results.md: {len(stats)} statistics")
