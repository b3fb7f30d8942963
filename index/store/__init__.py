"""The store: documents, passages, vectors and the keyword index behind one interface.

`index.store.interface` defines the protocols every engine implements (`Engine`, `Snapshot` = the
`PassageStore` + a `VectorIndex` + a `KeywordIndex`) and the values that cross them (`Filter`,
`ChangeSet`, stored rows); `index.store.faiss_engine` is the embedded engine (SQLite + FAISS + bm25s in
generation folders, `index.store.generations`). Nothing outside this package touches FAISS or SQL.
"""

from index.store.interface import (
    REBUILD_HINT,
    ChangeSet,
    DamagedIndex,
    DocumentInfo,
    DocumentState,
    DocumentUpdate,
    Engine,
    Filter,
    KeywordIndex,
    NoIndex,
    PassageStore,
    Snapshot,
    StoredEvent,
    StoredPassage,
    StoreError,
    StoreWriteError,
    VectorIndex,
)
from index.store.oserrors import explain_os_error, os_error_message

__all__ = [
    "REBUILD_HINT", "ChangeSet", "DamagedIndex", "DocumentInfo", "DocumentState", "DocumentUpdate", "Engine",
    "Filter", "KeywordIndex", "NoIndex", "PassageStore", "Snapshot", "StoreError", "StoreWriteError",
    "StoredEvent", "StoredPassage", "VectorIndex", "explain_os_error", "os_error_message",
]
