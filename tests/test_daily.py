"""Daily runs through the real CLI in subprocesses, with fake models (tests/fake_cli.py): three
days of input with continuity marks and the summary cache; exit codes; the lock; dates."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import FakeEmbedder, write_files

from briefing.audit import audit
from briefing.config import VerifySettings, packaged_defaults

FAKE_CLI = Path(__file__).resolve().parent / "fake_cli.py"
REPO = Path(__file__).resolve().parent.parent

# Story A continues over three days; story B ends after day 1; story C starts on day 2.
DAY1 = {
    "ledger/bridge.txt": (
        "Storm closes Harlow bridge\n\n"
        "The Harlow bridge was closed on Monday after storm winds reached 120 km/h.\n\n"
        "Engineers will inspect the Harlow bridge before it reopens, the council said.\n"
    ),
    "post/bridge.txt": (
        "Harlow bridge shut by storm\n\n"
        "Storm winds of 120 km/h forced the closure of the Harlow bridge on Monday.\n\n"
        "Drivers were sent on a detour through Westfield while the bridge stays shut.\n"
    ),
    "ledger/tram.txt": (
        "Dunmore council approves tram line\n\n"
        "Dunmore city council voted 9 to 4 to build an 11-kilometre tram line.\n\n"
        "The tram project is expected to cost 340 million euros and have 14 stops.\n"
    ),
}
DAY2 = {
    "ledger/bridge-inspection.txt": (
        "Harlow bridge inspection finds cracks\n\n"
        "Engineers who inspected the storm-damaged Harlow bridge found cracks in two piers.\n\n"
        "The Harlow bridge will stay closed for at least three weeks, the council said.\n"
    ),
    "courier/school-fire.txt": (
        "Fire damages Keswin primary school\n\n"
        "A fire broke out overnight at Keswin primary school, firefighters said.\n\n"
        "Nobody was hurt, and classes will move to the Keswin library hall.\n"
    ),
}
DAY3 = {
    # repeats what the day-2 briefing already said about the bridge: nothing new
    "post/bridge-closed.txt": (
        "Harlow bridge stays closed\n\n"
        "Engineers who inspected the storm-damaged Harlow bridge found cracks in two piers.\n\n"
        "The Harlow bridge will stay closed for at least three weeks, the council said.\n"
    ),
    "courier/school-fire-cause.txt": (
        "Keswin primary school fire caused by heater\n\n"
        "Firefighters said a faulty heater caused the fire at Keswin primary school.\n\n"
        "Repairs to the Keswin primary school will take until the spring, the school said.\n"
    ),
}


def fake_config(tmp_path: Path, **continuity) -> Path:
    data = yaml.safe_load((packaged_defaults() / "models.yaml").read_text())
    data["profiles"]["fake-writer"] = {
        "kind": "causal-lm",
        "description": "a fake story writer for tests",
        "source": {"type": "local", "path": "/nonexistent"},
        "generation": {"style": "story", "evidence_words": 200, "evidence_sentences": 8},
    }
    # the fake embedder's bag of words scores same-story leads lower than a real embedder
    data["pipeline"]["continuity"].update({"match_similarity": 0.5, **continuity})
    path = tmp_path / "config" / "models.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def run_args(tmp_path: Path, *args: str) -> list[str]:
    """`run IN --out OUT --config ... --model fake-writer ARGS`: the fake writer's command line."""
    return [
        "run",
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "out"),
        "--config",
        str(fake_config(tmp_path)),
        "--model",
        "fake-writer",
        *args,
    ]


def brief(tmp_path: Path, *args: str, env: dict | None = None, wait: bool = True, **kwargs):
    """`briefing run IN --out OUT --config ... --model fake-writer ARGS` in a subprocess."""
    command = [sys.executable, str(FAKE_CLI), *run_args(tmp_path, *args)]
    full_env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "BRIEFING_FAKE_LOG": str(tmp_path / "fake.log"),
        **(env or {}),
    }
    if not wait:
        streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
        return subprocess.Popen(command, env=full_env, text=True, **streams)
    return subprocess.run(command, env=full_env, capture_output=True, text=True, **kwargs)


def add_day(tmp_path: Path, files: dict[str, str], day: dt.date) -> None:
    """The scraper's files of `day`, their modification time at 05:00 that day (their date)."""
    write_files(tmp_path / "in", files)
    stamp = dt.datetime.combine(day, dt.time(5)).timestamp()
    for rel in files:
        os.utime(tmp_path / "in" / rel, (stamp, stamp))


def manifest(tmp_path: Path, day: str) -> dict:
    return json.loads((tmp_path / "out" / f"{day}.json").read_text())


