"""The openai backend against a local fake server (pytest-httpserver): the happy path writes a
verified, cited briefing of the examples; the failure paths (timeouts, 429 and 500 answers,
malformed JSON, a body cut short, a wrong model name, a server that is down) cost one story or
fail the run before any work, as the README says."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import EXAMPLES
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from briefing import cli
from briefing.backends import openai
from briefing.config import Config, Profile, packaged_defaults
from briefing.errors import ConfigError, ServerUnavailable

WRITER = "fake-server-writer"
EMBEDDER = "fake-server-embedder"
KEY = "sk-test-secret-0123456789"
_NUMBERED = re.compile(r"^\[(\d+)\] \([^)]*\) (.*)$", re.M)


def server_profile(url: str, kind: str = "causal-lm", **server) -> dict:
    profile: dict = {
        "kind": kind,
        "backend": "openai",
        "description": "a fake OpenAI-compatible server",
        "server": {
            "base_url": url,
            "model": "fake-model",
            "timeout": 2,
            "connect_timeout": 1,
            "retries": 2,
            "backoff": 0,
            "concurrency": 2,
            **server,
        },
    }
    if kind == "causal-lm":
        profile["generation"] = {"style": "story", "evidence_words": 200, "evidence_sentences": 8}
    return profile


def write_config(tmp_path: Path, url: str, **server) -> Path:
    data = yaml.safe_load((packaged_defaults() / "models.yaml").read_text())
    data["profiles"][WRITER] = server_profile(url, **server)
    data["profiles"][EMBEDDER] = server_profile(url, "embedder", **server)
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def profile_of(url: str, kind: str = "causal-lm", **server) -> Profile:
    return Profile.model_validate(server_profile(url, kind, **server))


def hashed_vector(text: str, dim: int = 256) -> list[float]:
    """Bag of hashed words, as tests' FakeEmbedder: texts sharing words are similar."""
    row = np.zeros(dim)
    for word in re.findall(r"\w+", text.lower()):
        row[hashlib.md5(word.encode()).digest()[0] % dim] += 1.0
    row[0] += 1e-3
    return row.tolist()


def chat_answer(content: str, logprobs: list[dict] | None = None) -> dict:
    choice: dict = {"index": 0, "message": {"role": "assistant", "content": content}}
    choice["finish_reason"] = "stop"
    if logprobs is not None:
        choice["logprobs"] = {"content": [{"token": content, "logprob": 0.0, "top_logprobs": logprobs}]}  # fmt: skip
    return {"choices": [choice], "usage": {"prompt_tokens": 10, "completion_tokens": 5}}


def story_from_evidence(prompt: str) -> str:
    """The fake writer: a headline from the first source sentence; a summary sentence joining
    the first two source sentences (no verbatim line, so the judge is asked), then the third
    copied; each citing its numbers."""
    numbered = [m.groups() for m in _NUMBERED.finditer(prompt)]
    headline = " ".join(numbered[0][1].split()[:8])
    lines = [f"Headline: {headline}", "Summary:"]
    if len(numbered) > 1:
        (n1, first), (n2, second) = numbered[:2]
        lines.append(f"{first.rstrip('.')}, and {second} [{n1}][{n2}]")
    lines += [f"{text} [{n}]" for n, text in numbered[2:3] or numbered[:1]]
    return "\n".join(lines)


