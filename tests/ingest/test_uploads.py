from __future__ import annotations

from pathlib import Path

import pytest

from ingest.uploads import MAX_UPLOAD_BYTES, UploadError, safe_name, save_upload, save_uploads


def test_names_lose_directories_and_unsafe_characters() -> None:
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("C:\\Users\\me\\my story (1).md") == "my_story_1_.md"
    assert safe_name("..") == "upload"


def test_uploads_land_inside_the_folder(tmp_path: Path) -> None:
    path = save_upload(tmp_path / "uploads", "../../escape.txt", b"hello")
    assert path == (tmp_path / "uploads" / "escape.txt").resolve()
    assert path.read_bytes() == b"hello"


def test_wrong_type_and_oversize_uploads_are_refused_with_the_name(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match=r"photo\.png: not an article file"):
        save_upload(tmp_path, "photo.png", b"x")
    with pytest.raises(UploadError, match=r"big\.txt: .* over the 50 MB limit"):
        save_upload(tmp_path, "big.txt", b"x" * (MAX_UPLOAD_BYTES + 1))
    assert not any(tmp_path.iterdir())


def test_several_uploads_are_saved_and_each_refusal_named(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    saved, refused = save_uploads(
        folder,
        [("a b.txt", b"one"), ("a_b.txt", b"two"), ("photo.png", b"x"), ("../c.md", b"three")],
    )
    assert [p.name for p in saved] == ["a_b.txt", "a_b-2.txt", "c.md"]
    assert [p.read_bytes() for p in saved] == [b"one", b"two", b"three"]
    assert all(p.parent == folder.resolve() for p in saved)
    assert [(f.path, f.reason.split(";")[0]) for f in refused] == [("photo.png", "not an article file")]
