import re
import subprocess
import sys

import pytest
from conftest import FakeEmbedder, FakeGenerator, write_files

from briefing import cli, pipeline
from briefing.config import load_config

ARTICLES = {
    "a/storm.txt": (
        "Storm closes Harlow bridge\n\n"
        "The Harlow bridge was closed on Monday after winds reached 120 km/h.\n\n"
        "Engineers will inspect the bridge before it reopens, the council said.\n"
    ),
    "b/storm.txt": (
        "Harlow bridge shut as storm hits\n\n"
        "Winds of 120 km/h forced the closure of the Harlow bridge on Monday.\n"
    ),
    "c/binary.txt": b"\x00\x01\x02garbage",
}


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "briefing", *args], capture_output=True, text=True, env=env
    )


def call_main(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["briefing", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def fake_models(monkeypatch):
    generator = FakeGenerator("Storm closes Harlow bridge")
    monkeypatch.setattr(pipeline, "load_generator", lambda *a, **k: generator)
    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: FakeEmbedder())
    return generator


def test_help_is_instant_and_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "run" in result.stdout and "models" in result.stdout
    # heavy libraries are not imported for --help
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, briefing.cli; print('torch' in sys.modules, 'transformers' in sys.modules)",
        ],
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "False False"


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["verify"], ["models"], ["models", "pull"], ["eval"], ["eval", "summary"]],
)
def test_help_shows_flags_as_flags_and_describes_every_option(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "<bool>" not in result.stdout  # a flag takes no value
    options = result.stdout.split("Options:", 1)[1].split("Commands:", 1)[0]
    entries = re.findall(r"^  (-\S.*?)(?:  +(\S.*))?$", options, flags=re.M)
    assert entries, result.stdout
    for option, description in entries:
        assert description, f"{option} has no description in `briefing {' '.join(command)} --help`"


def test_run_help_names_its_flags_plainly():
    out = run_cli("run", "--help").stdout
    assert re.search(r"^  --html +Also write", out, flags=re.M)
    assert re.search(r"^  -v, --verbose +\S", out, flags=re.M)
    assert re.search(r"^  --help +Show this message and exit\.", out, flags=re.M)


def test_missing_input_folder_is_one_line_and_exit_2(tmp_path):
    result = run_cli("run", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"briefing: error: input folder {tmp_path / 'nowhere'} does not exist"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_model_lists_only_writers(tmp_path):
    result = run_cli("run", str(tmp_path), "--model", "gpt-5")
    assert result.returncode == 2
    config, _ = load_config()
    writers = sorted(n for n, p in config.profiles.items() if p.kind == "causal-lm")
    assert result.stderr.strip() == (
        f"briefing: error: unknown writer profile 'gpt-5'; choose one of: {', '.join(writers)}"
    )
    assert "minilm" not in result.stderr  # an embedder cannot write


def test_bad_date_is_a_usage_error(tmp_path):
    result = run_cli("run", str(tmp_path), "--date", "22/11/2026")
    assert result.returncode == 2
    assert "not a date in the form YYYY-MM-DD" in result.stderr


def test_models_lists_profiles_and_readiness(isolated_cache, monkeypatch, capsys):
    code, out, _ = call_main(monkeypatch, capsys, "models")
    assert code in (0, None)
    assert "smollm2-135m" in out and "not fetched" in out and "(default)" in out


def test_missing_model_without_pull_says_what_to_do(isolated_cache, tmp_path, monkeypatch, capsys):
    write_files(tmp_path / "in", ARTICLES)
    code, _, err = call_main(
        monkeypatch,
        capsys,
        "run",
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "out"),
        "--no-pull",
    )
    assert code == 5  # model unavailable
    assert "run `briefing models pull qwen2.5-coder-1.5b minilm`" in err


def test_run_writes_dated_markdown_and_json(tmp_path, monkeypatch, capsys, fake_models):
    write_files(tmp_path / "in", ARTICLES)
    out_dir = tmp_path / "out"
    code, out, err = call_main(
        monkeypatch,
        capsys,
        "run",
        str(tmp_path / "in"),
        "--out",
        str(out_dir),
        "--date",
        "2026-01-02",
        "--html",
    )
    assert code == 6, err  # written, but an input was skipped
    assert sorted(p.name for p in out_dir.iterdir()) == [
        ".briefing.lock",
        "2026-01-02.html",
        "2026-01-02.json",
        "2026-01-02.md",
        "2026-01-02.sources",  # the HTML page's copies of the cited files
        "index.md",
        "state.sqlite",
    ]
    text = (out_dir / "2026-01-02.md").read_text()
    assert text.startswith("# Briefing for 2026-01-02")
    assert "c/binary.txt: binary file" in text
    assert str(out_dir / "2026-01-02.md") in out
    assert "skipped c/binary.txt: binary file" in err  # the log says it too


def test_failed_run_leaves_previous_briefing_untouched(tmp_path, monkeypatch, capsys, fake_models):
    write_files(tmp_path / "in", ARTICLES)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "2026-01-02.md").write_text("the earlier briefing\n")

    def crash(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(pipeline, "cluster", crash)
    code, _, err = call_main(
        monkeypatch,
        capsys,
        "run",
        str(tmp_path / "in"),
        "--out",
        str(out_dir),
        "--date",
        "2026-01-02",
    )
    assert code == 1
    assert err.strip().endswith(
        "unexpected error: RuntimeError: model exploded (set BRIEFING_DEBUG=1 to see the traceback)"
    )
    assert "Traceback" not in err
    assert (out_dir / "2026-01-02.md").read_text() == "the earlier briefing\n"
    assert sorted(p.name for p in out_dir.iterdir() if p.suffix != ".lock") == [
        "2026-01-02.md",
        "state.sqlite",
    ]


def test_model_failure_on_a_story_quotes_sources_instead(tmp_path, monkeypatch, capsys):
    class BrokenGenerator:
        name = "broken"

        def generate(self, messages, copy_from="", max_new_tokens=None, max_seconds=None):
            raise RuntimeError("out of memory")

    monkeypatch.setattr(pipeline, "load_generator", lambda *a, **k: BrokenGenerator())
    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: FakeEmbedder())
    write_files(tmp_path / "in", ARTICLES)
    code, _, err = call_main(
        monkeypatch,
        capsys,
        "run",
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "o"),
        "--date",
        "2026-01-02",
    )
    assert code == 6  # c/binary.txt was skipped
    text = (tmp_path / "o" / "2026-01-02.md").read_text()
    assert "no generated sentence passed verification" in text
    assert "the model failed (out of memory)" in err
