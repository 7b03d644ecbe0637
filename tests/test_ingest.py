import datetime as dt

import pytest
from conftest import write_files

from briefing.errors import InputError
from briefing.sources import ingest


def test_reads_txt_and_md_recursively_in_path_order(tmp_path):
    write_files(
        tmp_path,
        {
            "b/second.txt": "Second title\n\nBody.\n",
            "a/first.md": "# First title\n\nBody.\n",
            "notes.pdf": b"%PDF-1.4",
        },
    )
    articles, skipped = ingest(tmp_path)
    assert [a.path for a in articles] == ["a/first.md", "b/second.txt"]
    assert articles[1].lines == ("Second title", "", "Body.")
    assert skipped[0].path == "notes.pdf"
    assert "unsupported file type .pdf" in skipped[0].reason


def test_front_matter_gives_title_outlet_date_url(tmp_path):
    write_files(
        tmp_path,
        {
            "x.md": (
                "---\ntitle: Bridge closes\noutlet: River Times\ndate: 2026-03-04\n"
                "url: https://example.org/b\n---\n\nThe bridge closed.\n"
            )
        },
    )
    [article], _ = ingest(tmp_path)
    assert article.title == "Bridge closes"
    assert article.title_line == 2
    assert article.outlet == "River Times"
    assert article.date == dt.date(2026, 3, 4)
    assert article.url == "https://example.org/b"
    assert set(article.boilerplate) == {1, 2, 3, 4, 5, 6}


def test_date_from_file_name(tmp_path):
    write_files(tmp_path, {"2026-11-19-story.txt": "Title\n\nText.\n"})
    [article], _ = ingest(tmp_path)
    assert article.date == dt.date(2026, 11, 19)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n \t\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (bytes(range(0x80, 0x100)) * 40, "not valid UTF-8"),
    ],
)
def test_unusable_files_are_skipped_with_a_reason(tmp_path, content, reason):
    write_files(tmp_path, {"bad.txt": content, "good.txt": "Good title\n\nFine text here.\n"})
    articles, skipped = ingest(tmp_path)
    assert [a.path for a in articles] == ["good.txt"]
    assert len(skipped) == 1 and skipped[0].path == "bad.txt"
    assert reason in skipped[0].reason


def test_windows_1252_is_detected_and_decoded(tmp_path):
    text = (
        "L'\u00e9t\u00e9 \u00e0 P\u00e9rigueux: les caf\u00e9s ferm\u00e9s apr\u00e8s l'orage.\n"
        * 5
    )
    write_files(tmp_path, {"old.txt": text.encode("cp1252")})
    [article], skipped = ingest(tmp_path)
    assert skipped == []
    assert article.lines[0] == text.split("\n")[0]


def test_a_byte_identical_copy_is_read_with_an_id_of_its_own(tmp_path):
    # the duplicates stage lists it among its story's sources and counts it once
    write_files(tmp_path, {"a.txt": "Same\n\nText.\n", "copy/a.txt": "Same\n\nText.\n"})
    articles, skipped = ingest(tmp_path)
    assert [a.path for a in articles] == ["a.txt", "copy/a.txt"]
    assert len({a.id for a in articles}) == 2 and skipped == []


def test_hidden_files_are_ignored_and_crlf_is_normalised(tmp_path):
    write_files(
        tmp_path, {".DS_Store": b"\x00\x01", ".git/config": "x", "w.txt": "T\r\n\r\nBody.\r\n"}
    )
    articles, skipped = ingest(tmp_path)
    assert skipped == []
    assert articles[0].lines == ("T", "", "Body.")


def test_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        ingest(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        ingest(tmp_path / "file.txt")
