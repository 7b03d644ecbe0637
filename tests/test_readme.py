"""The README, followed word for word by someone new: its crontab line works on the first
morning and every morning after, its commands name files and folders that exist."""

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO

README = (REPO / "README.md").read_text()


def code_blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", README, flags=re.M | re.S)


def crontab_command() -> str:
    """The command of the README's crontab entry (the five time fields removed)."""
    [block] = code_blocks("crontab")
    [entry] = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return entry.split(None, 5)[5]


def shell_commands() -> list[str]:
    return [
        line.split("#")[0].strip()
        for block in code_blocks("sh")
        for line in block.splitlines()
        if line.strip()
    ]


# Stands in for the venv's `briefing` in a temporary HOME: the real CLI of this checkout with
# fake models, so the test measures the crontab line, not a model.
FAKE_BRIEFING = """\
#!{python}
import sys
sys.path[:0] = [{repo!r}, {tests!r}]
from conftest import FakeEmbedder, FakeGenerator
from briefing import cli, pipeline
pipeline.load_embedder = lambda *a, **k: FakeEmbedder()
pipeline.load_generator = lambda *a, **k: FakeGenerator(*["A headline"] * 100)
cli.main()
"""


def cron_home(tmp_path: Path, briefing_script: str) -> Path:
    """A HOME as the README's crontab line expects it: the clone's venv at ~/briefing/.venv and
    the scrapers' articles in ~/news/inbox. No ~/news/briefings yet: the first morning."""
    home = tmp_path / "home"
    script = home / "briefing" / ".venv" / "bin" / "briefing"
    script.parent.mkdir(parents=True)
    script.write_text(briefing_script)
    script.chmod(0o755)
    shutil.copytree(EXAMPLES, home / "news" / "inbox")
    return home


def run_like_cron(home: Path, **env: str) -> subprocess.CompletedProcess:
    """The crontab command as cron runs it: /bin/sh, an empty environment but for HOME,
    LOGNAME, SHELL and cron's PATH (and any NAME=value lines of the crontab)."""
    return subprocess.run(
        [
            "env",
            "-i",
            f"HOME={home}",
            "LOGNAME=briefing",
            "SHELL=/bin/sh",
            "PATH=/usr/bin:/bin",
            *(f"{name}={value}" for name, value in env.items()),
            "/bin/sh",
            "-c",
            crontab_command(),
        ],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=900,
    )


def assert_two_mornings(home: Path, **env: str) -> None:
    briefings = home / "news" / "briefings"
    today = dt.date.today().isoformat()
    for morning in (1, 2):
        result = run_like_cron(home, **env)
        # 6: written, one input skipped (the examples' empty download, listed in the briefing)
        assert result.returncode == 6, (result.stdout, result.stderr)
        assert result.stdout == result.stderr == ""  # everything went to the log
        briefing = briefings / f"{today}.md"
        assert briefing.read_text().startswith(f"# Briefing for {today}")
        log = (briefings / "cron.log").read_text()
        # `briefing run` prints the paths it wrote: once per morning
        assert log.count(f"briefings/{today}.md") == morning, log
        assert briefing.stat().st_mode & 0o044 == 0o044  # readable by others (umask 022)


def test_crontab_line_works_on_the_first_morning_and_after(tmp_path):
    script = FAKE_BRIEFING.format(python=sys.executable, repo=str(REPO), tests=str(REPO / "tests"))
    home = cron_home(tmp_path, script)
    previous = os.umask(0o022)
    try:
        assert_two_mornings(home)
    finally:
        os.umask(previous)


@pytest.mark.e2e
def test_crontab_line_with_the_fast_profile(tmp_path):
    """The real CLI and the fast model, chosen as the README says: BRIEFING_CONFIG set on a
    line of the crontab. The weights come from the user's cache (BRIEFING_CACHE_DIR)."""
    from briefing.backends.weights import cache_root

    script = (
        f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(REPO))} exec {sys.executable} -m briefing "$@"\n'
    )
    home = cron_home(tmp_path, script)
    config = tmp_path / "models.yaml"
    text = (REPO / "models.yaml").read_text()
    config.write_text(
        text.replace("default_generator: qwen2.5-coder-1.5b", "default_generator: smollm2-135m")
    )
    shutil.copytree(REPO / "prompts", tmp_path / "prompts")
    assert_two_mornings(
        home, BRIEFING_CONFIG=str(config), BRIEFING_CACHE_DIR=str(cache_root()), HF_HUB_OFFLINE="1"
    )


