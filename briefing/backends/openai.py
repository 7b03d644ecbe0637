"""The openai backend: the writer, the entailment judge and the embedder on a server that speaks
the OpenAI HTTP API (vLLM, llama.cpp's server, Ollama, text-embeddings-inference).

The evidence, the prompts, verification and citations are the pipeline's own, as with the
embedded model; only the model calls travel over HTTP. Requests run concurrently up to the
profile's `server.concurrency`; one that times out, meets a 429 or 5xx answer, a broken or
malformed body, is tried again after a doubling pause, and after `server.retries` further tries
raises `RequestFailed`, which costs only its story (the pipeline quotes that story's sources and
records why). A call given `max_seconds` (the story's time budget) waits at most that long in
all, tries and pauses included (each try's read timeout is the smaller of `server.timeout` and
the time left); then it gives up and answers an empty StoppedForTime, which the pipeline quotes
(a server answers whole or not at all, so there is no partial text to keep). The API key is read from the environment variable the profile names and goes only
into the Authorization header: no message of this module contains it.
"""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np

from briefing.backends.base import Say, StoppedForTime
from briefing.config import Profile, ServerSettings
from briefing.errors import ConfigError, ModelNotReady, ServerUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Retry-After is honoured up to this many seconds; a server asking for longer is retried sooner.
MAX_RETRY_AFTER = 30.0
TOP_LOGPROBS = 10


class RequestFailed(Exception):
    """A request that still failed after its retries, or was refused (a 4xx answer, `status`).
    Costs one story, not the run."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class OutOfTime(Exception):
    """The call's time budget ran out before the server answered."""


class _Retryable(Exception):
    """One try failed in a way another try may not (timeout, 429, 5xx, broken body)."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


def _settings(name: str, profile: Profile) -> ServerSettings:
    if profile.server is None:  # config validation prevents this
        raise ConfigError(f"profile {name!r} names no server")
    return profile.server


@dataclass
class Stats:
    """What the run asked of the server, for the log line at the end."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: float) -> None:
        with self.lock:
            for key, value in counts.items():
                setattr(self, key, getattr(self, key) + value)


