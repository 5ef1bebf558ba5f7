"""Cross-check of predann's IIR designs against scipy.signal.butter / cheby1 (not part of npm test).

Usage (any Python with numpy and scipy):
  node test/crosscheck/filter-designs.mjs > designs.json
  python3 test/crosscheck/filters_vs_scipy.py designs.json
Prints the worst relative difference of the sections (and of (b, a), ill-conditioned at high orders)
and fails if a section differs by more than 1e-12 of the largest coefficient.
"""
import json
import sys

import numpy as np
from scipy import signal

designs = json.load(open(sys.argv[1]))
worst_sos = worst_ba = 0.0
for d in designs:
    wn = d["cutoffsHz"] if len(d["cutoffsHz"]) > 1 else d["cutoffsHz"][0]
    if d["family"] == "butter":
        sos = signal.butter(d["order"], wn, d["band"], fs=d["fs"], output="sos")
        b, a = signal.butter(d["order"], wn, d["band"], fs=d["fs"])
    else:
        sos = signal.cheby1(d["order"], d["rippleDb"], wn, d["band"], fs=d["fs"], output="sos")
        b, a = signal.cheby1(d["order"], d["rippleDb"], wn, d["band"], fs=d["fs"])
    ours = np.array(d["sos"]).reshape(-1, 6)
    assert ours.shape == sos.shape, (d, ours.shape, sos.shape)
    rel = np.max(np.abs(ours - sos)) / np.max(np.abs(sos))
    ref_ba = np.concatenate([b, a])
    rel_ba = np.max(np.abs(np.array(d["b"] + d["a"]) - ref_ba)) / np.max(np.abs(ref_ba))
    worst_sos, worst_ba = max(worst_sos, rel), max(worst_ba, rel_ba)
    assert rel <= 1e-12, (d["family"], d["band"], d["order"], d["cutoffsHz"], d["fs"], rel)
print(f"{len(designs)} designs (scipy {__import__('scipy').__version__}): "
      f"worst sections {worst_sos:.3g}, worst (b, a) {worst_ba:.3g} relative to the largest coefficient")
