"""Faults a cron job meets, through the real CLI in subprocesses with a fake writer: killed
mid-generation, two runs at once, a read-only output folder, a damaged state file, a full
disk. Each time the previous briefing and state stand, and the message says what happened."""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import sqlite3
import sys
import time

import pytest
from test_daily import D1, D2, DAY1, DAY2, add_day, brief, manifest, run_args

from briefing import cli, output, pipeline


def snapshot(tmp_path) -> dict[str, bytes]:
    """The briefings and the state's contents (the file may differ by page, not by row)."""
    out = tmp_path / "out"
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith(("2026", "index"))}
    with sqlite3.connect(out / "state.sqlite") as db:
        for table in ("articles", "stories", "summaries", "briefings"):
            files[table] = repr(
                db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            ).encode()
    return files


def wait_for(path, text: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {path}")


@pytest.fixture
def day1(tmp_path):
    add_day(tmp_path, DAY1, D1)
    result = brief(tmp_path, "--date", "2026-03-02")
    assert result.returncode == 0, result.stderr
    add_day(tmp_path, DAY2, D2)
    return snapshot(tmp_path)


def test_kill_9_during_generation_leaves_previous_state(tmp_path, day1):
    log = tmp_path / "fake.log"
    log.write_text("")
    run = brief(tmp_path, "--date", "2026-03-02", env={"BRIEFING_FAKE_DELAY": "30"}, wait=False)
    wait_for(log, "story ")  # the writer is writing
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert snapshot(tmp_path) == day1
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    # the next run completes: the dead run's lock went with its process
    result = brief(tmp_path, "--date", "2026-03-03", "--lock-wait", "5")
    assert result.returncode == 0, result.stderr
    assert manifest(tmp_path, "2026-03-03")["story_count"] == 2


def test_two_runs_at_once_one_briefs_one_exits_4(tmp_path, day1):
    log = tmp_path / "fake.log"
    log.write_text("")
    slow = brief(tmp_path, "--date", "2026-03-03", env={"BRIEFING_FAKE_DELAY": "15"}, wait=False)
    wait_for(log, "load writer")  # the first run holds the lock
    second = brief(tmp_path, "--date", "2026-03-03", "--lock-wait", "1")
    assert second.returncode == 4
    assert "another briefing run is writing into" in second.stderr
    assert second.stderr.count("\n") == 1  # one line
    assert slow.wait(timeout=300) == 0, slow.stderr.read() if slow.stderr else ""
    assert manifest(tmp_path, "2026-03-03")["story_count"] == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(tmp_path, day1):
    out = tmp_path / "out"
    out.chmod(0o555)
    try:
        result = brief(tmp_path, "--date", "2026-03-03")
    finally:
        out.chmod(0o755)
    assert result.returncode in (7, 8), result.stderr
    assert "briefing: error: cannot" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == day1


def test_read_only_briefing_files(tmp_path, day1):
    """Root ignores folder permissions; a target that is a folder cannot be replaced by anyone."""
    (tmp_path / "out" / "2026-03-03.md").mkdir()
    result = brief(tmp_path, "--date", "2026-03-03")
    assert result.returncode == 7, result.stderr
    assert "briefing: error: cannot write" in result.stderr
    (tmp_path / "out" / "2026-03-03.md").rmdir()
    assert snapshot(tmp_path) == day1


def test_damaged_state_is_moved_aside_and_rebuilt(tmp_path, day1):
    state = tmp_path / "out" / "state.sqlite"
    state.write_bytes(b"this is not a database" * 100)
    result = brief(tmp_path, "--date", "2026-03-03")
    assert result.returncode == 0, result.stderr
    assert "was damaged" in result.stderr and "started a new one" in result.stderr
    assert list((tmp_path / "out").glob("state.sqlite.corrupt-*"))
    # a new state knows no earlier story: every story of the day is NEW
    assert {s["continuity"]["status"] for s in manifest(tmp_path, "2026-03-03")["stories"]} == {
        "NEW"
    }


def test_disk_full_while_writing(tmp_path, day1, monkeypatch, capsys):
    """ENOSPC simulated in-process (no size-limited folder on this machine)."""
    from conftest import FakeEmbedder
    from fake_cli import load_writer

    monkeypatch.setattr(pipeline, "load_generator", load_writer)
    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: FakeEmbedder())
    real_fsync = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "fsync", full)
    monkeypatch.setattr(sys, "argv", ["briefing", *run_args(tmp_path, "--date", "2026-03-03")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    monkeypatch.setattr(output.os, "fsync", real_fsync)
    assert exit_info.value.code == 7
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert snapshot(tmp_path) == day1
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_state_file_elsewhere(tmp_path, day1):
    other = tmp_path / "elsewhere" / "state.db"
    result = brief(tmp_path, "--date", "2026-03-03", "--state", str(other))
    assert result.returncode == 0, result.stderr
    assert other.exists()
    # a state that never saw day 1 briefs all five articles
    assert manifest(tmp_path, "2026-03-03")["article_count"] == 5
    assert dt.date(2026, 3, 3)
