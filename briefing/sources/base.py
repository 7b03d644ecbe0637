"""What every reader shares: the Reader protocol, the reason a file is skipped, decoding."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from briefing.records import Article

_BINARY_PROBE = 8192


class Reader(Protocol):
    def __call__(self, path: Path, rel: str, data: bytes) -> list[Article]:
        """The articles a file holds (one, or many for record and feed formats); raises Skip
        when the file is unusable."""
        ...


class Skip(Exception):
    """Raised by a reader: this file is unusable, for the reason given."""


def decode(data: bytes) -> str:
    if not data.strip():
        raise Skip("empty file")
    if b"\x00" in data[:_BINARY_PROBE]:
        raise Skip("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        from charset_normalizer import from_bytes

        guess = from_bytes(data).best()
        if guess is not None and guess.encoding not in ("utf_8", "ascii"):
            hint = f"; it looks like {guess.encoding}: convert it to UTF-8 (e.g. with iconv)"
        raise Skip(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}){hint}"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
