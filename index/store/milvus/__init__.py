"""The Milvus engine: the index in a Milvus database, embedded (Milvus Lite, a path ending in `.db`) or a
Milvus standalone or cluster (an http:// URI), the same code for both.

`schema` names the collections and creates them; `client` connects and speaks Milvus's expressions;
`search` holds the dense and BM25 searches with filters as expressions; `snapshot` reads one generation and
writes the rows of a change; `engine` commits changes (in place by generations, or a rebuild switched by an
alias); `lock` keeps writers one at a time across processes; `sources` is the shared source registry.
"""

from index.store.milvus.engine import MilvusEngine

__all__ = ["MilvusEngine"]
