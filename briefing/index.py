"""index.md in the output folder: every briefing there, newest first, with its stories' marks
and headlines (read from each briefing's JSON; a briefing without one is listed bare)."""

from __future__ import annotations

import json
from pathlib import Path

from briefing.output import briefing_dates
from briefing.stages.render import md_escape


def render_index(out_dir: Path) -> str:
    lines = ["# Briefings", ""]
    dates = briefing_dates(out_dir)
    if not dates:
        lines += ["No briefing yet.", ""]
    for date in dates:
        lines += [f"## [{date}]({date}.md)", ""]
        stories = _stories(out_dir / f"{date}.json")
        for story in stories:
            mark = story.get("continuity") or {}
            status = f"**{mark['status']}** " if mark.get("status") else ""
            headline = (story.get("headline") or {}).get("text", "")
            lines.append(f"- {status}{md_escape(headline)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _stories(manifest: Path) -> list[dict]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        stories = data.get("stories", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [s for s in stories if isinstance(s, dict)] if isinstance(stories, list) else []
