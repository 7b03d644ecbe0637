"""Train the furniture line classifier and report how well it does on held-out files.

    python benchmarks/train_furniture.py [--shared ../shared] [--write]

Reads briefing/data/furniture_labels.tsv (lines labelled `furniture` or `text` by hand: from
../shared/seeds, ../shared/eval and examples/ by locator, and a few written for the file), fits
scikit-learn's logistic regression on the features of briefing/stages/furniture.py, and prints
precision and recall of furniture on a held-out quarter of the files (split by file, so no
file's lines are both trained on and tested), for the rules alone, the classifier alone, and
both. With --write it refits on every line and writes briefing/data/furniture_model.json
(plain coefficients, no pickle), which clean loads at run time.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupShuffleSplit

from briefing.stages.furniture import (
    CHAR_FEATURES,
    MODEL_FILE,
    SHAPE_FEATURES,
    WORD_FEATURES,
    LineContext,
    feature_matrix,
    line_contexts,
    rule_reason,
)

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "briefing" / "data" / "furniture_labels.tsv"
# Chosen on three random file splits (C 1, 4, 16; balanced or not; threshold 0.5, 0.7, 0.85):
# a line classifier that drops article text is worse than one that misses furniture, so the
# threshold is set for precision; the rules and the repetition layer catch most of the rest.
C = 16.0
THRESHOLD = 0.85


def read_labels(shared: Path) -> tuple[list[str], list[LineContext], list[int], list[str]]:
    """Texts, contexts, labels (1 = furniture) and the file each line comes from."""
    texts, contexts, labels, groups = [], [], [], []
    files: dict[Path, list[str]] = {}
    with LABELS.open(encoding="utf-8") as handle:
        rows = csv.DictReader(
            (line for line in handle if not line.startswith("#")),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
        )
        for row in rows:
            if row["source"] == "own":
                text, context, group = row["text"], LineContext(), "own:" + row["text"][:20]
            else:
                path = (shared if row["source"] == "shared" else REPO) / row["path"]
                if path not in files:
                    files[path] = path.read_text(encoding="utf-8", errors="replace").split("\n")
                lines = files[path]
                number = int(row["line"])
                text, context, group = (
                    lines[number - 1].strip(),
                    line_contexts(lines)[number - 1],
                    row["path"],
                )
            texts.append(text)
            contexts.append(context)
            labels.append(1 if row["label"] == "furniture" else 0)
            groups.append(group)
    return texts, contexts, labels, groups


def precision_recall(predicted: np.ndarray, truth: np.ndarray) -> str:
    tp = int(((predicted == 1) & (truth == 1)).sum())
    fp = int(((predicted == 1) & (truth == 0)).sum())
    fn = int(((predicted == 0) & (truth == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return f"precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})"


def fit(features, labels) -> LogisticRegression:
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    model.fit(features, labels)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--write", action="store_true", help="write the model JSON")
    parser.add_argument("--show", action="store_true", help="print the held-out mistakes")
    args = parser.parse_args()
    texts, contexts, label_list, groups = read_labels(args.shared)
    labels = np.asarray(label_list)
    features = feature_matrix(texts, contexts)
    print(
        f"{len(texts)} labelled lines, {int(labels.sum())} furniture, from {len(set(groups))} files"
    )
    split = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=16)
    train, test = next(split.split(features, labels, groups))
    model = fit(features[train], labels[train])
    probability = model.predict_proba(features[test])[:, 1]
    by_model = (probability >= THRESHOLD).astype(int)
    by_rules = np.asarray([1 if rule_reason(texts[i]) else 0 for i in test])
    print(
        f"held out: {len(test)} lines from {len(set(groups[i] for i in test))} files, "
        f"{int(labels[test].sum())} furniture"
    )
    print("  rules alone:        " + precision_recall(by_rules, labels[test]))
    print("  classifier alone:   " + precision_recall(by_model, labels[test]))
    print("  rules + classifier: " + precision_recall(by_rules | by_model, labels[test]))
    if args.show:
        for k, i in enumerate(test):
            if (by_rules[k] | by_model[k]) != labels[i]:
                print(
                    f"    {'missed' if labels[i] else 'wrong'} p={probability[k]:.2f}: {texts[i][:100]}"
                )
    if args.write:
        final = fit(features, labels)
        coefficients = [round(float(x), 4) for x in final.coef_[0]]
        assert len(coefficients) == WORD_FEATURES + CHAR_FEATURES + len(SHAPE_FEATURES)
        data = {
            "about": "furniture line classifier: logistic regression over hashed words and word "
            "pairs, hashed character 3-4-grams and line shape (briefing/stages/furniture.py); "
            "trained by benchmarks/train_furniture.py on briefing/data/furniture_labels.tsv",
            "lines": len(texts),
            "shape_features": list(SHAPE_FEATURES),
            "intercept": round(float(final.intercept_[0]), 4),
            "threshold": THRESHOLD,
            "coefficients": coefficients,
        }
        out = REPO / "briefing" / "data" / MODEL_FILE
        out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(REPO)} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
