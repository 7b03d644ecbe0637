import os

import pytest

from briefing.errors import OutputError
from briefing.output import write_atomic


def test_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out" / "2026-11-22.md"
    write_atomic(target, "first\n")
    write_atomic(target, "second\n")
    assert target.read_text() == "second\n"
    assert os.listdir(target.parent) == ["2026-11-22.md"]


def test_interrupted_write_keeps_previous_briefing(tmp_path, monkeypatch):
    target = tmp_path / "2026-11-22.md"
    target.write_text("yesterday's good briefing\n")

    def broken_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "half")
    assert target.read_text() == "yesterday's good briefing\n"
    assert os.listdir(tmp_path) == ["2026-11-22.md"]


def test_unwritable_folder_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(blocker / "sub" / "b.md", "x")


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, umask, mode):
    target = tmp_path / "2026-11-22.md"
    previous = os.umask(umask)
    try:
        write_atomic(target, "a briefing\n")
        write_atomic(target, "the same briefing, rewritten\n")
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == mode
