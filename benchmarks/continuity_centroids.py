"""Centroid cosine (MiniLM) of two halves of one ECB+ event (articles split in two, as two days)
vs a half of the same topic's other event (same kind of event, another instance)."""

import sys
from pathlib import Path

import numpy as np

from briefing.backends.base import load_embedder
from briefing.config import load_config
from briefing.stages.embed import unit

# usage: python benchmarks/continuity_centroids.py [../shared/eval/ecbplus_dev]
root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/ecbplus_dev")
cfg, _ = load_config(None)
emb = load_embedder(cfg, allow_pull=False)
halves = {}
for d in sorted((root / "clusters").iterdir()):
    files = sorted(d.glob("*.txt"))
    if len(files) < 2:
        continue
    leads = [
        " ".join([x for x in f.read_text(errors="replace").splitlines() if x.strip()][:4])
        for f in files
    ]
    m = emb.embed(leads)
    h = len(files) // 2
    halves[d.name] = (unit(m[:h].mean(0)), unit(m[h:].mean(0)), len(files))
same, other = [], []
for name, (a, b, _) in halves.items():
    same.append(float(a @ b))
    for o, (_, d, _) in halves.items():
        if o != name and o.split("_")[0] == name.split("_")[0]:
            other.append(float(a @ d))
same, other = np.array(same), np.array(other)
print(f"events {len(same)}, articles {sum(v[2] for v in halves.values())}")
print(
    f"same event, two halves: min {same.min():.3f} p10 {np.percentile(same, 10):.3f} median {np.median(same):.3f}"
)
print(
    f"other event of the same topic: max {other.max():.3f} p90 {np.percentile(other, 90):.3f} median {np.median(other):.3f}"
)
for t in (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85):
    print(
        f"threshold {t}: same event matched {np.mean(same >= t):.2f}, other event matched {np.mean(other >= t):.2f}"
    )
