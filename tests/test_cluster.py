from conftest import prepare

from briefing.cluster import cluster, event_day, names_and_numbers
from briefing.config import ClusterSettings

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
    assert [event_day(a, 3) for a in articles] == ["Sunday", "Wednesday"]
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