class Client:
    """One server: JSON requests with the profile's timeouts, retries and concurrency."""

    def __init__(self, name: str, settings: ServerSettings):
        self.name = name
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        headers = {}
        self._key = ""
        if settings.api_key_env:
            key = os.environ.get(settings.api_key_env, "")
            if not key:
                raise ConfigError(
                    f"profile {name!r} reads its API key from ${settings.api_key_env}, "
                    "which is not set"
                )
            headers["Authorization"] = f"Bearer {key}"
            self._key = key
        self.http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            limits=httpx.Limits(max_connections=settings.concurrency),
        )
        self.stats = Stats()

    def close(self) -> None:
        self.http.close()

    def models(self) -> list[str]:
        """The model names the server lists; ServerUnavailable when it cannot say."""
        where = f"the server of profile {self.name!r} at {self.base_url}"
        try:
            response = self.http.get("/models", timeout=self.settings.connect_timeout * 2)
        except httpx.HTTPError as exc:
            raise ServerUnavailable(
                f"cannot reach {where}: {_describe(exc)}; start it, or pick another profile"
            ) from None
        if response.status_code in (401, 403):
            key = "a request without a key (set `api_key_env` in the profile)"
            if self.settings.api_key_env:
                key = f"the key in ${self.settings.api_key_env}"
            raise ServerUnavailable(f"{where} refused {key} ({response.status_code})")
        if response.status_code != 200:
            raise ServerUnavailable(f"{where} answered GET /models with {response.status_code}")
        try:
            data = response.json()["data"]
            return [str(entry["id"]) for entry in data]
        except (ValueError, KeyError, TypeError):
            raise ServerUnavailable(f"{where} answered GET /models with no model list") from None

    def check(self) -> None:
        served = self.models()
        if self.settings.model not in served:
            listed = ", ".join(served[:10]) or "none"
            raise ServerUnavailable(
                f"the server of profile {self.name!r} at {self.base_url} does not serve model "
                f"{self.settings.model!r}; it serves: {listed}"
            )

    def post(
        self,
        path: str,
        payload: dict[str, Any],
        parse: Callable[[Any], T],
        max_seconds: float | None = None,
    ) -> T:
        """POST `payload`, parse the JSON answer; tried again on a timeout, a 429 or 5xx
        answer, a connection or body cut short, or a body `parse` cannot read (KeyError,
        IndexError, TypeError, ValueError). A 4xx answer is not tried again. With
        `max_seconds`, OutOfTime once that much time has passed (no try starts after it)."""
        settings = self.settings
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        failure = _Retryable("no try")
        for attempt in range(settings.retries + 1):
            if attempt:
                self.stats.add(retries=1)
                # doubling, with a little jitter so that concurrent requests do not retry in step
                pause = settings.backoff * 2 ** (attempt - 1) * (1 + random.random() / 4)
                if failure.wait is not None:
                    pause = max(pause, min(failure.wait, MAX_RETRY_AFTER))
                if deadline is not None:
                    pause = min(pause, max(0.0, deadline - time.monotonic()))
                log.debug("%s %s: %s; trying again in %.1f s", self.name, path, failure, pause)
                time.sleep(pause)
            timeout = None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise OutOfTime(f"{path}: no answer within {max_seconds:g} s")
                if left < settings.timeout:
                    timeout = httpx.Timeout(left, connect=min(left, settings.connect_timeout))
            started = time.monotonic()
            try:
                return self._try(path, payload, parse, timeout)
            except RequestFailed:
                self.stats.add(failures=1)
                raise
            except _Retryable as exc:
                failure = exc
            finally:
                self.stats.add(requests=1, seconds=time.monotonic() - started)
        self.stats.add(failures=1)
        tries = settings.retries + 1
        raise RequestFailed(f"{path} at {self.base_url} failed {tries} time(s), last: {failure}")

    def _try(
        self,
        path: str,
        payload: dict[str, Any],
        parse: Callable[[Any], T],
        timeout: httpx.Timeout | None = None,
    ) -> T:
        try:
            if timeout is None:
                response = self.http.post(path, json=payload)
            else:
                response = self.http.post(path, json=payload, timeout=timeout)
        except httpx.TimeoutException:
            limit = timeout.read if timeout is not None else self.settings.timeout
            raise _Retryable(f"no answer within {limit:g} s") from None
        except httpx.HTTPError as exc:  # refused, reset, or a body cut short
            raise _Retryable(_describe(exc)) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retryable(f"answered {status}", _retry_after(response))
        if status >= 400:
            raise RequestFailed(
                f"{path} at {self.base_url} answered {status}: {self._excerpt(response)}", status
            )
        try:
            return parse(response.json())
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise _Retryable(
                f"an answer that is not the expected JSON ({_describe(exc)})"
            ) from None

    def _excerpt(self, response: httpx.Response) -> str:
        """The start of an error answer, with the key blanked (some servers echo it)."""
        text = " ".join(response.text.split())[:200] or "(empty body)"
        return text.replace(self._key, "***") if self._key else text

    def map(self, function: Callable[[R], T], items: Sequence[R]) -> list[T | Exception]:
        """`function` over `items`, `concurrency` at a time; a failure is returned in its place."""

        def guarded(item: R) -> T | Exception:
            try:
                return function(item)
            except Exception as exc:
                return exc

        if len(items) <= 1 or self.settings.concurrency == 1:
            return [guarded(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
            return list(pool.map(guarded, items))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _chat_text(data: Any) -> str:
    content = data["choices"][0]["message"]["content"]
    if not isinstance(content, str):
        raise TypeError("the answer has no text")
    return content


class CopyBias:
    """The copy bias as `logit_bias`: the ids of the evidence's tokens (and the words any
    sentence needs), in the served model's own tokenizer, favoured by the profile's bias."""

    def __init__(self, tokenizer: Any, bias: float):
        from briefing.backends.transformers import TransformersGenerator

        self.tokenizer = tokenizer
        self.bias = bias
        self.connectives = self._ids(TransformersGenerator.CONNECTIVES)

    def _ids(self, text: str) -> set[int]:
        ids: set[int] = set()
        for variant in (text, " " + text):
            ids.update(self.tokenizer.encode(variant, add_special_tokens=False).ids)
        return ids

    def logit_bias(self, source: str) -> dict[str, float]:
        ids = self._ids(source) | self.connectives
        return {str(i): self.bias for i in sorted(ids)}


def load_tokenizer(spec: str) -> Any:
    """A `tokenizers.Tokenizer` from a tokenizer.json file, a folder holding one, or a Hugging
    Face id already in the local cache (never downloaded: the run stays offline)."""
    from tokenizers import Tokenizer

    path = Path(spec).expanduser()
    if path.is_dir():
        path = path / "tokenizer.json"
    if path.is_file():
        return Tokenizer.from_file(str(path))
    from huggingface_hub import hf_hub_download

    return Tokenizer.from_file(hf_hub_download(spec, "tokenizer.json", local_files_only=True))


class OpenAIWriter:
    """The writer and entailment judge on the server: chat completions, greedy."""

    def __init__(self, name: str, profile: Profile, say: Say = log.info):
        self.name = name
        self.settings = profile.generation
        self.server = _settings(name, profile)
        self.client = Client(name, self.server)
        self.copy_bias = self._copy_bias(say)
        self.use_logprobs = True  # until the server refuses them

    def _copy_bias(self, say: Say) -> CopyBias | None:
        if not self.settings.copy_bias:
            return None
        if not self.server.tokenizer:
            say(f"{self.name}: copy bias off (the profile names no `server.tokenizer`)")
            return None
        try:
            tokenizer = load_tokenizer(self.server.tokenizer)
        except Exception as exc:
            say(
                f"{self.name}: copy bias off (tokenizer {self.server.tokenizer!r} not found "
                f"offline: {_describe(exc)})"
            )
            return None
        say(f"{self.name}: copy bias {self.settings.copy_bias:g} sent as logit_bias")
        return CopyBias(tokenizer, self.settings.copy_bias)

    def _chat(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        max_seconds: float | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.server.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": False,
            **extra,
        }
        return self.client.post("/chat/completions", payload, _checked_chat, max_seconds)

    def generate(
        self,
        messages: list[dict[str, str]],
        copy_from: str = "",
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
    ) -> str:
        extra: dict[str, Any] = {}
        if copy_from and self.copy_bias is not None:
            extra["logit_bias"] = self.copy_bias.logit_bias(copy_from)
        try:
            data = self._chat(
                messages, max_new_tokens or self.settings.max_new_tokens, max_seconds, **extra
            )
        except OutOfTime as exc:
            log.debug("%s: %s", self.name, exc)
            return StoppedForTime("")
        usage = data.get("usage") or {}
        self.client.stats.add(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
        return _chat_text(data).strip()

    def generate_many(
        self,
        requests: list[tuple[list[dict[str, str]], str]],
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
        may_end: Sequence[Callable[[str], bool] | None] | None = None,
    ) -> list[str | Exception]:
        """Answers to several prompts, `server.concurrency` requests at a time; a prompt whose
        request failed after its retries gets the exception in its place. `max_seconds` is
        the time for them all: a request still waiting then answers StoppedForTime("").
        `may_end` is not applied: a server decodes on its own and ends where its model does."""
        deadline = None if max_seconds is None else time.monotonic() + max_seconds

        def one(request: tuple[list[dict[str, str]], str]) -> str:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return StoppedForTime("")
            return self.generate(request[0], request[1], max_new_tokens, left)

        return self.client.map(one, requests)

    def entailment(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """For each (source lines, sentence): P(Yes) / (P(Yes) + P(No)) from the first answer
        token's top log-probabilities where the server gives them, else 1 for a Yes answer and
        0 for anything else. Raises when a question failed after its retries (the verifier
        then treats the sentence as unsupported and says why)."""
        scores = self.client.map(self._judge, list(pairs))
        failed = next((s for s in scores if isinstance(s, Exception)), None)
        if failed is not None:
            raise failed
        return [float(s) for s in scores if not isinstance(s, Exception)]

    def _judge(self, pair: tuple[str, str]) -> float:
        from briefing.backends.int8 import entailment_messages

        messages = entailment_messages(*pair)
        if self.use_logprobs:
            try:
                data = self._chat(messages, 1, logprobs=True, top_logprobs=TOP_LOGPROBS)
            except RequestFailed as exc:
                # Some servers refuse logprobs (400/422; llama-cpp-python answers 500 unless
                # started with --logits_all): where a plain answer works, judge by it from now on.
                answer = self._chat(messages, 1)
                if self.use_logprobs:
                    self.use_logprobs = False
                    log.info(
                        "%s: no logprobs (%s); judging by the one-token answer", self.name, exc
                    )
                return _yes_answer(answer)
            probability = _yes_probability(data)
            return probability if probability is not None else _yes_answer(data)
        return _yes_answer(self._chat(messages, 1))

    def throughput(self) -> str:
        s = self.client.stats
        return (
            f"writer {self.name}: {s.requests} request(s) to {self.client.base_url} in "
            f"{s.seconds:.1f} s of request time, {s.retries} retried, {s.failures} failed; "
            f"{s.prompt_tokens} prompt and {s.completion_tokens} completion tokens"
        )


def _checked_chat(data: Any) -> dict[str, Any]:
    """The answer of a chat completion, checked to hold a message text (else retried)."""
    _chat_text(data)
    return dict(data)


def _yes_probability(data: dict[str, Any]) -> float | None:
    try:
        top = data["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        yes = no = 0.0
        for entry in top:
            word = str(entry["token"]).strip().lower()
            if word == "yes":
                yes += math.exp(float(entry["logprob"]))
            elif word == "no":
                no += math.exp(float(entry["logprob"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return yes / (yes + no) if yes + no > 0 else None


def _yes_answer(data: dict[str, Any]) -> float:
    words = _chat_text(data).strip().lower().split()
    return 1.0 if words and words[0].strip(".,!") == "yes" else 0.0


class OpenAIEmbedder:
    """Sentence embeddings from /v1/embeddings, rows scaled to unit length."""

    def __init__(self, name: str, profile: Profile):
        self.name = name
        self.server = _settings(name, profile)
        self.client = Client(name, self.server)
        self.dim = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        batch = self.server.embed_batch
        chunks = [list(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        results = self.client.map(self._embed_chunk, chunks)
        for result in results:
            if isinstance(result, Exception):  # without vectors there are no stories
                raise ServerUnavailable(f"embedder {self.name!r}: {result}")
        rows = [r for r in results if not isinstance(r, Exception)]
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.concatenate(rows).astype(np.float32)
        self.dim = vectors.shape[1]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _embed_chunk(self, texts: list[str]) -> np.ndarray:
        # some servers refuse an empty input string
        payload = {"model": self.server.model, "input": [t if t.strip() else " " for t in texts]}

        def parse(data: Any) -> np.ndarray:
            entries = sorted(data["data"], key=lambda e: int(e["index"]))
            if len(entries) != len(texts):
                raise ValueError(f"{len(entries)} vectors for {len(texts)} texts")
            matrix = np.array([e["embedding"] for e in entries], dtype=np.float32)
            if matrix.ndim != 2 or not np.isfinite(matrix).all():
                raise ValueError("vectors of uneven length or not numbers")
            return matrix

        return self.client.post("/embeddings", payload, parse)


def check(name: str, profile: Profile) -> None:
    """The server answers GET /models and lists the profile's model (else ServerUnavailable)."""
    client = Client(name, _settings(name, profile))
    try:
        client.check()
    finally:
        client.close()


def load_generator(
    name: str, profile: Profile, say: Say = log.info, allow_pull: bool = True
) -> OpenAIWriter:
    check(name, profile)
    return OpenAIWriter(name, profile, say)


def load_embedder(
    name: str, profile: Profile, say: Say = log.info, allow_pull: bool = True
) -> OpenAIEmbedder:
    check(name, profile)
    return OpenAIEmbedder(name, profile)


def prepare(name: str, profile: Profile, say: Say = log.info, force: bool = False) -> Path:
    server = _settings(name, profile)
    raise ModelNotReady(
        f"profile {name!r} runs on the server at {server.base_url}; there are no weights to "
        "pull (pull the model on that server)"
    )
