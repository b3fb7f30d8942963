"""The store: documents, passages, vectors and the keyword index behind one interface.

`index.store.interface` defines the protocols every engine implements (`Engine`, `Snapshot` = the
`PassageStore` + a `VectorIndex` + a `KeywordIndex`) and the values that cross them (`Filter`,
`ChangeSet`, stored rows). Two engines stand behind them: `index.store.faiss_engine`, the embedded default
(SQLite + FAISS + bm25s in generation folders, `index.store.generations`), and `index.store.milvus`
(Milvus Lite embedded, or a Milvus cluster shared by several processes); `index.store.engines` picks one
from the settings. Nothing outside this package touches FAISS, Milvus or SQL.
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
    SourceRows,
    StoredEvent,
    StoredPassage,
    StoreError,
    StoreWriteError,
    VectorIndex,
)
from index.store.oserrors import explain_os_error, os_error_message

__all__ = [
    "REBUILD_HINT", "ChangeSet", "DamagedIndex", "DocumentInfo", "DocumentState", "DocumentUpdate", "Engine",
    "Filter", "KeywordIndex", "NoIndex", "PassageStore", "Snapshot", "SourceRows", "StoreError",
    "StoreWriteError", "StoredEvent", "StoredPassage", "VectorIndex", "explain_os_error", "os_error_message",
]
