"""Scopes: whose a source is, and therefore where it is answered and who may change it.

A source belongs to the operator (the config's sources and those added with the CLI: answered everywhere)
or to one server (added there by its moderators: answered only there). A scope is a string: `OPERATOR`, or
the server's id in decimal (Discord ids are numbers, so the two never meet). Documents carry their scope
into the store, where a `Filter`'s `scopes` field keeps a question to the scopes it may see, inside the
search itself.

Two scopes may each have a source of the same name, so a source is known by (scope, name); where one string
must name it (build reports, the read cache, document ids) it is its *key*: the name for the operator's,
`<scope>:<name>` for a server's (':' is in no source name). Sources are read under their key, so every
document id begins with its source's key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from index.errors import InvalidInput, UserError

if TYPE_CHECKING:
    from index.sources import Document

OPERATOR = "operator"


@dataclass(frozen=True)
class ServerLimits:
    """What each server's own sources may hold (None: no limit); the operator's sources have no limit."""

    sources: int | None = None  # sources registered
    passages: int | None = None  # passages indexed


class LimitReached(UserError):
    """A server's change would take its sources past a `ServerLimits`; the change was left out."""


def check_room(limits: ServerLimits, scope: str, registered: int) -> None:
    """Raise `LimitReached` if `scope`, holding `registered` sources, may not add one more."""
    if scope != OPERATOR and limits.sources is not None and registered >= limits.sources:
        raise LimitReached(f"This server has {registered} sources, the most a server may have; remove one "
                           "before adding another.")


def server_scope(server_id: int) -> str:
    """The scope of one server's sources."""
    return str(server_id)


def visible(scope: str) -> frozenset[str]:
    """The scopes a question asked in `scope` may quote: the operator's, and a server's own."""
    return frozenset({OPERATOR, scope})


def seen_in(server_id: int | None) -> frozenset[str]:
    """The scopes a question asked in a server may quote (None: in a direct message, the operator's)."""
    return visible(server_scope(server_id)) if server_id is not None else frozenset({OPERATOR})


def check_scope(text: str) -> str:
    """`text` as a scope ("operator" or a server id); `InvalidInput` for anything else."""
    scope = text.strip().lower()
    if scope == OPERATOR:
        return scope
    if scope.isascii() and scope.isdigit() and len(scope) <= 20:
        return str(int(scope))
    raise InvalidInput(f"invalid scope {text!r}: use 'operator' or a server id (digits)")


def source_key(scope: str, name: str) -> str:
    """The one-string name of the source `name` of `scope`: `name`, or `<scope>:<name>` for a server's."""
    return name if scope == OPERATOR else f"{scope}:{name}"


def as_scoped(documents: list[Document], scope: str, name: str) -> list[Document]:
    """Documents a reader read under the source's key (`source_key(scope, name)`: their ids begin with it,
    so two servers' sources of the same name never share a document id), as the source `name` of `scope`.
    A reader names the publisher after the source when the article names none: that is `name` too."""
    key = source_key(scope, name)
    if key == name:
        return documents
    return [replace(doc, source=name, scope=scope, publisher=name if doc.publisher == key else doc.publisher)
            for doc in documents]
