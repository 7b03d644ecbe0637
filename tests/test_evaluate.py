import pytest
from conftest import FakeEmbedder, FakeGenerator, write_files

from briefing.config import load_config
from briefing.errors import InputError
from briefing.eval.grounding import evaluate_grounding
from briefing.pipeline import load_prompts

CLUSTER = {
    "clusters/c1/a.txt": (
        "Dam opens floodgates\n\n"
        "Engineers opened the floodgates of the Arden dam on Monday after 80 millimetres of rain.\n\n"
        "Villages downstream were told to move cars away from the river.\n"
    ),
    "clusters/c1/b.txt": (
        "Arden dam releases water\n\nThe Arden dam released water on Monday after heavy rain.\n"
    ),
}


def test_grounding_figures_count_what_became_of_each_sentence(tmp_path):
    root = write_files(tmp_path, CLUSTER)
    config, path = load_config()
    # one sentence copied faithfully, one with a changed number (its repair fails again), one
    # invented
    generator = FakeGenerator(
        "Arden dam opens floodgates",
        rewrites={
            "released water": [
                "The Arden dam released water on Monday after 95 millimetres of rain.",
                "The Arden dam released water after 95 millimetres of rain.",
            ],
            "Villages downstream": "Penguins sang opera in Lisbon.",
        },
    )
    report = evaluate_grounding(root, config, load_prompts(path), generator, FakeEmbedder())
    assert report.clusters == 1
    assert report.sentences_generated == 3
    assert report.kept_as_written == 1
    assert report.repaired == 0
    # the changed number is replaced by its source, quoted; the invented sentence is dropped
    assert report.replaced_by_quotes + report.dropped == 2
    assert report.unsupported_kept == 0
    assert (
        "kept sentences with a number or name missing from their cited lines: 0" in report.format()
    )
    data = report.as_dict()
    assert data["share_kept_as_written"] == pytest.approx(1 / 3)


def test_folder_without_clusters_is_an_input_error(tmp_path):
    config, path = load_config()
    with pytest.raises(InputError, match="no clusters/ folder"):
        evaluate_grounding(tmp_path, config, load_prompts(path), FakeGenerator(), FakeEmbedder())


def test_bcubed_known_values():
    from briefing.eval.metrics import bcubed

    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert bcubed({"a": 1, "b": 1, "c": 2, "d": 2}, gold) == (1.0, 1.0, 1.0)
    p, r, f = bcubed({"a": 1, "b": 1, "c": 1, "d": 1}, gold)
    assert (p, r) == (0.5, 1.0) and f == pytest.approx(2 / 3)
    p, r, f = bcubed({"a": 1, "b": 2, "c": 3, "d": 4}, gold)
    assert (p, r) == (1.0, 0.5)


def test_cluster_evaluation_scores_and_lists_mistakes(tmp_path):
    import json

    from briefing.eval.clustering import evaluate_clustering

    files = {
        "clusters/tram/a.txt": "Dunmore approves tram\n\nDunmore city council voted 9 to 4 on Wednesday to build a tram line to Westfield.\n",
        "clusters/tram/b.txt": "Tram for Westfield\n\nDunmore city council approved a tram line to Westfield on Wednesday by 9 votes to 4.\n",
        "clusters/beetle/c.txt": "New beetle in Tarrow\n\nResearchers at Tarrow University described a new ground beetle from the woods.\n",
        "clusters/beetle/menu.txt": "Home\n\nShop garden tools and furniture at low prices every weekend in our stores.\n",
    }
    write_files(tmp_path, files)
    rows = [
        {"path": "clusters/tram/a.txt", "cluster_id": "tram"},
        {"path": "clusters/tram/b.txt", "cluster_id": "tram"},
        {"path": "clusters/beetle/c.txt", "cluster_id": "beetle"},
        {"path": "clusters/beetle/menu.txt", "cluster_id": "beetle", "boilerplate": True},
    ]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    config, _ = load_config()
    report = evaluate_clustering(tmp_path, config, FakeEmbedder())
    assert report.articles == 3 and report.gold_clusters == 2
    assert report.bcubed_f1 == 1.0 and report.predicted_clusters == 2
    assert "BCubed precision 1.000  recall 1.000  F1 1.000" in report.format()
    singles = evaluate_clustering(tmp_path, config, FakeEmbedder(), boilerplate="singletons")
    assert singles.gold_clusters == 3
