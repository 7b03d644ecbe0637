"""The real `briefing` CLI with fake models, for tests that run it in a subprocess (kill -9,
two runs at once, a read-only folder). The writer is a FakeStoryWriter named "fake-writer": give
the CLI `--config` with that profile (tests/test_daily.py writes one) and `--model fake-writer`.

Environment: BRIEFING_FAKE_DELAY: seconds each batch of stories takes to write (to be killed
mid-generation); BRIEFING_FAKE_LOG: a file that gets a line each time the writer is loaded and
each story it writes."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import FakeEmbedder, FakeStoryWriter  # noqa: E402

from briefing import cli, pipeline  # noqa: E402

_NUMBERED = re.compile(r"^\[(\d+)\] \([^)]*\) (.*)$")


def _note(line: str) -> None:
    log = os.environ.get("BRIEFING_FAKE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def answer(numbered: list[str]) -> str:
    """A faithful writer: the lede's words as headline, the evidence copied with its numbers."""
    delay = float(os.environ.get("BRIEFING_FAKE_DELAY", "0"))
    if delay:
        time.sleep(delay)
    evidence = [m.groups() for line in numbered if (m := _NUMBERED.match(line))]
    _note("story " + (evidence[0][1] if evidence else ""))
    lede = evidence[0][1].rstrip(".") if evidence else "No evidence"
    lines = [f"Headline: {lede}", "Summary:"]
    lines += [f"{text} [{n}]" for n, text in evidence[:4]]
    return "\n".join(lines) + "\n"


def load_writer(*args, **kwargs):
    _note("load writer")
    return FakeStoryWriter("fake-writer", answer)


if __name__ == "__main__":
    pipeline.load_generator = load_writer  # type: ignore[assignment]
    pipeline.load_embedder = lambda *a, **k: FakeEmbedder()  # type: ignore[assignment]
    sys.argv[0] = "briefing"
    cli.main()
