"""Briefbot's core: sources -> passages -> embeddings -> store -> search and timeline.

The front ends (the CLI and the Discord bot) import from here and nothing below: `Library` is the one
object they drive, the dataclasses are what they render, `UserError` is what they show as it is. Names
are imported on first use, so `import index.dates` (or a CLI command that never searches) does not load
FAISS, the model runtime or the web stack.
"""

from __future__ import annotations

from importlib import import_module

# Public name -> the module that defines it.
_PUBLIC = {
    "index.library": ("Library", "ReindexResult", "ScopeCounts"),
    "index.scopes": ("OPERATOR", "LimitReached", "ServerLimits", "check_room", "check_scope", "seen_in",
                     "server_scope"),
    "index.build": ("BuildReport", "Progress", "SourceChanges"),
    "index.search": ("Answer", "Hit", "NOT_COVERED", "SearchSettings", "citation"),
    "index.passages": ("MAX_WORDS",),
    "index.timeline": ("Timeline", "TimelineEntry", "TimelineQuote", "human_date", "most_reported",
                       "outlet"),
    "index.plot": ("timeline_png", "alt_text"),
    "index.dates": ("Timex", "tag"),
    "index.store": ("DocumentInfo", "NoIndex", "StoreError", "StoreWriteError", "os_error_message"),
    "index.store.engines": ("StoreSettings",),
    "index.store.migrate": ("Copied",),
    "index.registry": ("RegistryError", "SourceEntry", "check_source_name"),
    "index.clock": ("now",),
    "index.sources": ("Document", "SourceError", "is_untitled"),
    "index.readers": ("readable_suffixes", "source_kinds", "web_kinds"),
    "index.isolation": ("Skipped",),
    "index.fetch": ("FetchPolicy",),
    "index.embed": ("EncoderError",),
    "index.language": ("english",),
    "index.errors": ("InvalidInput", "UserError"),
}
_MODULE_OF = {name: module for module, names in _PUBLIC.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> object:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