def marks(data: dict) -> dict[str, str]:
    """Story mark by the set of its source paths."""
    return {
        " ".join(sorted(a["path"] for a in s["sources"])): s["continuity"]["status"]
        for s in data["stories"]
    }


def assert_citations_resolve(tmp_path: Path, day: str) -> None:
    data = manifest(tmp_path, day)
    for story in data["stories"]:
        for sentence in [story["headline"], *story["sentences"]]:
            assert sentence["citations"], sentence
            for c in sentence["citations"]:
                lines = (tmp_path / "in" / c["path"]).read_text().split("\n")
                cited = " ".join(lines[c["start_line"] - 1 : c["end_line"]])
                assert " ".join(c["text"].split()) in " ".join(cited.split())
    checks = audit(
        tmp_path / "out" / f"{day}.md", tmp_path / "in", FakeEmbedder(), VerifySettings()
    )
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]


D1, D2, D3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)


def test_three_days_of_input(tmp_path):
    add_day(tmp_path, DAY1, D1)
    first = brief(tmp_path, "--date", "2026-03-02")
    assert first.returncode == 0, first.stderr
    day1 = manifest(tmp_path, "2026-03-02")
    assert marks(day1) == {
        "ledger/bridge.txt post/bridge.txt": "NEW",
        "ledger/tram.txt": "NEW",
    }
    assert all(
        a["date_source"] == "mtime" and a["date"] == "2026-03-02"
        for entry in day1["run"]["inputs"]
        for a in entry["articles"]
    )

    add_day(tmp_path, DAY2, D2)
    second = brief(tmp_path, "--date", "2026-03-03")
    assert second.returncode == 0, second.stderr
    day2 = manifest(tmp_path, "2026-03-03")
    # day 1's stories are not briefed again as NEW; the bridge story is updated, the tram ended
    assert marks(day2) == {
        "ledger/bridge-inspection.txt": "UPDATED",
        "courier/school-fire.txt": "NEW",
    }
    text2 = (tmp_path / "out" / "2026-03-03.md").read_text()
    assert "**UPDATED** since the briefing of [2026-03-02](2026-03-02.md)" in text2
    assert "tram" not in text2.lower()
    counted = {a["article_id"]: a["counted"] for e in day2["run"]["inputs"] for a in e["articles"]}
    assert sum(counted.values()) == 2 and len(counted) == 5

    # the same day again: nothing new to write, every summary from the cache, no writer loaded
    log = tmp_path / "fake.log"
    log.write_text("")
    again = brief(tmp_path, "--date", "2026-03-03")
    assert again.returncode == 0, again.stderr
    assert log.read_text() == ""
    rerun = manifest(tmp_path, "2026-03-03")
    assert rerun["run"]["summary_cache"] == {"reused": 2, "written": 0}
    assert rerun["run"]["generator"]["loaded"] is False
    assert marks(rerun) == marks(day2)
    assert (tmp_path / "out" / "2026-03-03.md").read_text() == text2

    add_day(tmp_path, DAY3, D3)
    third = brief(tmp_path, "--date", "2026-03-04")
    assert third.returncode == 0, third.stderr
    day3 = manifest(tmp_path, "2026-03-04")
    assert marks(day3) == {
        "post/bridge-closed.txt": "ONGOING",
        "courier/school-fire-cause.txt": "UPDATED",
    }
    text3 = (tmp_path / "out" / "2026-03-04.md").read_text()
    assert "**ONGOING**: nothing new since the briefing of [2026-03-03](2026-03-03.md)" in text3
    ongoing = next(s for s in day3["stories"] if s["continuity"]["status"] == "ONGOING")
    assert ongoing["sentences"] == [] and ongoing["continuity"]["first_briefed"] == "2026-03-02"

    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        assert_citations_resolve(tmp_path, day)
    index = (tmp_path / "out" / "index.md").read_text()
    assert index.index("[2026-03-04]") < index.index("[2026-03-03]") < index.index("[2026-03-02]")

    # nothing new on day 4: exit 3, nothing written
    fourth = brief(tmp_path, "--date", "2026-03-05")
    assert fourth.returncode == 3, fourth.stderr
    assert "nothing was written" in fourth.stderr
    assert not (tmp_path / "out" / "2026-03-05.md").exists()


