#!/usr/bin/env python3
"""Peer for `checkval stat alpha`: pandas reads the CSV, pingouin computes Cronbach's alpha
with its Feldt CI (pairwise covariances, as checkval's default).

    scripts/peers/alpha-peer.py ITEMS.csv
"""
import sys

import pandas as pd
import pingouin as pg

df = pd.read_csv(sys.argv[1])
alpha, ci = pg.cronbach_alpha(data=df)
print(f"alpha={alpha:.6f} ci={ci}")
