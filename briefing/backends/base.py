"""The model protocols every stage codes against, and the one factory that builds a profile.

A profile names its `backend:`; the factory looks it up here, so adding a backend (an HTTP
server, say) is one module and one entry in `_BACKENDS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from briefing.config import Config, Profile

log = logging.getLogger(__name__)

Say = Callable[[str], None]


class StoppedForTime(str):
    """An answer the model was stopped from finishing at its time limit: the text it had written
    by then (a str, so that code reading only the text needs no change)."""

    __slots__ = ()


class Generator(Protocol):
    name: str

    def generate(
        self,
        messages: list[dict[str, str]],
        copy_from: str = "",
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
    ) -> str:
        """The model's answer; `copy_from` is source text whose words it should prefer. After
        `max_seconds` the model is stopped and the answer so far comes back as StoppedForTime."""
        ...


@runtime_checkable
class ContextLimited(Protocol):
    """A generator that knows how many tokens its context holds (None: unknown) and can count a
    prompt's, so that a prompt can be shortened to fit before it is sent."""

    context_length: int | None

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int: ...


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of unit length, one per text."""
        ...


@runtime_checkable
class Judge(Protocol):
    """A model that can say whether source lines support a sentence (the loaded writer)."""

    def entailment(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """For each (source lines, sentence): the probability that the lines support every
        claim of the sentence, from the model's yes/no answer."""
        ...


def judge_of(generator: Generator) -> Judge | None:
    """The generator as an entailment judge, if it can be one."""
    return generator if isinstance(generator, Judge) else None


class Backend(Protocol):
    def load_generator(
        self, name: str, profile: Profile, say: Say, allow_pull: bool
    ) -> Generator: ...

    def load_embedder(
        self, name: str, profile: Profile, say: Say, allow_pull: bool
    ) -> Embedder: ...

    def prepare(self, name: str, profile: Profile, say: Say, force: bool) -> Path:
        """Fetch (or re-fetch with `force`) and convert the profile's weights; their folder."""
        ...

    def check(self, name: str, profile: Profile) -> None:
        """Fail (ServerUnavailable) when what runs the profile cannot be reached."""
        ...


def backend(profile: Profile) -> Backend:
    """The module that runs a profile (imported only when a model is needed)."""
    if profile.backend == "transformers":
        from briefing.backends import transformers

        return transformers
    if profile.backend == "openai":
        from briefing.backends import openai

        return openai
    raise ValueError(f"unknown backend {profile.backend!r}")  # config validation prevents this


def check_reachable(config: Config, names: Sequence[str]) -> None:
    """Before any work: every named profile's server answers and serves its model (a no-op
    for models that run in this process)."""
    for name in dict.fromkeys(names):
        profile = config.profile(name)
        backend(profile).check(name, profile)


def load_generator(
    config: Config, name: str | None = None, say: Say = log.info, allow_pull: bool = True
) -> Generator:
    """The generator profile `name` (default: the config's default generator), loaded."""
    name = name or config.default_generator
    profile = config.profile(name, "causal-lm")
    return backend(profile).load_generator(name, profile, say, allow_pull)


def load_embedder(
    config: Config, name: str | None = None, say: Say = log.info, allow_pull: bool = True
) -> Embedder:
    """The embedder profile `name` (default: the config's default embedder), behind the
    embedding cache shared by every run (backends/vector_cache.py). The model itself loads on
    the first text the cache does not hold."""
    from briefing.backends.vector_cache import CachedEmbedder, embedder_identity

    name = name or config.default_embedder
    profile = config.profile(name, "embedder")
    module = backend(profile)
    identity = embedder_identity(name, profile)
    if identity is None:  # weights not here yet: load (and pull) them, then the cache can key
        loaded = module.load_embedder(name, profile, say, allow_pull)
        identity = embedder_identity(name, profile)
        if identity is None:
            return loaded
        return CachedEmbedder(name, identity, lambda: loaded)
    return CachedEmbedder(
        name, identity, lambda: module.load_embedder(name, profile, say, allow_pull)
    )


def prepare_weights(config: Config, name: str, say: Say = log.info, force: bool = False) -> Path:
    """What `briefing models pull NAME` does: the profile's weights fetched, checked, converted."""
    profile = config.profile(name)
    return backend(profile).prepare(name, profile, say, force)
