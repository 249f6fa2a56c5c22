"""Roles' secrets and the folders the chat and the service may read."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.access import IndexRoots, OutsideRootsError, parse_roots, same_secret
from assistant.settings import Settings


def test_secrets_match_only_exactly() -> None:
    secret = SecretStr("correct horse")
    assert same_secret("correct horse", secret)
    assert not same_secret("correct hors", secret) and not same_secret("", secret)
    assert not same_secret("anything", None) and not same_secret(None, secret)


def test_paths_inside_a_root_pass_and_come_back_resolved(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    (root / "desk").mkdir(parents=True)
    roots = IndexRoots([root])
    assert roots.check(root) == root.resolve()
    assert roots.check(root / "desk" / ".." / "desk") == (root / "desk").resolve()


@pytest.mark.parametrize("escape", ["../secrets", "desk/../../secrets", "/etc/shadow", "/root/.ssh"])
def test_paths_outside_every_root_are_refused_naming_the_roots(tmp_path: Path, escape: str) -> None:
    root = tmp_path / "articles"
    (root / "desk").mkdir(parents=True)
    with pytest.raises(OutsideRootsError, match=r"outside the folders this newsqa may read \(.*articles\)"):
        IndexRoots([root]).check(root / escape if not escape.startswith("/") else escape)


def test_a_symbolic_link_out_of_a_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    outside = tmp_path / "private"
    outside.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(OutsideRootsError, match="NEWSQA_INDEX_ROOTS"):
        IndexRoots([root]).check(root / "link")


def test_roots_come_from_the_setting_or_the_current_folder_and_always_the_uploads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parse_roots(f"/srv/a:/srv/b, {tmp_path}") == [Path("/srv/a"), Path("/srv/b"), tmp_path]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSQA_INDEX_ROOTS", "/srv/news:/srv/wires")
    settings = Settings(store_dir=tmp_path / "store")
    assert settings.index_roots == [Path("/srv/news"), Path("/srv/wires")]
    monkeypatch.delenv("NEWSQA_INDEX_ROOTS")
    default = Settings(store_dir=tmp_path / "store").allowed_roots()
    assert default.roots == (tmp_path.resolve(), (tmp_path / "store" / "uploads").resolve())