class FakeOpenAI:
    """A well-behaved server; `fail(request)` may answer instead (a werkzeug Response)."""

    def __init__(self, server: HTTPServer, models=("fake-model",), key: str | None = None):
        self.server = server
        self.key = key
        self.chats: list[dict] = []
        self.headers: list[str] = []
        self.fail = lambda request, payload: None
        server.expect_request("/v1/models", method="GET").respond_with_handler(
            lambda request: (
                self._guard(request)
                or Response(json.dumps({"object": "list", "data": [{"id": m} for m in models]}))
            )
        )
        server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
            self._chat
        )
        server.expect_request("/v1/embeddings", method="POST").respond_with_handler(self._embed)

    @property
    def url(self) -> str:
        return self.server.url_for("/v1")

    def _guard(self, request: Request) -> Response | None:
        self.headers.append(request.headers.get("Authorization", ""))
        if self.key and request.headers.get("Authorization") != f"Bearer {self.key}":
            return Response("invalid key", status=401)
        return None

    def _chat(self, request: Request) -> Response:
        payload = request.get_json()
        self.chats.append(payload)
        failed = self._guard(request) or self.fail(request, payload)
        if failed is not None:
            return failed
        prompt = payload["messages"][-1]["content"]
        if payload["max_tokens"] == 1:  # the entailment question
            top = [{"token": "Yes", "logprob": -0.1}, {"token": "No", "logprob": -2.4}]
            return Response(json.dumps(chat_answer("Yes", top if payload.get("logprobs") else None)))  # fmt: skip
        if not _NUMBERED.search(prompt):  # the verifier's repair: one source sentence rewritten
            return Response(json.dumps(chat_answer(prompt.strip().splitlines()[-1])))
        return Response(json.dumps(chat_answer(story_from_evidence(prompt))))

    def _embed(self, request: Request) -> Response:
        payload = request.get_json()
        data = [{"index": i, "embedding": hashed_vector(t)} for i, t in enumerate(payload["input"])]
        return Response(json.dumps({"data": data[::-1]}))  # out of order: the index counts


@pytest.fixture
def fake_server(httpserver: HTTPServer) -> FakeOpenAI:
    return FakeOpenAI(httpserver)


def run_briefing(monkeypatch, capsys, tmp_path, config: Path, *extra: str):
    """`briefing run` of the examples against the fake server: (exit code, stderr, out folder)."""
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["briefing",
        "run", str(EXAMPLES), "--out", str(out), "--date", "2026-11-22", "--config", str(config),
        "--model", WRITER, "--embedder", EMBEDDER, *extra])  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    return exit_info.value.code, capsys.readouterr().err, out


# --- the happy path --------------------------------------------------------------------------


def test_a_run_against_the_server_writes_a_verified_cited_briefing(
    fake_server, monkeypatch, capsys, tmp_path
):
    from test_e2e import assert_citations_resolve, assert_footnotes_resolve

    from briefing.records import briefing_from_data

    code, stderr, out = run_briefing(
        monkeypatch, capsys, tmp_path, write_config(tmp_path, fake_server.url)
    )
    assert code == 6, stderr  # written; the empty download skipped
    markdown_text = (out / "2026-11-22.md").read_text()
    briefing = briefing_from_data(json.loads((out / "2026-11-22.json").read_text()))
    assert briefing.generator == WRITER and briefing.embedder == EMBEDDER
    assert len(briefing.summaries) == 6  # the examples' six events
    assert_citations_resolve(briefing, EXAMPLES)
    assert_footnotes_resolve(markdown_text)
    kinds = [s.kind for summary in briefing.summaries for s in summary.sentences]
    assert kinds.count("generated") >= 6, kinds  # the server's sentences reached the page
    stories = [
        c for c in fake_server.chats
        if c["max_tokens"] > 1 and _NUMBERED.search(c["messages"][-1]["content"])
    ]  # fmt: skip
    judged = [c for c in fake_server.chats if c["max_tokens"] == 1]
    assert len(stories) == 6 and judged and all(c["logprobs"] for c in judged)
    assert "copy bias" not in stderr  # the profile sets no copy bias


def test_stories_are_written_concurrently_up_to_the_limit(httpserver_threaded, tmp_path):
    fake = FakeOpenAI(httpserver_threaded)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow(request, payload):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.2)
        with lock:
            in_flight[0] -= 1

    fake.fail = slow
    writer = openai.OpenAIWriter("w", profile_of(fake.url, concurrency=3))
    prompt = [{"role": "user", "content": "[1] (X, 2026-11-20) The bridge closed on Monday."}]
    started = time.monotonic()
    answers = writer.generate_many([(prompt, "")] * 6)
    assert all(a.startswith("Headline: The bridge closed") for a in answers)
    assert peak[0] == 3
    assert time.monotonic() - started < 6 * 0.2  # not one after another


@pytest.fixture
def httpserver_threaded():
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


# --- failure paths of one request ----------------------------------------------------------


def writer_for(fake: FakeOpenAI, **server) -> openai.OpenAIWriter:
    return openai.OpenAIWriter("w", profile_of(fake.url, **server))


STORY = [{"role": "user", "content": "[1] (X, 2026-11-20) The bridge closed on Monday."}]


