import datetime as dt
import shutil

import pytest
from conftest import FakeEmbedder, FakeGenerator, write_files
from test_cli import call_main

from briefing.audit import audit
from briefing.backends import base as backends
from briefing.config import VerifySettings, load_config
from briefing.pipeline import build_briefing, load_prompts
from briefing.stages.render import render_json, render_markdown

FILES = {
    "a/quake.txt": (
        "Earthquake shakes Tarrow\n\n"
        "An earthquake of magnitude 4.1 shook Tarrow at 3:15 am on Sunday.\n\n"
        "No injuries were reported, the fire service said.\n"
    ),
    "b/quake.txt": (
        "Tarrow quake wakes residents\n\n"
        "Residents were woken early on Sunday when windows rattled across the town, in what "
        "the fire service called a magnitude 4.1 earthquake.\n"
    ),
}


@pytest.fixture
def written(tmp_path):
    root = write_files(tmp_path / "in", FILES)
    config, path = load_config()
    generator = FakeGenerator(
        "Earthquake shakes Tarrow",
        rewrites={"the fire service said": "No injuries were reported."},
    )
    briefing = build_briefing(
        root, dt.date(2026, 11, 22), config, load_prompts(path), generator, FakeEmbedder()
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "2026-11-22.md").write_text(render_markdown(briefing))
    (out / "2026-11-22.json").write_text(render_json(briefing))
    return root, out / "2026-11-22.md"


def failures(root, md):
    return [c for c in audit(md, root, FakeEmbedder(), VerifySettings()) if not c.ok]


def test_untouched_briefing_passes(written):
    root, md = written
    checks = audit(md, root, FakeEmbedder(), VerifySettings())
    assert checks and all(c.ok for c in checks)
    assert checks[0].position == "headline"


def test_changed_source_line_is_reported(written):
    root, md = written
    path = root / "a/quake.txt"
    path.write_text(path.read_text().replace("magnitude 4.1 shook", "magnitude 5.9 shook"))
    [failure, *_] = failures(root, md)
    assert (
        "a/quake.txt:3-3: the cited text changed since the briefing was written" in failure.problems
    )


def test_moved_lines_and_deleted_files_are_reported(written):
    root, md = written
    path = root / "a/quake.txt"
    path.write_text("\n\n" + path.read_text())  # same text, two lines further down
    assert failures(root, md)
    shutil.rmtree(root / "a")
    assert any("a/quake.txt: file is gone" in p for c in failures(root, md) for p in c.problems)


def test_hand_edit_of_the_markdown_is_reported(written):
    root, md = written
    md.write_text(md.read_text().replace("magnitude 4.1", "magnitude 6.1", 1))
    [failure] = failures(root, md)
    assert failure.problems == ("not in the Markdown any more (edited by hand?)",)


def test_sentence_that_no_longer_passes_is_reported(written):
    root, md = written
    manifest = md.with_suffix(".json")
    manifest.write_text(
        manifest.read_text().replace(
            "No injuries were reported.", "No injuries were reported in 2019."
        )
    )
    md.write_text(
        md.read_text().replace("No injuries were reported.", "No injuries were reported in 2019.")
    )
    [failure] = failures(root, md)
    assert failure.problems == ("number(s) 2019 not in the cited lines",)


def test_cli_exit_codes_and_report(written, monkeypatch, capsys):
    root, md = written
    monkeypatch.setattr(backends, "load_embedder", lambda *a, **k: FakeEmbedder())
    code, out, _ = call_main(monkeypatch, capsys, "verify", str(md), "--input", str(root))
    assert code in (0, None)
    assert out.strip().endswith("sentences checked, 0 failed")
    (root / "a/quake.txt").unlink()
    code, out, _ = call_main(
        monkeypatch, capsys, "verify", str(md), "--input", str(root), "--quiet"
    )
    assert code == 1
    assert "FAIL story 1" in out and "a/quake.txt: file is gone" in out
    assert "ok   story" not in out
    md.with_suffix(".json").unlink()
    code, _, err = call_main(monkeypatch, capsys, "verify", str(md), "--input", str(root))
    assert code == 2 and "needs the JSON written beside the briefing" in err