def test_same_day_rerun_is_fast(tmp_path):
    """The wall time of a re-run with nothing new against the first run: fake models, the
    writer taking 1 s a story (the real writer takes far longer, so the share is smaller)."""
    add_day(tmp_path, {**DAY1, **DAY2}, D1)
    started = time.monotonic()
    first = brief(tmp_path, "--date", "2026-03-02", env={"BRIEFING_FAKE_DELAY": "1"})
    first_s = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    first_total = manifest(tmp_path, "2026-03-02")["run"]["timings_s"]["total"]
    started = time.monotonic()
    again = brief(tmp_path, "--date", "2026-03-02", env={"BRIEFING_FAKE_DELAY": "1"})
    again_s = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    again_total = (again_run := manifest(tmp_path, "2026-03-02")["run"])["timings_s"]["total"]
    print(
        f"wall: first run {first_s:.2f} s, same-day re-run {again_s:.2f} s; "
        f"in the run (after imports): {first_total:.2f} s and {again_total:.2f} s"
    )
    assert again_run["generator"]["loaded"] is False
    assert again_s < first_s and again_total <= 0.25 * first_total


def test_window_and_since_pick_articles_by_date(tmp_path):
    add_day(tmp_path, DAY1, D1)
    add_day(tmp_path, DAY2, D2)
    result = brief(tmp_path, "--date", "2026-03-03", "--window", "1d")
    assert result.returncode == 0, result.stderr
    assert set(marks(manifest(tmp_path, "2026-03-03"))) == {
        "ledger/bridge-inspection.txt",
        "courier/school-fire.txt",
    }
    result = brief(tmp_path, "--date", "2026-03-03", "--since", "2026-03-01")
    assert result.returncode == 0, result.stderr
    assert len(manifest(tmp_path, "2026-03-03")["run"]["inputs"]) == 5
    assert (
        sum(
            a["counted"]
            for e in manifest(tmp_path, "2026-03-03")["run"]["inputs"]
            for a in e["articles"]
        )
        == 5
    )


def test_dateline_and_metadata_dates(tmp_path):
    write_files(
        tmp_path / "in",
        {
            "a.md": "---\ntitle: Storm closes Harlow bridge\ndate: 2026-03-01\n---\n\n"
            "The Harlow bridge was closed on Monday after storm winds reached 120 km/h.\n",
            "b.txt": "Harlow bridge shut by storm\n\nHARLOW, March 1, 2026 - Storm winds of "
            "120 km/h forced the closure of the Harlow bridge on Monday.\n",
        },
    )
    result = brief(tmp_path, "--date", "2026-03-02")
    assert result.returncode == 0, result.stderr
    sources = {
        e["path"]: (a["date"], a["date_source"])
        for e in manifest(tmp_path, "2026-03-02")["run"]["inputs"]
        for a in e["articles"]
    }
    assert sources == {"a.md": ("2026-03-01", "metadata"), "b.txt": ("2026-03-01", "dateline")}


def test_skipped_input_exits_6_and_bad_window_exits_2(tmp_path):
    add_day(tmp_path, {**DAY1, "junk.bin": "x"}, D1)
    result = brief(tmp_path, "--date", "2026-03-02")
    assert result.returncode == 6, result.stderr
    assert "junk.bin" in (tmp_path / "out" / "2026-03-02.md").read_text()
    bad = brief(tmp_path, "--date", "2026-03-02", "--window", "yesterday")
    assert bad.returncode == 2
    assert "not a window such as 24h" in bad.stderr


def test_keep_prunes_old_briefings(tmp_path):
    for day, files in ((D1, DAY1), (D2, DAY2), (D3, DAY3)):
        add_day(tmp_path, files, day)
        result = brief(tmp_path, "--date", day.isoformat(), "--keep", "2")
        assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").glob("2026-*"))
    assert names == ["2026-03-03.json", "2026-03-03.md", "2026-03-04.json", "2026-03-04.md"]
    index = (tmp_path / "out" / "index.md").read_text()
    assert "2026-03-02" not in index and "[2026-03-04](2026-03-04.md)" in index


