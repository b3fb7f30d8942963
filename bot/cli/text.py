"""What the command line prints for people: answers, source lists, build reports, timelines, progress.

Pure functions from core objects to text (plus the progress bar on stderr); `emit` prints either that
text or the JSON of `--json`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index import (
    Answer,
    Copied,
    Progress,
    ReindexResult,
    SourceEntry,
    StoreSettings,
    Timeline,
    citation,
    human_date,
)


def emit(as_json: bool, data: object, text: str) -> None:
    """Print `data` as one JSON document, or `text`."""
    print(json.dumps(data, ensure_ascii=False) if as_json else text)


def warn(text: str) -> None:
    print(f"briefbot: warning: {text}", file=sys.stderr)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """Progress on stderr: on a terminal, a line per stage with a spinner (and a bar for the stages that
    count things); elsewhere only the steps without a count (the model's preparation), a line each, so a
    pause is explained. Nothing when disabled (`--json`)."""
    if not enabled:
        yield None
        return
    if not sys.stderr.isatty():
        started: set[str] = set()

        def step_lines(stage: str, advance: int, total: int) -> None:
            if total == 0 and stage not in started:
                started.add(stage)
                print(stage_label(stage, counted=False), file=sys.stderr, flush=True)

        yield step_lines
        return
    from rich.console import Console, RenderableType
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, SpinnerColumn, Task, TextColumn
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class Counted(ProgressColumn):
        """A column (a bar, a count) shown for the stages that count things, empty for the other steps."""

        def __init__(self, column: ProgressColumn) -> None:
            super().__init__(column.get_table_column())
            self.column = column

        def render(self, task: Task) -> RenderableType:
            return self.column.render(task) if task.fields["counted"] else Text("")

    columns = (SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"), Counted(BarColumn()),
               Counted(MofNCompleteColumn()))
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bars:
        tasks: dict[str, int] = {}

        def update(stage: str, advance: int, total: int) -> None:
            counted = total > 0
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage_label(stage, counted=counted), total=total or None,
                                             counted=counted)
            if counted:
                bars.update(tasks[stage], advance=advance)
            elif advance:  # a step without a count has ended
                bars.update(tasks[stage], total=1, completed=1)

        yield update


def stage_label(stage: str, *, counted: bool) -> str:
    """'passages embedded' -> 'Passages embedded'; a step without a count gets '...' (it is under way)."""
    return stage[:1].upper() + stage[1:] + ("" if counted else "...")


def answer_text(answer: Answer) -> str:
    """An answer for a terminal: the answering sentence, then numbered quotes with their sources."""
    lines = [answer.answer]
    for number, hit in enumerate(answer.passages, 1):
        source = hit.source
        link = f" <{source.url}>" if source.url else ""
        lines += ["", f"[{number}] {hit.quote}", f"    — {citation(source)}{link}"]
        if hit.also_reported_by:
            lines.append("    also reported by: " + "; ".join(citation(s) for s in hit.also_reported_by))
    return "\n".join(lines)


def update_text(result: ReindexResult, title: str | None = None) -> str:
    """What a reindex or refresh did, in total and per source (after `title`)."""
    report = result.report.as_dict()
    lines = [title] if title else []
    lines.append(
        f"{report['documents']} documents, {report['passages']} passages; "
        f"{report['documents_added']} added, {report['documents_changed']} changed, "
        f"{report['documents_removed']} removed; {report['embedded']} passages embedded"
        + ("" if report["generation"] else " (index unchanged)")
    )
    lines += [
        f"  {name}: {len(c.added)} added, {len(c.changed)} changed, {len(c.removed)} removed documents; "
        f"{c.passages_added} added, {c.passages_removed} removed passages"
        for name, c in result.report.sources.items()
    ]
    if result.fetched:
        lines.append("web: " + ", ".join(f"{n} {origin}" for origin, n in sorted(result.fetched.items())))
    return "\n".join(lines)


def sources_text(entries: Sequence[SourceEntry]) -> str:
    """One aligned line per source, its scope first: the operator's, or a server's id."""
    width = max((len(e.name) for e in entries), default=4)
    scope = max((len(e.scope) for e in entries), default=8)
    return "\n".join(
        f"{e.scope:<{scope}}  {e.name:<{width}}  {e.kind:<6}  {e.documents:>5} docs  "
        f"{e.passages:>6} passages  indexed {e.last_indexed or 'never'}  {e.location}"
        for e in entries
    ) or "no sources"


def scopes_text(rows: Sequence[dict]) -> str:
    """One line per scope with what it holds, and for a server the bot was removed from, when it is purged."""
    width = max((len(r["scope"]) for r in rows), default=8)
    return "\n".join(
        f"{r['scope']:<{width}}  {r['sources']:>3} sources  {r['documents']:>6} docs  "
        f"{r['passages']:>7} passages"
        + (f"  (bot removed {r['removed_at']}: purged after {r['purged_after']})" if r["removed_at"] else "")
        for r in rows
    ) or "no scopes"


def timeline_text(timeline: Timeline, topic: str | None) -> str:
    """Each entry as a block: its date as people write it and its headline, then every outlet's quote;
    a blank line between entries. Or a sentence saying there is nothing dated."""
    blocks = []
    for entry in timeline.events:
        flag = f"  (dates disagree: {entry.disagreement})" if entry.disagreement else ""
        lines = [f"{human_date(entry.date)} · {entry.headline}{flag}"]
        lines += [f"    {quoted(q.quote)} — {citation(q.source)}" for q in entry.quotes]
        blocks.append("\n".join(lines))
    about = f" about {topic!r}" if topic else ""
    return "\n\n".join(blocks) or f"No dated events{about} in the briefings."


def quoted(text: str) -> str:
    """`text` between quotation marks, unless it opens with one itself (no doubled marks)."""
    return text if text[:1] in "\"“‘'" else f"“{text}”"


def commands_text(payload: list[dict[str, Any]]) -> str:
    """The slash commands, one line each."""
    return "\n".join(f"/{c['name']:<10} {c['description']}" for c in payload)


def store_text(store: StoreSettings, data_dir: Path) -> str:
    """Where an engine keeps the index, for people."""
    if store.engine == "faiss":
        return f"the FAISS index in {data_dir}"
    return f"the Milvus index {store.collection!r} at {store.milvus_uri(data_dir)}"


def migrate_text(copied: Copied, source: str, target: str, engine: str) -> str:
    return (f"copied {copied.documents} documents ({copied.passages} passages, nothing re-embedded) and "
            f"{copied.sources} sources from {source} to {target}.\nTo answer from it, set engine = "
            f'"{engine}" in the [store] section of the config (docs/deploy.md).')
