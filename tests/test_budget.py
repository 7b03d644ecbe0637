"""What one run may cost: --max-stories (the most corroborated stories summarised, the others
listed by title), --max-minutes (stories past the run's time budget quoted, marked, not
cached), the writer's per-story time limit, and prompts fitted to the model's context."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from pathlib import Path

import pytest
import yaml
from conftest import FakeEmbedder, FakeStoryWriter
from fake_cli import answer as faithful_answer
from test_daily import DAY1, add_day, assert_citations_resolve, brief, fake_config, manifest

from briefing import pipeline
from briefing.backends.base import StoppedForTime
from briefing.config import load_prompt, packaged_defaults
from briefing.errors import NothingToDo
from briefing.records import Article, Evidence, Sentence, Story
from briefing.stages import generate as generate_stage
from briefing.stages.rank import top_stories
from briefing.stages.render import LISTED_HEADING, QUOTED_FOR_TIME, STOPPED_FOR_TIME

# Four stories: the bridge in three outlets, the tram in two, a fire and a zoo in one each.
DAY = {
    **DAY1,  # the bridge in two outlets, the tram in one
    "courier/bridge.txt": (
        "Harlow bridge closed in storm\n\n"
        "The storm closed the Harlow bridge on Monday as winds hit 120 km/h.\n\n"
        "The council said the Harlow bridge stays closed until engineers inspect it.\n"
    ),
    "post/tram.txt": (
        "Dunmore votes for a tram\n\n"
        "The Dunmore council approved the 11-kilometre tram line by 9 votes to 4.\n\n"
        "The Dunmore tram line will have 14 stops and cost 340 million euros.\n"
    ),
    "courier/fire.txt": (
        "Fire damages Keswin primary school\n\n"
        "A fire broke out overnight at Keswin primary school, firefighters said.\n\n"
        "Nobody was hurt, and classes will move to the Keswin library hall.\n"
    ),
    "post/zoo.txt": (
        "Ostrava zoo welcomes twin pandas\n\n"
        "Two giant panda cubs were born at the Ostrava zoo on Sunday, keepers said.\n\n"
        "The Ostrava zoo will show the panda twins to visitors in the summer.\n"
    ),
}

D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)


def budget_config(tmp_path: Path, **generation) -> Path:
    """The daily tests' config (the fake writer's profile), with these generation settings."""
    path = fake_config(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["profiles"]["fake-writer"]["generation"].update(generation)
    path.write_text(yaml.safe_dump(data))
    return path


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_day(tmp_path, monkeypatch, writer, day=D1, **options):
    """`briefing run` in this process with the fake embedder and `writer`."""
    loads: list[str] = []

    def load_writer(*args, **kwargs):
        loads.append("writer")
        return writer

    monkeypatch.setattr(pipeline, "load_generator", load_writer)
    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: FakeEmbedder())
    if "config_path" not in options:
        options["config_path"] = budget_config(tmp_path)
    result = pipeline.run(
        pipeline.RunOptions(
            input_dir=tmp_path / "in",
            out_dir=tmp_path / "out",
            date=day,
            generator="fake-writer",
            **options,
        )
    )
    return result, loads


def cached_keys(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "out" / "state.sqlite") as db:
        return db.execute("SELECT count(*) FROM summaries").fetchone()[0]


def story_paths(story: dict) -> list[str]:
    return sorted(a["path"] for a in story["sources"])


# --- --max-stories ---------------------------------------------------------------------------


def test_max_stories_summarises_the_most_reported_and_lists_the_rest(tmp_path, monkeypatch):
    add_day(tmp_path, DAY, D1)
    writer = FakeStoryWriter("fake-writer", faithful_answer)
    result, _ = run_day(tmp_path, monkeypatch, writer, max_stories=2, html=True)
    assert (result.stories, result.listed) == (2, 2)
    data = manifest(tmp_path, "2026-03-02")
    assert [story_paths(s) for s in data["stories"]] == [
        ["courier/bridge.txt", "ledger/bridge.txt", "post/bridge.txt"],
        ["ledger/tram.txt", "post/tram.txt"],
    ]
    assert [x["title"] for x in data["listed"]] == [
        "Fire damages Keswin primary school",
        "Ostrava zoo welcomes twin pandas",
    ]
    assert data["run"]["budget"]["listed"] == 2 and data["run"]["budget"]["max_stories"] == 2
    # the writer never saw the listed stories
    assert sum(writer.batches) == 2
    text = (tmp_path / "out" / "2026-03-02.md").read_text()
    assert "2 stories from 7 articles; 2 more stories listed." in text
    listed = text.split(f"## {LISTED_HEADING}")[1]
    assert "- Fire damages Keswin primary school[^" in listed
    assert "- Ostrava zoo welcomes twin pandas[^" in listed
    # each listed line's footnote names the file and the title's line
    notes = dict(line.split(": ", 1) for line in text.splitlines() if line.startswith("[^"))
    fire_ref = listed.split("Keswin primary school")[1].split("]")[0] + "]"
    assert notes[fire_ref] == "courier/fire.txt, line 1"
    # the HTML page lists them too, with links to the copies of the files
    page = (tmp_path / "out" / "2026-03-02.html").read_text()
    assert LISTED_HEADING.replace("'", "&#x27;") in page or LISTED_HEADING in page
    assert "Fire damages Keswin primary school" in page
    assert_citations_resolve(tmp_path, "2026-03-02")  # and `briefing verify` passes


def test_listed_stories_are_seen_a_later_run_does_not_brief_them_as_new(tmp_path, monkeypatch):
    add_day(tmp_path, DAY, D1)
    writer = FakeStoryWriter("fake-writer", faithful_answer)
    run_day(tmp_path, monkeypatch, writer, max_stories=2)
    with sqlite3.connect(tmp_path / "out" / "state.sqlite") as db:
        statuses = sorted(r[0] for r in db.execute("SELECT status FROM stories"))
    assert statuses == ["LISTED", "LISTED", "NEW", "NEW"]
    # nothing new the next day: nothing to brief, the listed stories included
    with pytest.raises(NothingToDo):
        run_day(tmp_path, monkeypatch, writer, day=D2, max_stories=2)
    # a new article about the fire continues the listed story: UPDATED, never NEW again
    add_day(
        tmp_path,
        {
            "ledger/fire-cause.txt": (
                "Keswin primary school fire caused by heater\n\n"
                "Firefighters said a faulty heater caused the fire at Keswin primary school.\n\n"
                "Classes at Keswin primary school will stay in the library hall, the school said.\n"
            )
        },
        D2,
    )
    run_day(tmp_path, monkeypatch, writer, day=D2, max_stories=2)
    day2 = manifest(tmp_path, "2026-03-03")
    assert [s["continuity"]["status"] for s in day2["stories"]] == ["UPDATED"]
    assert day2["stories"][0]["continuity"]["earlier_headline"] == (
        "Fire damages Keswin primary school"
    )
    assert day2["listed"] == []


def test_no_cap_summarises_every_story(tmp_path, monkeypatch):
    add_day(tmp_path, DAY, D1)
    result, _ = run_day(
        tmp_path, monkeypatch, FakeStoryWriter("fake-writer", faithful_answer), max_stories=0
    )
    assert (result.stories, result.listed) == (4, 0)
    assert LISTED_HEADING not in (tmp_path / "out" / "2026-03-02.md").read_text()


def _article(path: str, outlet: str | None, day: int) -> Article:
    return Article(path, path, ("x",), title=path, outlet=outlet, date=dt.date(2026, 3, day))


def test_ranking_is_outlets_then_articles_then_recency():
    one_outlet = Story("a", tuple(_article(f"a{i}.txt", "Ledger", 1) for i in range(3)))
    two_outlets = Story("b", (_article("b1.txt", "Ledger", 1), _article("b2.txt", "Post", 1)))
    old_single = Story("c", (_article("c.txt", None, 1),))
    new_single = Story("d", (_article("d.txt", None, 2),))
    twin = Story("e", (_article("e.txt", None, 2),))
    stories = [old_single, one_outlet, new_single, two_outlets, twin]
    kept, rest = top_stories(stories, 3)
    # kept in the briefing's order; the rest most important first, ties in the given order
    assert [stories[i].id for i in kept] == ["a", "d", "b"]
    assert [stories[i].id for i in rest] == ["e", "c"]
    assert top_stories(stories, 0) == ([0, 1, 2, 3, 4], [])
    assert top_stories(stories, 9) == ([0, 1, 2, 3, 4], [])


# --- --max-minutes ---------------------------------------------------------------------------


def ticking_writer(clock: FakeClock, seconds: float) -> FakeStoryWriter:
    """A faithful writer that takes `seconds` of the fake clock per story (repairs: none)."""

    def answer(numbered):
        if numbered:
            clock.now += seconds
        return faithful_answer(numbered)

    return FakeStoryWriter("fake-writer", answer)


def test_max_minutes_quotes_the_stories_left_when_the_time_is_spent(tmp_path, monkeypatch):
    add_day(tmp_path, DAY, D1)
    clock = FakeClock()
    writer = ticking_writer(clock, 40.0)
    config = budget_config(tmp_path, batch_size=1)
    result, _ = run_day(
        tmp_path,
        monkeypatch,
        writer,
        config_path=config,
        max_stories=0,
        max_minutes=1,
        clock=clock,
        html=True,
    )
    # 60 s: the first story in 40 s, the second started with 20 s left, then the time is up
    assert writer.allowances == [60.0, 20.0]
    assert (result.stories, result.quoted_for_time, result.stopped_for_time) == (4, 2, 0)
    data = manifest(tmp_path, "2026-03-02")
    assert [s["time_limit"] for s in data["stories"]] == [None, None, "quoted", "quoted"]
    assert data["run"]["budget"] == {
        "max_stories": None,
        "max_minutes": 1,
        "max_seconds_per_story": 300.0,
        "listed": 0,
        "quoted_for_time": 2,
        "stopped_for_time": 0,
    }
    # the quoted stories are their sources' sentences, cited, and say why
    for story in data["stories"][2:]:
        assert story["sentences"] and all(s["kind"] == "quote" for s in story["sentences"])
    text = (tmp_path / "out" / "2026-03-02.md").read_text()
    stories = text.split("\n## ")[1:]
    assert [QUOTED_FOR_TIME in story for story in stories] == [False, False, True, True]
    page = (tmp_path / "out" / "2026-03-02.html").read_text()
    assert (
        page.count("Quoted for time: the run&#x27;s time budget")
        + page.count("Quoted for time: the run's time budget")
        == 2
    )
    assert_citations_resolve(tmp_path, "2026-03-02")
    # not cached: the next run writes them, reusing the two written ones
    assert cached_keys(tmp_path) == 2
    writer = FakeStoryWriter("fake-writer", faithful_answer)
    again, _ = run_day(tmp_path, monkeypatch, writer, config_path=config, max_stories=0)
    assert (again.reused, again.quoted_for_time) == (2, 0)
    assert sum(writer.batches) == 2
    rerun = manifest(tmp_path, "2026-03-02")
    assert [s["time_limit"] for s in rerun["stories"]] == [None] * 4
    assert cached_keys(tmp_path) == 4


def test_a_spent_budget_never_loads_the_writer(tmp_path, monkeypatch):
    add_day(tmp_path, DAY, D1)
    clock = FakeClock()

    class SlowIngest:  # the budget is spent before the first story's turn
        def __call__(self) -> float:
            clock.now += 30
            return clock.now

    result, loads = run_day(
        tmp_path,
        monkeypatch,
        FakeStoryWriter("fake-writer", faithful_answer),
        max_stories=2,
        max_minutes=0.5,
        clock=SlowIngest(),
    )
    assert loads == [] and result.quoted_for_time == 2 and result.listed == 2


def test_the_cli_run_past_its_budget_exits_0_and_says_so(tmp_path):
    add_day(tmp_path, DAY1, D1)
    result = brief(tmp_path, "--date", "2026-03-02", "--max-minutes", "0.000001")
    assert result.returncode == 0, result.stderr
    assert "quoted for time" in result.stderr
    log = tmp_path / "fake.log"
    assert not log.exists() or "load writer" not in log.read_text()
    text = (tmp_path / "out" / "2026-03-02.md").read_text()
    assert text.count(QUOTED_FOR_TIME) == 2
    data = manifest(tmp_path, "2026-03-02")
    assert data["run"]["budget"]["quoted_for_time"] == 2
    assert cached_keys(tmp_path) == 0


# --- the writer's time limit -----------------------------------------------------------------


def test_a_story_stopped_for_time_keeps_its_finished_sentences(tmp_path, monkeypatch):
    add_day(tmp_path, DAY, D1)

    class StopsOnTram(FakeStoryWriter):
        def generate_many(self, requests, max_new_tokens=None, max_seconds=None, may_end=None):
            answers = super().generate_many(requests, max_new_tokens, max_seconds, may_end)
            return [self._stop(a) for a in answers]

        def _stop(self, answer: str) -> str:
            if "tram" not in answer:
                return answer
            # cut off in the third summary sentence
            return StoppedForTime(answer[: answer.index("[2]") + 3] + "\nThe Dunmore coun")

    writer = StopsOnTram("fake-writer", faithful_answer)
    result, _ = run_day(tmp_path, monkeypatch, writer, max_stories=0)
    assert writer.allowances == [1200.0]  # a batch of 4 stories, 300 s each
    assert result.stopped_for_time == 1
    data = manifest(tmp_path, "2026-03-02")
    tram = data["stories"][1]
    assert tram["time_limit"] == "stopped" and tram["draft"]["stopped"] is True
    kinds = {s["text"]: s["kind"] for s in tram["sentences"]}
    # the finished sentence is kept as written; the cut one never reaches the page
    assert kinds["The tram project is expected to cost 340 million euros and have 14 stops."] == (
        "generated"
    )
    assert not any("coun" in s.split()[-1] for s in kinds)
    assert data["run"]["budget"]["stopped_for_time"] == 1
    text = (tmp_path / "out" / "2026-03-02.md").read_text()
    stories = text.split("\n## ")[1:]
    assert [STOPPED_FOR_TIME in story for story in stories] == [False, True, False, False]
    assert cached_keys(tmp_path) == 3  # the stopped story is written again next run


def test_a_batch_gets_the_per_story_limit_times_its_stories_within_the_run_budget():
    assert generate_stage.allowance(4, 120.0, lambda: None) == 480.0
    assert generate_stage.allowance(4, 120.0, lambda: 100.0) == 100.0
    assert generate_stage.allowance(1, None, lambda: 7.0) == 7.0
    assert generate_stage.allowance(2, None, lambda: None) is None


def _story(count: int) -> tuple[Story, Evidence]:
    sentences = tuple(
        Sentence(
            "a1",
            "a.txt",
            i,
            f"Sentence number {i} says one more thing about the bridge.",
            i + 3,
            i + 3,
        )
        for i in range(count)
    )
    article = Article("a1", "a.txt", ("x",) * 20, title="Bridge", sentences=sentences)
    return Story("s1", (article,)), Evidence("s1", sentences, lede=2)


def test_sentence_style_stops_at_its_time_limit_with_the_sentences_done():
    from conftest import FakeGenerator

    from briefing.pipeline import load_prompts

    story, evidence = _story(4)

    class StopsOnThird(FakeGenerator):
        def generate(self, messages, copy_from="", max_new_tokens=None, max_seconds=None):
            assert max_seconds is not None and max_seconds <= 30
            answer = super().generate(messages, copy_from, max_new_tokens, max_seconds)
            return StoppedForTime("Sentence number") if "number 2" in copy_from else answer

    generator = StopsOnThird()
    prompts = load_prompts(packaged_defaults() / "models.yaml")
    draft = generate_stage.generate(story, evidence, prompts, generator, max_seconds=30)
    assert draft.stopped and draft.headline == ""
    assert [s.text for s in draft.sentences] == [s.text for s in evidence.sentences[:2]]
    assert len(generator.prompts) == 3  # no call after the stop, no headline call


# --- prompts fitted to the model's context -------------------------------------------------------


class SmallContextWriter(FakeStoryWriter):
    """A writer whose context holds `context_length` tokens (a token: a word here)."""

    def __init__(self, context_length: int | None):
        super().__init__("small", lambda numbered: "Headline: x\nSummary: x")
        self.context_length = context_length
        self.prompts: list[str] = []

    def prompt_tokens(self, messages) -> int:
        return sum(len(m["content"].split()) for m in messages)

    def generate_many(self, requests, max_new_tokens=None, max_seconds=None, may_end=None):
        self.prompts += [messages[-1]["content"] for messages, _ in requests]
        return super().generate_many(requests, max_new_tokens, max_seconds, may_end)


def test_a_prompt_over_the_context_drops_its_last_evidence_sentences_whole(caplog):
    story, evidence = _story(6)
    prompt = load_prompt(packaged_defaults() / "models.yaml", "story")
    full = SmallContextWriter(None)  # a context it does not know: the prompt is sent whole
    generate_stage.generate_stories([(story, evidence)], prompt, full)
    assert len([x for x in full.prompts[0].splitlines() if x.startswith("[")]) == 6
    words = full.prompt_tokens(generate_stage.story_messages(prompt, story, evidence))
    per_line = len(f"[1] (source 1) {evidence.sentences[0].text}".split())
    # room for all but the last two evidence lines once the answer's tokens are reserved
    small = SmallContextWriter(words - 2 * per_line + generate_stage.STORY_TOKENS)
    with caplog.at_level(logging.INFO, logger="briefing.stages.generate"):
        drafts = generate_stage.generate_stories([(story, evidence)], prompt, small)
    sent = [line for line in small.prompts[0].splitlines() if line.startswith("[")]
    assert len(sent) == 4
    assert [line.split(") ", 1)[1] for line in sent] == [s.text for s in evidence.sentences[:4]]
    assert "sent 4 of its 6 evidence sentences" in caplog.text
    assert not isinstance(drafts[0], Exception)
    # a context too small even for the lede: the first sentence is sent, never an error
    tiny = SmallContextWriter(10)
    drafts = generate_stage.generate_stories([(story, evidence)], prompt, tiny)
    assert len([x for x in tiny.prompts[0].splitlines() if x.startswith("[")]) == 1
    assert not isinstance(drafts[0], Exception)


# --- the backends stop at their time limit -------------------------------------------------


def test_int8_generation_stops_every_unfinished_row_at_its_deadline():
    import torch

    from briefing.backends import int8

    state = int8._RowState(3)
    state.finish[2], state.stop_at[2] = "eos", 1
    watch = int8._watch(state, None, 2, {0}, (), 20, deadline=time.perf_counter() - 1)
    ids = torch.tensor([[5, 6, 7, 8], [5, 6, 9, 9], [5, 6, 0, 0]])
    assert watch(ids, None).tolist() == [True, True, True]
    assert state.finish == ["time", "time", "eos"] and state.stop_at == [2, 2, 1]
    later = int8._RowState(1)
    running = int8._watch(later, None, 2, {0}, (), 20, deadline=time.perf_counter() + 60)
    assert running(ids[:1], None).tolist() == [False] and later.finish == [""]


def test_int8_generation_past_its_time_starts_no_batch():
    from types import SimpleNamespace

    from briefing.backends import int8

    class Tokenizer:
        pad_token_id = 0

        def __call__(self, text, **kwargs):
            return {"input_ids": text.split()}

    class Model:
        generation_config = SimpleNamespace(eos_token_id=0)

        def generate(self, **kwargs):
            raise AssertionError("no batch starts after the deadline")

    results = int8.generate(Model(), Tokenizer(), ["a b c", "d e"], max_seconds=0.0)
    assert [(r.text, r.finish, r.new_tokens) for r in results] == [("", "time", 0)] * 2


def test_transformers_time_stop_fires_after_its_seconds():
    from briefing.backends.transformers import _TimeStop

    stop = _TimeStop(0.0)
    assert stop(None, None) and stop.fired
    assert not _TimeStop(60.0)(None, None)


def test_after_the_budget_verification_quotes_instead_of_repairing():
    calls: list[str] = []

    def repair(source):
        calls.append(source)
        return "a repaired sentence"

    assert pipeline._repair_in_time(repair, lambda: 5.0)("s") == "a repaired sentence"
    with pytest.raises(generate_stage.OutOfTime):
        pipeline._repair_in_time(repair, lambda: 0.0)("s")
    assert calls == ["s"]
