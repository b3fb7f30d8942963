"""The Milvus collections of one index, by name, and how each is created.

For an index named `briefbot` (the `[store] collection` setting):

    briefbot                     alias of the current passages collection (the commit point of a rebuild)
    briefbot_000003_passages     passages: text, BM25 terms, vector, publication day, source, scope, events
    briefbot_000003_documents    documents: metadata and clean text, in chunks
    briefbot_sources             the source registry, shared by every process using the index
    briefbot_writer              exists while a writer runs (see `index.store.milvus.lock`)

A rebuild writes a new numbered pair beside the current one and moves the alias. Every passage and document
row carries `born` and `died`, the generations between which it belongs to the index, so incremental
commits change the current pair in place while readers of the previous generation keep their view (see
`index.store.milvus.engine`). The state of the pair is in the passages collection's properties.
"""

from __future__ import annotations

import re

from pymilvus import DataType, Function, FunctionType, MilvusClient

from index.errors import InvalidInput

ALIVE = 2**62  # `died` of a row no generation removed yet
TEXT_MAX = 65_535  # bytes in a VARCHAR
CHUNK = TEXT_MAX // 4  # characters per chunk of a long text: at most 4 bytes each in UTF-8
ID_MAX = 4_096
PAD = "pad"  # Milvus wants a vector field in every collection: a 2-dim zero vector where there is no other
VECTOR_INDEXES = ("FLAT", "HNSW", "AUTOINDEX")
HNSW = {"M": 32, "efConstruction": 64}  # as the FAISS engine's HNSW (index/store/faiss_vectors.py)
HNSW_EF = 256

# Properties of a passages collection: the state it holds.
GENERATION = "briefbot.generation"  # the current generation: rows with born <= it < died are the index
META = "briefbot.meta"  # JSON: what the generation was built with (model, dim, max_words, ...)
NEXT_KEY = "briefbot.next_key"  # the next passage key to give out
NEXT_ROW = "briefbot.next_row"  # the next documents-row key to give out
SCHEMA = "briefbot.schema"
SCHEMA_VERSION = "2"  # 2: the scope of each passage and document

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_FAMILY = re.compile(r"_(\d{6})_passages$")


def check_name(name: str) -> str:
    """`name` if it can name an index in Milvus (letters, digits, '_'; not starting with a digit)."""
    if not _NAME.fullmatch(name):
        raise InvalidInput(f"invalid Milvus collection name {name!r}: use up to 64 letters, digits or '_', "
                           "not starting with a digit")
    return name


def passages_name(index: str, number: int) -> str:
    return f"{index}_{number:06d}_passages"


def documents_name(passages: str) -> str:
    return passages.removesuffix("_passages") + "_documents"


def family_number(index: str, collection: str) -> int | None:
    """The rebuild number of a passages collection of `index`, None for any other collection."""
    found = _FAMILY.search(collection)
    return int(found.group(1)) if found and collection == passages_name(index, int(found.group(1))) else None