def test_readme_commands_call_the_venv_and_name_what_exists():
    commands = shell_commands()
    runs = [c for c in commands if " run " in f" {c} "]
    assert runs
    for command in commands:
        for part in command.split("&&"):
            words = part.split()
            # never a bare `briefing` or `python`: the set-up does not activate the venv
            assert words[0] not in ("briefing", "python", "pytest"), command
            if words[0].endswith("briefing") and words[1] in ("run", "verify"):
                folder = words[2] if words[1] == "run" else words[words.index("--input") + 1]
                assert (REPO / folder).is_dir(), f"{folder} does not exist: {command}"
    # `briefing verify` names a briefing that the README's runs write
    written = {
        f"{c.split('--out ')[1].split()[0].rstrip('/')}/{c.split('--date ')[1].split()[0]}.md"
        for c in runs
        if "--date" in c and "--out" in c
    }
    verified = [c.split("verify ")[1].split()[0] for c in commands if " verify " in c]
    assert verified and set(verified) <= written, (verified, written)


def test_readme_describes_the_labelled_folder_eval_reads(tmp_path):
    """The layout drawn under Measuring is the one `briefing eval` reads."""
    from briefing.eval.datasets import labelled_articles, load_labels, reference_summary

    [layout] = [b for b in code_blocks("text") if "labels.jsonl" in b]
    row = re.search(r"(\{\"path\".*?\})", layout).group(1)
    root = tmp_path / "my-eval"
    for name in ("courier.txt", "radio.txt"):
        (root / "clusters" / "ferry").mkdir(parents=True, exist_ok=True)
        (root / "clusters" / "ferry" / name).write_text(
            "Ferry hits barge\n\nA ferry hit a barge.\n"
        )
    (root / "clusters" / "ferry" / "REFERENCE.md").write_text("A ferry hit a barge.\n")
    (root / "labels.jsonl").write_text(
        row + "\n" + row.replace("courier", "radio") + "\n", encoding="utf-8"
    )
    assert load_labels(root)["ferry/courier.txt"]["cluster_id"] == "ferry"
    assert labelled_articles(root) == {"ferry": ["ferry/courier.txt", "ferry/radio.txt"]}
    assert reference_summary(root / "clusters" / "ferry") == "A ferry hit a barge."
    assert textwrap.dedent(layout).count("clusters/") >= 1


def test_install_commands_offer_the_cpu_build_of_torch():
    """PyPI's Linux torch is the CUDA build (a 527 MB wheel and GBs of nvidia-* packages): every
    install of torch, in the README and in CI, offers PyTorch's CPU index beside PyPI (an extra
    index, so that an install still works where that index cannot be reached)."""
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    installs = [
        part
        for command in shell_commands() + ci
        for part in command.split("&&")
        if "pip install" in part and "torch" in part
    ]
    assert len(installs) >= 3, installs
    for part in installs:
        assert "--extra-index-url https://download.pytorch.org/whl/cpu" in part, part
        assert "--index-url" not in part.replace("--extra-index-url", ""), part


def test_readme_runs_do_not_overwrite_each_other_and_their_folders_are_ignored():
    """Two runs of the README with different models write to different folders (a run replaces
    the briefing of its date), and git ignores the folders the README has a user make."""
    runs = [c for c in shell_commands() if " run " in c and "--out" in c]
    outputs = {}
    for command in runs:
        out = command.split("--out ")[1].split()[0].rstrip("/")
        model = command.split("--model ")[1].split()[0] if "--model" in command else "default"
        outputs.setdefault(out, set()).add(model)
    assert all(len(models) == 1 for models in outputs.values()), outputs
    ignored = (REPO / ".gitignore").read_text().splitlines()
    for folder in [*outputs, "my-eval"]:
        assert f"/{folder}/" in ignored, folder


def test_readme_crontab_line_agrees_with_briefing_schedule(tmp_path):
    """`briefing schedule` with its defaults prints the README's time and log file."""
    result = subprocess.run(
        [sys.executable, "-m", "briefing", "schedule", "inbox", "--out", "briefings"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    [block] = code_blocks("crontab")
    [entry] = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    [printed] = [line for line in result.stdout.splitlines() if line and line[0].isdigit()]
    assert printed.split()[:5] == entry.split()[:5]
    assert "--out briefings " in entry and entry.endswith(">> briefings/cron.log 2>&1")
    assert printed.endswith(f">> {tmp_path / 'briefings' / 'cron.log'} 2>&1"), printed


def test_model_sizes_agree_between_briefing_models_and_the_readme():
    """The GGUF sizes `briefing models` prints (from models.yaml) are the README table's."""
    import yaml

    profiles = yaml.safe_load((REPO / "models.yaml").read_text())["profiles"]
    rows = {line.split("`")[1]: line for line in README.splitlines() if line.startswith("| `")}
    sizes = {
        name: m.group(1)
        for name, profile in profiles.items()
        if name in rows and (m := re.search(r"GGUF, ([\d.]+ [MG]B)", profile["description"]))
    }
    assert "smollm2-135m" in sizes
    for name, size in sizes.items():
        assert size in rows[name], (name, size, rows[name])
