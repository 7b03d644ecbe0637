"""`briefing schedule`: a crontab line and a systemd service + timer pair for this install, with
absolute paths, the environment the run needs and a log file whose folder the job creates."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

# Passed on to the scheduled run when set here: where weights and config are found (cron's
# environment has none of them, and a cache it cannot find is downloaded and converted again).
_PASSED_ON = (
    "BRIEFING_CACHE_DIR",
    "XDG_CACHE_HOME",
    "BRIEFING_CONFIG",
    "HF_HOME",
    "HF_HUB_CACHE",
)


@dataclass(frozen=True)
class Schedule:
    crontab: str
    service: str
    timer: str


def briefing_command() -> list[str]:
    """How to start this install's `briefing`: the console script beside this Python (the
    virtual environment's), else this Python with `-m briefing`."""
    script = Path(sys.executable).parent / "briefing"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "briefing"]


def environment(offline: bool) -> dict[str, str]:
    env = {name: os.environ[name] for name in _PASSED_ON if os.environ.get(name)}
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    return env


def make_schedule(
    run_args: list[str], log_dir: Path, hour: int, minute: int, offline: bool
) -> Schedule:
    """`run_args`: the arguments after `briefing run`, paths already absolute."""
    env = environment(offline)
    command = shlex.join([*briefing_command(), "run", *run_args])
    log_dir = log_dir.absolute()
    log_file = log_dir / "cron.log"
    env_prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # cron runs the line with /bin/sh; % is special to cron and must not appear unescaped.
    crontab = (
        f"{minute} {hour} * * * mkdir -p {shlex.quote(str(log_dir))} && "
        f"{env_prefix + ' ' if env_prefix else ''}{command} "
        f">> {shlex.quote(str(log_file))} 2>&1"
    ).replace("%", r"\%")
    service_log = log_dir / "briefing.log"
    shell = (
        f"mkdir -p {shlex.quote(str(log_dir))} && exec {command} "
        f">> {shlex.quote(str(service_log))} 2>&1"
    )
    env_lines = "".join(f"Environment={shlex.quote(f'{k}={v}')}\n" for k, v in env.items())
    service = (
        "[Unit]\n"
        "Description=Daily news briefing (briefing run)\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"{env_lines}"
        f"ExecStart=/bin/sh -c {shlex.quote(shell)}\n"
        "# 3: nothing new to brief; 6: briefed, some inputs skipped (see the briefing)\n"
        "SuccessExitStatus=3 6\n"
        "Nice=10\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=Daily news briefing at {hour:02d}:{minute:02d}\n\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {hour:02d}:{minute:02d}:00\n"
        "# a run missed while the machine was off happens at the next boot\n"
        "Persistent=true\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return Schedule(crontab, service, timer)


def format_schedule(schedule: Schedule) -> str:
    return (
        "# crontab: add this line with `crontab -e`\n"
        f"{schedule.crontab}\n\n"
        "# systemd (user units): save as ~/.config/systemd/user/briefing.service\n"
        f"{schedule.service}\n"
        "# ... and as ~/.config/systemd/user/briefing.timer, then run\n"
        "#   systemctl --user daemon-reload && systemctl --user enable --now briefing.timer\n"
        f"{schedule.timer}"
    )
