#!/usr/bin/env python3
"""pingouin's Cronbach's α on tests/fixtures/reference/bfi_ac.csv (written by alpha_missing.R),
added under "pingouin" to tests/fixtures/reference/alpha_missing.json.

pingouin.cronbach_alpha: nan_policy="pairwise" (the default) takes C = DataFrame.cov() (pairwise
complete, n − 1); "listwise" drops incomplete rows first. Its Feldt CI uses n = all rows of the
data frame in both cases (before the listwise drop) and is rounded to 3 decimals.

Needs: pip install pingouin pandas numpy
Run from the repository root, after the R script:  python3 scripts/reference/alpha_missing.py
"""
import json, os
import pandas as pd, pingouin

FIX = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "reference")
path = os.path.join(FIX, "alpha_missing.json")
d = pd.read_csv(os.path.join(FIX, "bfi_ac.csv"))
out = json.load(open(path))
res = {"version": pingouin.__version__, "pandas": pd.__version__, "n_rows": len(d)}
for policy in ["pairwise", "listwise"]:
    a, ci = pingouin.cronbach_alpha(data=d, nan_policy=policy)
    res[policy] = {"alpha": float(a), "ci_rounded": [float(c) for c in ci]}
out["pingouin"] = res
with open(path, "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print(json.dumps(res, indent=2))
