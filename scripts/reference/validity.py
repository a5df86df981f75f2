#!/usr/bin/env python3
"""Reference values for rank correlations and partial correlation
(tests/fixtures/reference/validity_py.json), on corr_data.csv written by validity.R.

Needs: pip install scipy pingouin pandas numpy
Run from the repository root:  python3 scripts/reference/validity.py
"""
import json, os
import numpy as np, pandas as pd, scipy, pingouin
from scipy import stats

FIX = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "reference")
d = pd.read_csv(os.path.join(FIX, "corr_data.csv"))
x, y = d["x"].to_numpy(), d["y"].to_numpy()
n = len(x)
sp = stats.spearmanr(x, y)
kt = stats.kendalltau(x, y, method="asymptotic")
z = stats.norm.ppf(0.975)
def fz(r, se):
    return [float(np.tanh(np.arctanh(r) - z * se)), float(np.tanh(np.arctanh(r) + z * se))]
pc = pingouin.partial_corr(data=d, x="x", y="y", covar=["z1", "z2"], method="pearson")
res = {
    "versions": {"scipy": scipy.__version__, "pingouin": pingouin.__version__},
    "spearman": {"rho": float(sp.statistic), "p": float(sp.pvalue),
                 "ci_bonett_wright": fz(sp.statistic, np.sqrt((1 + sp.statistic ** 2 / 2) / (n - 3)))},
    "kendall": {"tau": float(kt.statistic), "p": float(kt.pvalue), "ci_fieller": fz(kt.statistic, np.sqrt(0.437 / (n - 4)))},
    "partial": {"r": float(pc["r"].iloc[0]), "ci": [float(v) for v in pc[[c for c in pc.columns if c.startswith("CI95")][0]].iloc[0]], "p": float(pc[[c for c in pc.columns if c.startswith("p")][0]].iloc[0]), "n": int(pc["n"].iloc[0])},
}
with open(os.path.join(FIX, "validity_py.json"), "w") as f:
    json.dump(res, f, indent=1, sort_keys=True)
print("wrote validity_py.json", res["partial"])