def test_manifest_has_run_facts(tmp_path):
    add_day(tmp_path, DAY1, D1)
    assert brief(tmp_path, "--date", "2026-03-02").returncode == 0
    run = manifest(tmp_path, "2026-03-02")["run"]
    assert run["generator"]["profile"] == "fake-writer" and run["generator"]["loaded"] is True
    assert run["embedder"]["weights"]["sha256"]  # the exact weights file the profile names
    stages = {"ingest", "clean", "embed", "cluster", "continuity", "select", "generate"}
    assert stages | {"verify", "summarise", "render", "total"} <= set(run["timings_s"])
    assert "writer_throughput" in run  # None for a fake writer that counts no tokens
    entry = next(e for e in run["inputs"] if e["path"] == "ledger/tram.txt")
    import hashlib

    assert (
        entry["sha256"]
        == hashlib.sha256((tmp_path / "in/ledger/tram.txt").read_bytes()).hexdigest()
    )
    assert run["configuration"]["continuity"]["match_similarity"] == 0.5
    with sqlite3.connect(tmp_path / "out" / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (3,)


@pytest.mark.parametrize("when", [["--at", "06:30"], []])  # 06:30 is also the default
def test_schedule_prints_crontab_and_systemd(tmp_path, when):
    env = {k: v for k, v in os.environ.items() if k not in ("BRIEFING_CACHE_DIR", "HF_HOME")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefing",
            "schedule",
            str(tmp_path / "in"),
            "--out",
            str(tmp_path / "out"),
            *when,
        ],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "xdg cache")},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    cron = next(line for line in lines if line.startswith("30 6 * * * "))
    log_dir = tmp_path / "out"
    # the cache the weights were fetched into is where the run will look for them
    assert f"XDG_CACHE_HOME='{tmp_path / 'xdg cache'}'" in cron
    assert f"Environment='XDG_CACHE_HOME={tmp_path / 'xdg cache'}'" in result.stdout
    assert f"mkdir -p {log_dir} && " in cron and " HF_HUB_OFFLINE=1 " in f" {cron}"
    assert (
        f"run {tmp_path / 'in'} --out {tmp_path / 'out'} --quiet >> {log_dir}/cron.log 2>&1" in cron
    )
    assert "OnCalendar=*-*-* 06:30:00" in result.stdout
    assert (
        "ExecStart=/bin/sh -c " in result.stdout and "Environment=HF_HUB_OFFLINE=1" in result.stdout
    )
    # the crontab line runs: its own folder for the log, the command found
    shell = cron.split(" * * * ", 1)[1].replace(
        f"run {tmp_path / 'in'} --out {tmp_path / 'out'} --quiet", "--help"
    )
    done = subprocess.run(["/bin/sh", "-c", shell], capture_output=True, text=True)
    assert done.returncode == 0 and (log_dir / "cron.log").exists()


def test_progress_bar_on_a_terminal_plain_lines_under_cron(tmp_path):
    import pty

    add_day(tmp_path, DAY1, D1)
    plain = brief(tmp_path, "--date", "2026-03-02")
    assert plain.returncode == 0, plain.stderr
    assert "stories written" not in plain.stderr
    assert not any(ch in plain.stderr for ch in "\x1b\r\b"), "control characters in the log"
    # each line of the log says when it was written (cron.log grows a morning at a time)
    lines = plain.stderr.splitlines()
    assert lines and all(
        re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} briefing: ", line) for line in lines
    ), plain.stderr

    # the same run on a terminal draws a progress bar of the stories written
    primary, secondary = pty.openpty()
    run = brief(
        tmp_path,
        "--date",
        "2026-03-01",
        "--since",
        "2026-03-01",
        env={"BRIEFING_FAKE_DELAY": "1", "COLUMNS": "100"},
        wait=False,
        stderr=secondary,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    assert run.wait(timeout=120) == 0
    assert b"stories written" in shown
    assert re.search(rb"^briefing: ", shown, flags=re.M)  # no timestamps on a terminal


def test_no_library_progress_bar_in_a_log():
    """transformers draws a tqdm bar while it converts a GGUF file ("Converting and
    de-quantizing GGUF tensors..."); written to cron.log it is a line of carriage returns."""
    probe = (
        "from briefing import cli; cli._setup_logging(False, False)\n"
        "from tqdm.auto import tqdm\n"
        "for _ in tqdm(range(3), desc='Converting and de-quantizing GGUF tensors...'): pass\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert "Converting" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("lines", "date"),
    [
        (["HARLOW, March 1, 2026 - Storm winds closed the Harlow bridge on Monday."], "2026-03-01"),
        (["Storm closes Harlow bridge", "By Ines Calder | 23 November 2026"], "2026-11-23"),
        (["Wind, rain and a closed bridge in Harlow on a long night for the town's ferry crews, "
          "as storm winds reached 120 km/h (Published Monday, March 2, 2026)"], "2026-03-02"),
        # a photo caption's date, a birth date in the story: no dateline
        (["The mayor before opening the Harlow bridge on September 20, 2005. Tom Reed/Harlow "
          "Photo Agency", "Storm winds closed the bridge on Monday."], None),
        (["Ines Calder, the harbour master who was born in Harlow on April 22, 1961, closed "
          "the pier."], None),
    ],
)  # fmt: skip
def test_a_date_dates_an_article_only_from_a_dateline(lines, date):
    from briefing.dating import date_in_text

    found = date_in_text(lines)
    assert (found.isoformat() if found else None) == date
