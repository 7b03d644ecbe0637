"""The wheel carries models.yaml and prompts/, so a plain `pip install` works outside the checkout."""

import os
import subprocess
import sys
import zipfile

from conftest import REPO


def test_wheel_ships_defaults_and_works_outside_the_checkout(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = (tmp_path / "dist").glob("briefing-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "briefing/_defaults/models.yaml",
        "briefing/_defaults/prompts/summarise.txt",
        "briefing/cli.py",
    } <= names

    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "BRIEFING_CONFIG"}
    env["PYTHONPATH"] = str(target)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from briefing.config import load_config, load_prompt\n"
            "config, path = load_config()\n"
            "load_prompt(path, 'summarise').require('sentence')\n"
            "print(path)",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == str(target / "briefing" / "_defaults" / "models.yaml")