def create_passages(client: MilvusClient, name: str, dim: int, vector_index: str,
                    properties: dict[str, str]) -> None:
    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.INT64, is_primary=True)
    schema.add_field("pid", DataType.VARCHAR, max_length=64)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=ID_MAX)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX)  # "" when too long: see `spilled`
    schema.add_field("spilled", DataType.BOOL)  # text read from the document's
    schema.add_field("sentences", DataType.VARCHAR, max_length=TEXT_MAX)  # JSON spans
    schema.add_field("text_hash", DataType.VARCHAR, max_length=64)
    # The passage's search terms (`index.lexical.terms`, see keywords.py), scored by Milvus's BM25 function.
    schema.add_field("terms", DataType.VARCHAR, max_length=TEXT_MAX, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("day", DataType.INT64)  # publication day (proleptic ordinal), 0 when undated
    schema.add_field("source", DataType.VARCHAR, max_length=ID_MAX)  # source name, lower case
    schema.add_field("publisher", DataType.VARCHAR, max_length=ID_MAX)  # lower case
    schema.add_field("scope", DataType.VARCHAR, max_length=64)  # whose source (`index.scopes`), as it is
    schema.add_field("events", DataType.VARCHAR, max_length=TEXT_MAX)  # JSON: dated sentences it holds
    schema.add_field("has_events", DataType.BOOL)
    schema.add_field("born", DataType.INT64)
    schema.add_field("died", DataType.INT64)
    schema.add_function(Function(name="terms_bm25", function_type=FunctionType.BM25,
                                 input_field_names=["terms"], output_field_names=["sparse"]))
    indexes = client.prepare_index_params()
    indexes.add_index("vec", index_type=vector_index, metric_type="IP",
                      params=HNSW if vector_index == "HNSW" else {})
    # bm25s's parameters (the FAISS engine's BM25), so both engines rank alike: Milvus Lite's defaults, not a
    # Milvus server's (k1 1.2).
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                      params={"bm25_k1": 1.5, "bm25_b": 0.75})
    for field in ("doc_id", "text_hash", "source", "publisher", "scope"):
        indexes.add_index(field, index_type="INVERTED")
    _create(client, name, schema, indexes, properties)


def create_documents(client: MilvusClient, name: str) -> None:
    """Rows of documents: `kind` 0 holds a document's metadata (JSON), 1 its clean text, each in `part`s of
    at most `CHUNK` characters."""
    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.INT64, is_primary=True)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=ID_MAX)
    schema.add_field("kind", DataType.INT64)
    schema.add_field("part", DataType.INT64)
    schema.add_field("source", DataType.VARCHAR, max_length=ID_MAX)  # as named, for `source_documents`
    schema.add_field("scope", DataType.VARCHAR, max_length=64)
    schema.add_field("data", DataType.VARCHAR, max_length=TEXT_MAX)
    schema.add_field("born", DataType.INT64)
    schema.add_field("died", DataType.INT64)
    _with_pad(client, name, schema, ("doc_id", "source", "scope"))


def create_sources(client: MilvusClient, name: str) -> None:
    """The source registry: one row per source, its fields as JSON."""
    schema = client.create_schema(auto_id=False)
    schema.add_field("name", DataType.VARCHAR, is_primary=True, max_length=256)
    schema.add_field("data", DataType.VARCHAR, max_length=TEXT_MAX)
    _with_pad(client, name, schema, ())


def create_marker(client: MilvusClient, name: str, properties: dict[str, str]) -> None:
    """An empty collection whose existence and properties are the data (the writer lock)."""
    _with_pad(client, name, client.create_schema(auto_id=False, description="briefbot writer"), (),
              key=True, properties=properties)


def _with_pad(client: MilvusClient, name: str, schema, scalar_indexes: tuple[str, ...], *, key: bool = False,
              properties: dict[str, str] | None = None) -> None:
    if key:
        schema.add_field("key", DataType.INT64, is_primary=True)
    schema.add_field(PAD, DataType.FLOAT_VECTOR, dim=2)
    indexes = client.prepare_index_params()
    indexes.add_index(PAD, index_type="FLAT", metric_type="L2")
    for field in scalar_indexes:
        indexes.add_index(field, index_type="INVERTED")
    _create(client, name, schema, indexes, properties or {})


def _create(client: MilvusClient, name: str, schema, indexes, properties: dict[str, str]) -> None:
    """Create and load a collection with strong consistency (a search sees every write made before it, by
    any process). Its indexes are not waited for: the collection is empty, and pymilvus's wait polls
    every half second."""
    client.create_collection(name, schema=schema, consistency_level="Strong", properties=properties)
    client.create_index(name, indexes, sync=False)
    client.load_collection(name)


def chunks(text: str) -> list[str]:
    """`text` in pieces that each fit a VARCHAR (at least one piece)."""
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def fits(text: str) -> bool:
    return len(text) <= CHUNK or len(text.encode("utf-8", "surrogatepass")) <= TEXT_MAX
