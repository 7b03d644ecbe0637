"""End to end against a real engine: llama.cpp's server (llama-cpp-python) serving the SmolLM2
GGUF file the project pulls, and `briefing run ../shared/seeds --model llamacpp-smollm2-135m`
against it. The briefing must be verified and cited like the embedded default's.

Needs llama-cpp-python[server] (a source build of about 10 minutes on two cores, so CI runs it as
a separate step; README, "Models on a server"): its python is $BRIEFING_LLAMA_PYTHON, or this
interpreter or the PATH's python3 when they can import it. Skipped, saying why, without it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from conftest import SEEDS
from test_e2e import assert_citations_resolve, assert_footnotes_resolve

from briefing.backends.llama_server import PYTHON_ENV, llama_python, llama_server
from briefing.backends.weights import cache_root, weights_dir
from briefing.config import load_config, packaged_defaults
from briefing.records import briefing_from_data

pytestmark = pytest.mark.server

PROFILE = "llamacpp-smollm2-135m"
WEIGHTS = "smollm2-135m"


@pytest.fixture(scope="module")
def served_smollm2(tmp_path_factory):
    """The server running SmolLM2-135M, and a models.yaml whose profile points at it."""
    python = llama_python()
    if python is None:
        pytest.skip(
            f"llama-cpp-python[server] is not installed here; set ${PYTHON_ENV} to a python "
            "that has it (README, 'Models on a server')"
        )
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not there")
    config, _ = load_config(packaged_defaults() / "models.yaml")
    folder = weights_dir(WEIGHTS, config.profiles[WEIGHTS])
    if folder is None:
        pytest.skip(f"the GGUF file is not in the cache: run `briefing models pull {WEIGHTS}`")
    gguf = folder / str(config.profiles[WEIGHTS].gguf_file)
    tmp = tmp_path_factory.mktemp("llama")
    with llama_server(python, gguf, "smollm2-135m", tmp / "server.log") as url:
        data = yaml.safe_load((packaged_defaults() / "models.yaml").read_text())
        server = data["profiles"][PROFILE]["server"]
        server["base_url"] = url
        tokenizer = cache_root() / "converted" / WEIGHTS / "tokenizer.json"
        server["tokenizer"] = str(tokenizer) if tokenizer.is_file() else None
        models_yaml = tmp / "models.yaml"
        models_yaml.write_text(yaml.safe_dump(data))
        yield models_yaml, tokenizer.is_file()


def test_a_run_against_llama_cpp_writes_a_verified_cited_briefing(served_smollm2, tmp_path):
    models_yaml, has_tokenizer = served_smollm2
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "briefing", "run", str(SEEDS), "--out", str(out),
         "--date", "2026-11-22", "--config", str(models_yaml), "--model", PROFILE],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    markdown_text = (out / "2026-11-22.md").read_text()
    briefing = briefing_from_data(json.loads((out / "2026-11-22.json").read_text()))
    assert briefing.generator == PROFILE and briefing.summaries
    assert_citations_resolve(briefing, SEEDS)
    assert_footnotes_resolve(markdown_text)
    answers = [s.draft.raw for s in briefing.summaries if s.draft is not None]
    assert answers and all(a.strip() for a in answers)  # the server wrote every story
    failed = [r for s in briefing.summaries for r in s.rejected if "the model failed" in r.reason]
    assert not failed
    if has_tokenizer:
        assert "copy bias 6 sent as logit_bias" in result.stderr
    else:
        assert "copy bias off" in result.stderr


def test_a_model_the_real_server_does_not_serve_fails_at_the_start(served_smollm2):
    """The real server lists its model under the alias only: a profile naming another model
    fails at the start with exit code 9."""
    models_yaml, _ = served_smollm2
    data = yaml.safe_load(models_yaml.read_text())
    data["profiles"][PROFILE]["server"]["model"] = "smollm2-1.7b"
    models_yaml.with_name("wrong.yaml").write_text(yaml.safe_dump(data))
    result = subprocess.run(
        [sys.executable, "-m", "briefing", "run", str(SEEDS), "--config",
         str(models_yaml.with_name("wrong.yaml")), "--model", PROFILE],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 9
    assert "does not serve model 'smollm2-1.7b'; it serves: smollm2-135m" in result.stderr