def test_a_timeout_is_retried_then_fails_that_request(httpserver_threaded):
    fake = FakeOpenAI(httpserver_threaded)
    fake.fail = lambda request, payload: time.sleep(0.6)
    writer = writer_for(fake, timeout=0.3, retries=1)
    with pytest.raises(
        openai.RequestFailed, match=r"failed 2 time\(s\), last: no answer within 0.3 s"
    ):
        writer.generate(STORY)
    assert len(fake.chats) == 2


def test_a_time_limit_stops_waiting_and_retrying(httpserver_threaded):
    from briefing.backends.base import StoppedForTime

    fake = FakeOpenAI(httpserver_threaded)
    fake.fail = lambda request, payload: time.sleep(0.6)
    writer = writer_for(fake, timeout=30, retries=3)
    answer = writer.generate(STORY, max_seconds=0.2)  # the server answers after 0.6 s
    assert isinstance(answer, StoppedForTime) and answer == ""
    assert len(fake.chats) == 1  # no retry once the time is up
    answers = writer.generate_many([(STORY, ""), (STORY, "")], max_seconds=0.2)
    assert all(isinstance(a, StoppedForTime) for a in answers)


def test_429_and_500_answers_are_retried(fake_server):
    answers = iter([Response("slow down", status=429, headers={"Retry-After": "0"}),
                    Response("oops", status=500)])  # fmt: skip
    fake_server.fail = lambda request, payload: next(answers, None)
    writer = writer_for(fake_server, retries=2)
    assert writer.generate(STORY).startswith("Headline: The bridge closed on Monday")
    assert len(fake_server.chats) == 3 and writer.client.stats.retries == 2


def test_500_answers_past_the_retries_fail_the_request(fake_server):
    fake_server.fail = lambda request, payload: Response("model crashed", status=503)
    with pytest.raises(openai.RequestFailed, match=r"failed 3 time\(s\), last: answered 503"):
        writer_for(fake_server, retries=2).generate(STORY)


def test_a_4xx_answer_is_not_retried(fake_server):
    fake_server.fail = lambda request, payload: Response('{"error": "context too long"}', status=400)  # fmt: skip
    with pytest.raises(openai.RequestFailed, match="answered 400: .*context too long"):
        writer_for(fake_server).generate(STORY)
    assert len(fake_server.chats) == 1


@pytest.mark.parametrize(
    "body",
    [
        "this is not json",
        '{"choices": [{"message": {"role": "assistant", "content": "Headline: The bri',  # cut
        '{"choices": []}',
        '{"choices": [{"message": {"content": null}}]}',
    ],
)
def test_malformed_or_cut_json_is_retried_then_fails(fake_server, body):
    fake_server.fail = lambda request, payload: Response(body, content_type="application/json")
    with pytest.raises(openai.RequestFailed, match="not the expected JSON"):
        writer_for(fake_server, retries=1).generate(STORY)
    assert len(fake_server.chats) == 2


