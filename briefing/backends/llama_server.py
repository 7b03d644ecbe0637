"""llama.cpp's server (llama-cpp-python) started on a free local port, for the `server` tests and
the benchmark: the real engine behind the openai backend, on the GGUF files the project pulls.

llama-cpp-python is a long source build (about 10 minutes on two cores), so it is not a
dependency: it lives in a virtual environment of its own whose python is named by
$BRIEFING_LLAMA_PYTHON, or in this interpreter's or the PATH's python.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

PYTHON_ENV = "BRIEFING_LLAMA_PYTHON"


def llama_python() -> str | None:
    """An interpreter that can run `python -m llama_cpp.server`, or None."""
    candidates = [os.environ.get(PYTHON_ENV), sys.executable, shutil.which("python3")]
    for python in dict.fromkeys(c for c in candidates if c):
        probe = subprocess.run(
            [python, "-c", "import llama_cpp.server.app"], capture_output=True, timeout=60
        )
        if probe.returncode == 0:
            return python
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def llama_server(
    python: str,
    gguf: Path,
    alias: str,
    log_file: Path,
    context: int = 4096,
    threads: int | None = None,
    startup_seconds: float = 180.0,
) -> Iterator[str]:
    """The server running `gguf` under the model name `alias`; yields its base URL (…/v1) once
    GET /v1/models answers, and stops it on leaving."""
    port = free_port()
    command = [
        python, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context),
    ]  # fmt: skip
    if threads:
        command += ["--n_threads", str(threads)]
    url = f"http://127.0.0.1:{port}/v1"
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup_seconds
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"llama.cpp's server exited with {process.returncode}; see {log_file}"
                    )
                try:
                    if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama.cpp's server did not start; see {log_file}")
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
