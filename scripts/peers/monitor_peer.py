#!/usr/bin/env python3
"""The analysts' current practice, as a benchmark peer for `checkval monitor` (issue 15).

Reads the checklist export with pandas, scores each observation as the mean of its items
(binary Sí = 1, ordinal rescaled to 0-1, reverse items flipped, "No aplica" and blanks left
out), and computes center-round means and the change since the previous round. Nothing else:
no measurement error, no shrinkage, no observers, no dashboard.

    /usr/bin/time -v python3 scripts/peers/monitor_peer.py STUDY_TOML OUT_CSV
"""
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd


def main(spec_path: str, out_csv: str) -> None:
    spec = tomllib.loads(Path(spec_path).read_text(encoding="utf-8"))
    base = Path(spec_path).parent
    cols = spec["checklist"]["columns"]
    items = spec["checklist"]["items"]
    df = pd.read_csv(base / spec["files"]["checklist"]["path"], dtype=str, keep_default_na=False)
    values = []
    for it in items:
        col = df[f"{it['subscale']}-{it['id']}"] if f"{it['subscale']}-{it['id']}" in df else df[it["id"]]
        if it.get("type", "binary") == "binary":
            v = col.map({y: 1.0 for y in it.get("yes", ["Sí"])} | {n: 0.0 for n in it.get("no", ["No"])})
        else:
            lo, hi = min(it["values"]), max(it["values"])
            v = (pd.to_numeric(col, errors="coerce") - lo) / (hi - lo)
        if it.get("reverse", False):
            v = 1.0 - v
        values.append(v.to_numpy(dtype=float, na_value=np.nan))
    score = np.nanmean(np.column_stack(values), axis=1)
    obs = pd.DataFrame({
        "center": df[cols["center"]],
        "classroom": df[cols["classroom"]],
        "round": pd.to_numeric(df[cols["round"]]),
        "score": score,
    })
    rooms = obs.groupby(["center", "round", "classroom"], sort=False)["score"].mean().reset_index()
    centers = rooms.groupby(["center", "round"])["score"].agg(["mean", "count"]).reset_index()
    centers = centers.sort_values(["center", "round"])
    centers["change"] = centers.groupby("center")["mean"].diff()
    centers.to_csv(out_csv, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