def test_a_body_cut_short_by_the_connection_is_retried_then_fails():
    """A server that promises 1000 bytes, sends 30 and closes (a crashed worker)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    served = []

    def serve():
        while len(served) < 2:
            connection, _ = listener.accept()
            connection.recv(65536)
            served.append(1)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                b'\r\n{"choices": [{"message": {"con'
            )
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    writer = openai.OpenAIWriter("w", profile_of(f"http://127.0.0.1:{port}/v1", retries=1))
    with pytest.raises(openai.RequestFailed, match=r"failed 2 time\(s\)"):
        writer.generate(STORY)
    thread.join(5)
    listener.close()
    assert len(served) == 2


# --- the run: one failed story falls back, a down server stops it before any work ---------------


def test_a_story_whose_requests_fail_falls_back_to_quotes_and_the_run_goes_on(
    fake_server, monkeypatch, capsys, tmp_path
):
    def fail_the_tram_story(request, payload):
        if payload["max_tokens"] > 1 and "tram" in payload["messages"][-1]["content"].lower():
            return Response("overloaded", status=503)
        return None

    fake_server.fail = fail_the_tram_story
    code, stderr, out = run_briefing(
        monkeypatch, capsys, tmp_path, write_config(tmp_path, fake_server.url)
    )
    assert code == 6, stderr  # written; the empty download skipped
    data = json.loads((out / "2026-11-22.json").read_text())
    failed = [
        s for s in data["stories"]
        if any(r["reason"].startswith("the model failed") for r in s["rejected"])
    ]  # fmt: skip
    assert len(failed) == 1
    assert all("tram" in a["path"] for a in failed[0]["sources"])
    assert "answered 503" in failed[0]["rejected"][0]["reason"]
    assert {s["kind"] for s in failed[0]["sentences"]} <= {"quote", "extract"}
    others = [s for s in data["stories"] if s is not failed[0]]
    assert all(any(x["kind"] == "generated" for x in s["sentences"]) for s in others)
    assert "the model failed" in stderr and "quoting the sources instead" in stderr


def test_a_wrong_model_name_fails_the_run_before_any_work(
    httpserver, monkeypatch, capsys, tmp_path
):
    fake = FakeOpenAI(httpserver, models=("llama-3-8b", "qwen2.5"))
    code, stderr, out = run_briefing(
        monkeypatch, capsys, tmp_path, write_config(tmp_path, fake.url)
    )
    assert code == 9
    assert stderr.strip().splitlines() == [
        f"briefing: error: the server of profile {WRITER!r} at {fake.url} does not serve model "
        "'fake-model'; it serves: llama-3-8b, qwen2.5"
    ]
    assert not fake.chats and not out.exists()


def test_a_server_that_is_down_fails_the_run_with_one_line_and_exit_code_9(
    monkeypatch, capsys, tmp_path
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    code, stderr, out = run_briefing(monkeypatch, capsys, tmp_path, write_config(tmp_path, url))
    assert code == 9
    lines = stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"briefing: error: cannot reach the server of profile {WRITER!r} at {url}: ")  # fmt: skip
    assert "start it, or pick another profile" in lines[0]
    assert "read " not in stderr and not out.exists()


# --- the key --------------------------------------------------------------------------------


def test_the_key_is_sent_but_never_written(httpserver, monkeypatch, capsys, tmp_path):
    fake = FakeOpenAI(httpserver, key=KEY)
    monkeypatch.setenv("FAKE_SERVER_KEY", KEY)
    config = write_config(tmp_path, fake.url, api_key_env="FAKE_SERVER_KEY")
    code, stderr, out = run_briefing(monkeypatch, capsys, tmp_path, config, "--verbose")
    assert code == 6, stderr  # written; the empty download skipped
    assert set(fake.headers) == {f"Bearer {KEY}"}
    assert KEY not in stderr
    assert KEY not in config.read_text()
    for path in out.rglob("*"):  # the briefing, its JSON, index.md and the SQLite state
        assert not path.is_file() or KEY.encode() not in path.read_bytes()


def test_a_refused_key_is_one_line_without_the_key(httpserver, monkeypatch, capsys, tmp_path):
    FakeOpenAI(httpserver, key="another-key")
    monkeypatch.setenv("FAKE_SERVER_KEY", KEY)
    config = write_config(tmp_path, httpserver.url_for("/v1"), api_key_env="FAKE_SERVER_KEY")
    code, stderr, _ = run_briefing(monkeypatch, capsys, tmp_path, config)
    assert code == 9 and len(stderr.strip().splitlines()) == 1
    assert "refused the key in $FAKE_SERVER_KEY (401)" in stderr and KEY not in stderr


def test_an_error_answer_that_echoes_the_key_is_blanked(fake_server, monkeypatch):
    monkeypatch.setenv("FAKE_SERVER_KEY", KEY)
    fake_server.fail = lambda request, payload: Response(f"bad key {KEY}", status=400)
    writer = writer_for(fake_server, api_key_env="FAKE_SERVER_KEY")
    with pytest.raises(openai.RequestFailed) as failure:
        writer.generate(STORY)
    assert KEY not in str(failure.value) and "bad key ***" in str(failure.value)


def test_an_unset_key_variable_is_a_config_error(fake_server, monkeypatch):
    monkeypatch.delenv("FAKE_SERVER_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"reads its API key from \$FAKE_SERVER_KEY, which is not set"):  # fmt: skip
        writer_for(fake_server, api_key_env="FAKE_SERVER_KEY")


# --- the judge, the copy bias, the embedder ---------------------------------------------------


def test_entailment_is_the_share_of_yes_in_the_top_logprobs(fake_server):
    [score] = writer_for(fake_server).entailment([("The bridge closed.", "The bridge closed.")])
    assert score == pytest.approx(np.exp(-0.1) / (np.exp(-0.1) + np.exp(-2.4)))


@pytest.mark.parametrize("status", [400, 500])
def test_entailment_without_logprobs_reads_the_one_token_answer(fake_server, status):
    def refuse_logprobs(request, payload):
        if payload.get("logprobs"):
            return Response('{"error": "logprobs not supported"}', status=status)
        return None

    fake_server.fail = refuse_logprobs
    writer = writer_for(fake_server)
    assert writer.entailment([("a", "b"), ("c", "d")]) == [1.0, 1.0]
    assert writer.use_logprobs is False


def test_a_failed_entailment_question_raises_for_the_verifier(fake_server):
    fake_server.fail = lambda request, payload: Response("down", status=502)
    with pytest.raises(openai.RequestFailed, match="answered 502"):
        writer_for(fake_server, retries=0).entailment([("a", "b")])


def tiny_tokenizer(path: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["[UNK]", "The", "bridge", "closed", "on", "Monday", ".", "Storm", "the", "a"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(path))
    return path


def test_the_copy_bias_is_sent_as_logit_bias_with_a_tokenizer(fake_server, tmp_path):
    tokenizer = tiny_tokenizer(tmp_path / "tokenizer.json")
    profile = server_profile(fake_server.url, tokenizer=str(tokenizer))
    profile["generation"]["copy_bias"] = 4.0
    said: list[str] = []
    writer = openai.OpenAIWriter("w", Profile.model_validate(profile), said.append)
    writer.generate(STORY, copy_from="Storm closed the bridge.")
    bias = fake_server.chats[-1]["logit_bias"]
    assert {"7", "2", "3", "6"} <= set(bias) and set(bias.values()) == {4.0}
    assert "5" not in bias  # "Monday" is not in the source
    assert said == ["w: copy bias 4 sent as logit_bias"]


def test_without_a_tokenizer_the_run_says_the_bias_is_off(fake_server):
    profile = server_profile(fake_server.url)
    profile["generation"]["copy_bias"] = 4.0
    said: list[str] = []
    writer = openai.OpenAIWriter("w", Profile.model_validate(profile), said.append)
    writer.generate(STORY, copy_from="Storm closed the bridge.")
    assert "logit_bias" not in fake_server.chats[-1]
    assert said == ["w: copy bias off (the profile names no `server.tokenizer`)"]


def test_embeddings_come_back_in_order_and_of_unit_length(fake_server):
    embedder = openai.OpenAIEmbedder("e", profile_of(fake_server.url, "embedder", embed_batch=2))
    texts = ["The bridge closed.", "Storm hits.", "The bridge closed.", ""]
    vectors = embedder.embed(texts)
    assert vectors.shape == (4, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.allclose(vectors[0], vectors[2]) and not np.allclose(vectors[0], vectors[1])


def test_an_embedding_server_that_fails_stops_the_run(fake_server):
    fake_server.server.clear()
    fake_server.server.expect_request("/v1/embeddings").respond_with_data("{}", status=500)
    embedder = openai.OpenAIEmbedder("e", profile_of(fake_server.url, "embedder", retries=0))
    with pytest.raises(ServerUnavailable, match="embedder 'e': .*answered 500"):
        embedder.embed(["a"])


# --- profiles -------------------------------------------------------------------------------


def test_the_shipped_server_profiles_validate_and_name_no_key():
    config = Config.model_validate(
        yaml.safe_load((packaged_defaults() / "models.yaml").read_text())
    )
    served = {n: p for n, p in config.profiles.items() if p.backend == "openai"}
    assert {"llamacpp-smollm2-135m", "vllm-qwen2.5-7b", "ollama-qwen2.5-7b"} <= set(served)
    for profile in served.values():
        assert profile.server is not None and profile.source is None
        assert profile.server.api_key_env in (None, "VLLM_API_KEY")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"server": None}, "an openai profile names its `server`"),
        ({"generation": {"copy_only": True}}, "copy_only needs the logits"),
        ({"generation": {"batch_size": 1}}, "must be at least server.concurrency"),
    ],
)
def test_server_profiles_are_checked_on_load(change, message):
    profile = {**server_profile("http://127.0.0.1:1/v1"), **change}
    if profile["server"] is None:
        del profile["server"]
    with pytest.raises(ValueError, match=message):
        Profile.model_validate(profile)
