import numpy as np
from conftest import prepare

from briefing.config import ClusterSettings
from briefing.stages.cluster import PairScorer, cluster, event_day, names_and_numbers

FILES = {
    "a/tram.txt": (
        "Dunmore council approves tram line\n\n"
        "Dunmore city council voted 9 to 4 on Wednesday to build an 11-kilometre tram line to "
        "Westfield.\n\nMayor Tomas Reyne said construction would begin in 2028.\n"
    ),
    "b/tram.txt": (
        "Dunmore says yes to tram line to Westfield\n\n"
        "Dunmore city council approved an 11-kilometre tram line to Westfield on Wednesday by "
        "9 votes to 4.\n\nMayor Tomas Reyne said construction would begin in 2028.\n"
    ),
    "c/beetle.txt": (
        "New beetle species found near Tarrow\n\n"
        "Researchers at Tarrow University described a new ground beetle from the woods north "
        "of the town.\n\nThe team found 37 specimens during a survey.\n"
    ),
}


def test_same_event_joins_and_other_event_stays_apart(tmp_path, fake_embedder):
    articles, vectors = prepare(tmp_path, FILES, fake_embedder)
    stories = cluster(articles, vectors, ClusterSettings())
    assert [[a.path for a in s.articles] for s in stories] == [
        ["a/tram.txt", "b/tram.txt"],
        ["c/beetle.txt"],
    ]
    assert len({s.id for s in stories}) == 2


def test_leads_naming_different_weekdays_are_kept_apart(tmp_path, fake_embedder):
    files = {
        "x.txt": "Missiles fired\n\nNorth Korea fired two missiles off its east coast on Sunday.\n",
        "y.txt": "Missiles fired\n\nNorth Korea fired two missiles off its east coast on Wednesday.\n",
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    assert [event_day(a) for a in articles] == ["Sunday", "Wednesday"]
    together = cluster(articles, vectors, ClusterSettings(time_penalty=0.0))
    apart = cluster(articles, vectors, ClusterSettings(time_penalty=0.9))
    assert len(together) == 1 and len(apart) == 2


def test_single_article_is_a_story(tmp_path, fake_embedder):
    articles, vectors = prepare(tmp_path, {"one.txt": FILES["c/beetle.txt"]}, fake_embedder)
    [story] = cluster(articles, vectors, ClusterSettings())
    assert [a.path for a in story.articles] == ["one.txt"]
    assert cluster([], vectors, ClusterSettings()) == []


def test_names_and_numbers_skip_sentence_words(tmp_path, fake_embedder):
    articles, _ = prepare(tmp_path, {"a/tram.txt": FILES["a/tram.txt"]}, fake_embedder)
    found = names_and_numbers(articles[0])
    assert {"dunmore", "westfield", "tomas", "reyne", "2028", "9"} <= set(found)
    assert "the" not in found and "mayor" in found


def test_event_day_is_the_weekday_named_most(tmp_path, fake_embedder):
    text = (
        "Projectiles fired\n\nTalks were last held on Monday.\n\n"
        "Two projectiles were fired on Tuesday.\n\nTuesday's launch was the tenth.\n"
    )
    articles, _ = prepare(tmp_path, {"x.txt": text}, fake_embedder)
    assert event_day(articles[0]) == "Tuesday"


def test_vectorised_shared_facts_match_the_definition(tmp_path, fake_embedder):
    files = {
        **FILES,
        "d/one-line.txt": "Short note\n\nDunmore will vote again in 2029.\n",
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    scorer = PairScorer(articles, vectors, ClusterSettings(facts_top=3))
    for i in range(len(articles)):
        partners = np.array([j for j in range(len(articles)) if j != i])
        fast = scorer.facts(i, partners)
        for value, j in zip(fast, partners, strict=True):
            cosine = scorer.sentences[i] @ scorer.sentences[j].T
            forward = np.sort(cosine.max(axis=1))[::-1][:3].mean()
            backward = np.sort(cosine.max(axis=0))[::-1][:3].mean()
            assert abs(value - (forward + backward) / 2) < 1e-5


def test_candidate_search_recovers_stories_in_a_large_batch():
    from briefing.eval.metrics import bcubed
    from briefing.eval.synthetic import synthetic_batch

    articles, vectors, gold = synthetic_batch(400, seed=1)
    few = cluster(articles, vectors, ClusterSettings(candidates=5))
    every = cluster(articles, vectors, ClusterSettings(candidates=399))
    assert [s.id for s in few] == [s.id for s in every]
    predicted = {a.path: s.id for s in few for a in s.articles}
    assert bcubed(predicted, gold)[0] > 0.95


def test_blocked_similarity_matrix_matches_the_pairwise_scores(monkeypatch):
    """`exact` multiplies sentences in blocks and mirrors the upper triangle; every entry must
    still be the pairwise score, whatever the block size."""
    from briefing.eval.synthetic import synthetic_batch
    from briefing.stages import cluster as cluster_stage

    articles, vectors, _ = synthetic_batch(60, seed=2)
    scorer = PairScorer(articles, vectors, ClusterSettings())
    members = np.arange(len(articles))
    expected = np.eye(len(members), dtype=np.float32)
    for k in range(len(members) - 1):
        expected[k, k + 1 :] = expected[k + 1 :, k] = scorer.scores(k, members[k + 1 :])
    for sentences, block in ((512, 64), (40, 64), (1, 1), (100, 3)):
        monkeypatch.setattr(cluster_stage, "_SENTENCE_BLOCK", sentences)
        monkeypatch.setattr(cluster_stage, "_ARTICLE_BLOCK", block)
        assert np.allclose(scorer.exact(members), expected, atol=1e-5)
