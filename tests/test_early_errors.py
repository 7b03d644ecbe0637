"""Mistakes a user can fix are reported at once: before torch, transformers or scikit-learn
are imported and before any model loads (each takes seconds)."""

import os
import resource
import subprocess
import sys

import pytest
from conftest import EXAMPLES, REPO

HEAVY = ("torch", "transformers", "sklearn")

# Runs the CLI's entry point and reports, after it exits, which heavy modules it imported.
PROBE = f"""
import sys
sys.argv = ["briefing", *sys.argv[1:]]
from briefing.cli import main
try:
    main()
finally:
    print("imported:", [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)
"""


def run_probe(*args, cache, cwd=REPO):
    """The probe's result and the CPU seconds it took: CPU time, not wall time, so that the
    figure holds on a machine busy with other work."""
    env = {**os.environ, "BRIEFING_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=cwd
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, cpu


def test_importing_the_cli_imports_no_model_library():
    probe = f"import sys, briefing.cli; assert not set({HEAVY!r}) & set(sys.modules)"
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO)


@pytest.mark.parametrize(
    "args, message, code",
    [
        (
            ["verify", "briefings/2026-11-22.md", "--input", str(EXAMPLES)],
            "briefing: error: briefing briefings/2026-11-22.md does not exist",
            2,
        ),
        (
            ["run", "no-such-folder", "--out", "{tmp}/out"],
            "briefing: error: input folder no-such-folder does not exist",
            2,
        ),
        (
            ["run", str(EXAMPLES), "--out", "{tmp}/out", "--no-pull"],
            "briefing: error: model profiles 'qwen2.5-coder-1.5b' and 'minilm' are not on this "
            "machine; run `briefing models pull qwen2.5-coder-1.5b minilm`",
            5,  # model unavailable
        ),
        (
            ["run", str(EXAMPLES), "--out", "{tmp}/out", "--model", "gpt-5"],
            "briefing: error: unknown writer profile 'gpt-5'",
            2,
        ),
        (
            ["eval", "grounding", "my-eval", "--limit", "50"],
            "briefing: error: input folder my-eval does not exist",
            2,
        ),
        (
            ["eval", "cluster", str(EXAMPLES)],
            f"briefing: error: {EXAMPLES} has no clusters/ folder",
            2,
        ),
        (
            ["run", str(EXAMPLES), "--date", "22/11/2026"],
            "Error: Invalid value: '22/11/2026' is not a date in the form YYYY-MM-DD",
            2,
        ),
    ],
)
def test_a_fixable_mistake_is_reported_in_under_two_seconds(tmp_path, args, message, code):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    # an empty folder as the working directory: the relative paths above name nothing there,
    # even in a checkout where the README's Quick start wrote briefings/2026-11-22.md
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result, seconds = run_probe(*args, cache=tmp_path / "empty-cache", cwd=cwd)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code
    assert lines[0].startswith(message) or message in lines, result.stderr
    assert lines[-1] == "imported: []"  # nothing heavy was loaded to find the mistake
    assert seconds < 2.0
    assert not (tmp_path / "out").exists()


def test_verify_points_at_the_briefings_that_exist(tmp_path):
    (tmp_path / "2026-11-23.md").write_text("# Briefing for 2026-11-23\n")
    result, _ = run_probe(
        "verify", str(tmp_path / "2026-11-22.md"), "--input", str(EXAMPLES), cache=tmp_path
    )
    assert result.returncode == 2
    assert f"{tmp_path} holds 2026-11-23.md" in result.stderr


def test_verify_without_the_json_beside_the_briefing(tmp_path):
    (tmp_path / "2026-11-23.md").write_text("# Briefing for 2026-11-23\n")
    result, _ = run_probe(
        "verify", str(tmp_path / "2026-11-23.md"), "--input", str(EXAMPLES), cache=tmp_path
    )
    assert result.returncode == 2
    assert "2026-11-23.json is missing" in result.stderr


def test_pulling_a_profile_already_there_loads_nothing(tmp_path):
    """`briefing models pull` of weights fetched and converted before answers at once."""
    import json

    from briefing.backends.weights import VERIFIED_MARKER
    from briefing.config import load_config

    config, _ = load_config()
    profile = config.profiles["smollm2-135m"]
    models = tmp_path / "cache" / "models" / "smollm2-135m"
    models.mkdir(parents=True)
    gguf = models / str(profile.gguf_file)
    gguf.write_bytes(b"GGUF")
    marker = {rel: {"sha256": sha, "size": 4} for rel, sha in profile.source.sha256.items()}
    (models / VERIFIED_MARKER).write_text(json.dumps(marker))
    converted = tmp_path / "cache" / "converted" / "smollm2-135m"
    converted.mkdir(parents=True)
    stamp = {"gguf": str(gguf.resolve()), "size": 4, "mtime": gguf.stat().st_mtime}
    (converted / "source.json").write_text(json.dumps(stamp))
    result, _ = run_probe("models", "pull", "smollm2-135m", cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("smollm2-135m: ready in ")
    assert result.stderr.strip().splitlines()[-1] == "imported: []"
