"""Roles and index roots in the chat (AppTest, over an empty store: no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

APP = str(REPO / "ui" / "app.py")
READER, EDITOR = "reader-secret-1", "editor-secret-2"


def open_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> AppTest:
    monkeypatch.setenv("NEWSQA_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSQA_INDEX_ROOTS", str(tmp_path / "allowed"))
    for name in ("NEWSQA_READER_PASSWORD", "NEWSQA_EDITOR_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def submit(app: AppTest, label: str, password: str) -> AppTest:
    (box,) = [t for t in app.text_input if t.label == label]
    box.input(password)
    (button,) = [b for b in app.button if b.label in ("Sign in", "Unlock")]
    return button.click().run()


def shown(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [e.value for e in app.error] + [c.value for c in app.caption]
    return "\n".join(str(part) for part in parts)


def can_add(app: AppTest) -> bool:
    return [tab.label for tab in app.sidebar.tabs] == ["Upload", "Folder", "Feed URL"]


def test_without_passwords_everyone_is_an_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(tmp_path, monkeypatch)
    assert can_add(app)
    assert not [b for b in app.button if b.label == "Sign out"]


def test_a_reader_password_locks_the_whole_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(tmp_path, monkeypatch, NEWSQA_READER_PASSWORD=READER, NEWSQA_EDITOR_PASSWORD=EDITOR)
    assert "asks for a password" in shown(app)
    assert not app.sidebar.tabs and not app.info and not app.chat_input  # nothing of the index shows
    submit(app, "Password", "wrong")
    assert "That password is not right." in shown(app) and not app.sidebar.tabs
    submit(app, "Password", READER)
    assert "The index is empty" in app.info[0].value
    assert not can_add(app)  # a reader asks; adding stays locked
    assert [t.label for t in app.sidebar.text_input] == ["Editor password"]
    for element in app.get("text_input"):
        assert READER not in str(element.value or "")  # the password is not kept in a widget


def test_the_editor_password_unlocks_the_index_panel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(tmp_path, monkeypatch, NEWSQA_EDITOR_PASSWORD=EDITOR)
    assert "The index is empty" in app.info[0].value and not can_add(app)
    submit(app, "Editor password", READER)
    assert "That password is not right." in shown(app) and not can_add(app)
    submit(app, "Editor password", EDITOR)
    assert can_add(app)
    (sign_out,) = [b for b in app.button if b.label == "Sign out"]
    sign_out.click().run()
    assert not can_add(app)


def test_the_editor_password_also_opens_a_locked_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(tmp_path, monkeypatch, NEWSQA_READER_PASSWORD=READER, NEWSQA_EDITOR_PASSWORD=EDITOR)
    submit(app, "Password", EDITOR)
    assert can_add(app)


@pytest.mark.parametrize("where", ["outside", "allowed/../outside", "allowed/link", "/etc"])
def test_the_folder_field_reads_only_inside_the_index_roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    (tmp_path / "allowed").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(" date 2020-03 Private\n\nThe server's secret.", "utf-8")
    (tmp_path / "allowed" / "link").symlink_to(outside)
    app = open_app(tmp_path, monkeypatch)
    app.sidebar.text_input[0].set_value(where if where.startswith("/") else str(tmp_path / where))
    (index,) = [b for b in app.button if b.label == "Index folder"]
    index.click().run()
    panel = "\n".join(e.value for e in app.sidebar.get("html"))  # type: ignore[union-attr]
    assert "refused: outside the folders this newsqa may read" in panel
    assert str(tmp_path / "allowed") in panel and "NEWSQA_INDEX_ROOTS" in panel
    assert [m.value for m in app.sidebar.metric] == ["0", "0"]
    assert not (tmp_path / "store" / "news-chat-sources.json").exists()


def test_a_link_inside_an_allowed_folder_to_a_file_outside_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.worker import fake_assistant

    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "news.txt").write_text(" date 2020-03 Wire\n\nRockets hit the base.", "utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text(" date 2020-03 Private\n\nThe server's secret.", "utf-8")
    (allowed / "innocent.txt").symlink_to(secret)
    bot = fake_assistant(tmp_path / "store", index_roots=[allowed])
    report = bot.index([allowed], confine=bot.settings.allowed_roots())
    assert report.added == 1
    (refused,) = report.failed
    assert refused.path == str(allowed / "innocent.txt")
    assert f"it leads to {secret}" in refused.reason
    assert "secret" not in " ".join(a.title for a in bot.articles())
