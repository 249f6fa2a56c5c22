"""Roles' secrets and the folders the chat and the service may read."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from assistant.access import (
    IndexRoots,
    OutsideRootsError,
    Role,
    parse_api_keys,
    parse_roots,
    role_of_key,
    same_secret,
)
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


def test_api_keys_give_their_roles() -> None:
    keys = parse_api_keys(SecretStr(" reader:r-one , Reader:r-two,editor:e-one,"))
    assert [key.role for key in keys] == [Role.READER, Role.READER, Role.EDITOR]
    assert role_of_key("r-two", keys) is Role.READER and role_of_key("e-one", keys) is Role.EDITOR
    assert [role_of_key(given, keys) for given in ("r-tw", "", None, "R-ONE")] == [None] * 4
    both = parse_api_keys("reader:same,editor:same")
    assert role_of_key("same", both) is Role.EDITOR
    assert parse_api_keys(None) == [] and parse_api_keys(SecretStr("")) == []


@pytest.mark.parametrize("value", ["s3cret", "admin:s3cret", "reader:", "reader:a,editor"])
def test_malformed_api_keys_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(api_keys=value)
    assert "not ROLE:KEY" in str(refused.value) and "s3cret" not in str(refused.value)


def test_api_keys_are_secrets_and_empty_means_none() -> None:
    settings = Settings(api_keys="reader:zz-top")
    assert "zz-top" not in repr(settings) and "zz-top" not in settings.model_dump_json()
    assert settings.service_keys()[0].secret.get_secret_value() == "zz-top"
    assert Settings(api_keys=" ").api_keys is None and Settings(api_keys=" ").service_keys() == []
