"""Saving uploaded files: the chat's name for `ingest.uploads`, which the HTTP service shares."""

from ingest.uploads import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MB,
    UPLOAD_TYPES,
    UploadError,
    safe_name,
    save_upload,
    save_uploads,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_MB",
    "UPLOAD_TYPES",
    "UploadError",
    "safe_name",
    "save_upload",
    "save_uploads",
]
