#!/usr/bin/env python3
"""Reference values for the agreement statistics (tests/fixtures/reference/agreement.json).

Needs: pip install irrCAC statsmodels scikit-learn krippendorff pandas numpy
Run from the repository root:  python3 scripts/reference/agreement.py
Data sets:
  fleiss1971_diagnoses.csv  Fleiss (1971), 30 units x 6 raters (copied from shared/reference-data)
  stuart1953_vision.csv     Stuart (1953), 7477 pairs (copied from shared/reference-data)
  agree_missing.csv         written here: 40 units x 4 raters, categories 1-5, ~20% missing
  agree_pairs.csv           written here: 120 units x 2 raters, categories 1, 2, 3, 5, 7 (unequal spacing)
"""
import json, os
import numpy as np, pandas as pd
from irrCAC.raw import CAC
from statsmodels.stats.inter_rater import cohens_kappa
from sklearn.metrics import cohen_kappa_score
import krippendorff, sklearn, statsmodels, irrCAC

FIX = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "reference")
rng = np.random.default_rng(20261123)

# --- data written here
truth = rng.integers(1, 6, size=40)
m = np.column_stack([np.clip(truth + rng.choice([-1, 0, 0, 0, 1], size=40), 1, 5) for _ in range(4)]).astype(float)
m[rng.random(m.shape) < 0.2] = np.nan
m[0, :] = [2, np.nan, np.nan, np.nan]  # a unit with a single rating
pd.DataFrame(m, columns=["r1", "r2", "r3", "r4"]).to_csv(os.path.join(FIX, "agree_missing.csv"), index=False, na_rep="")

vals = np.array([1, 2, 3, 5, 7])
t2 = rng.integers(0, 5, size=120)
a = vals[t2]
b = vals[np.clip(t2 + rng.choice([-1, 0, 0, 0, 1], size=120), 0, 4)]
pd.DataFrame({"a": a, "b": b}).to_csv(os.path.join(FIX, "agree_pairs.csv"), index=False)

def cac_all(df, weights="identity"):
    out = {}
    for name, fn in [("fleiss_kappa", "fleiss"), ("gwet_ac", "gwet"), ("brennan_prediger", "bp"), ("conger_kappa", "conger")]:
        c = CAC(df, weights=weights, digits=15)
        est = getattr(c, fn)()["est"]
        out[name] = {"estimate": float(est["coefficient_value"]), "se": float(est["se"]),
                     "ci_low": float(est["confidence_interval"][0]), "ci_high": float(est["confidence_interval"][1]),
                     "pa": float(est["pa"]), "pe": float(est["pe"])}
    return out

def kripp(df):
    data = df.to_numpy(dtype=float).T  # raters x units
    return {lvl: float(krippendorff.alpha(reliability_data=data, level_of_measurement=lvl)) for lvl in ["nominal", "ordinal", "interval", "ratio"]}

def cohen(df):
    d = df.dropna()
    x, y = d.iloc[:, 0].to_numpy(), d.iloc[:, 1].to_numpy()
    cats = np.unique(np.concatenate([x, y]))
    tab = np.zeros((len(cats), len(cats)))
    for u, v in zip(x, y):
        tab[np.searchsorted(cats, u), np.searchsorted(cats, v)] += 1
    out = {}
    for name, kw in [("cohen_kappa", {}), ("weighted_kappa_linear", {"weights": cats, "wt": "linear"}),
                     ("weighted_kappa_quadratic", {"weights": cats, "wt": "quadratic"})]:
        r = cohens_kappa(tab, **kw)
        out[name] = {"estimate": float(r.kappa), "se": float(r.std_kappa), "se0": float(r.std_kappa0)}
    out["sklearn_unweighted"] = float(cohen_kappa_score(x, y))
    return out

res = {"versions": {"irrCAC": getattr(irrCAC, "__version__", "?"), "statsmodels": statsmodels.__version__,
                    "scikit-learn": sklearn.__version__, "krippendorff": getattr(krippendorff, "__version__", "?")}}
fl = pd.read_csv(os.path.join(FIX, "fleiss1971_diagnoses.csv"))
res["fleiss1971"] = {"identity": cac_all(fl), "krippendorff": kripp(fl)}
mm = pd.read_csv(os.path.join(FIX, "agree_missing.csv"))
res["agree_missing"] = {"identity": cac_all(mm), "linear": cac_all(mm, "linear"), "quadratic": cac_all(mm, "quadratic"),
                        "krippendorff": kripp(mm)}
st = pd.read_csv(os.path.join(FIX, "stuart1953_vision.csv"))
res["stuart1953"] = cohen(st)
pp = pd.read_csv(os.path.join(FIX, "agree_pairs.csv"))
res["agree_pairs"] = cohen(pp)
res["agree_pairs"]["gwet_ac"] = cac_all(pp)["gwet_ac"]
# Within-one agreement = Gwet's percent agreement with a custom weight matrix w_kl = 1{|c_k - c_l| <= 1}.
cats = sorted(mm.stack().unique().tolist())
w1 = [[1.0 if abs(a - b) <= 1 else 0.0 for b in cats] for a in cats]
res["agree_missing"]["within_one_pa"] = float(CAC(mm, weights=w1, digits=15).fleiss()["est"]["pa"])
with open(os.path.join(FIX, "agreement.json"), "w") as f:
    json.dump(res, f, indent=1, sort_keys=True)
print("wrote agreement.json")
