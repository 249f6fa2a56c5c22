"""The chat page through Streamlit's AppTest, over a real store and the real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO, real_assistant
from tests.llm_server import ScriptedLLMServer, free_port_url

APP = str(REPO / "ui" / "app.py")


def open_app(store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("NEWSQA_STORE_DIR", str(store))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def html_of(app: AppTest) -> str:
    return "\n".join(element.value for element in app.html)


def test_an_empty_index_shows_how_to_add_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(tmp_path / "empty", monkeypatch)
    assert "The index is empty" in app.info[0].value
    assert "python -m ingest" in app.info[0].value
    assert len(app.chat_input) == 0
    assert app.sidebar.button[0].label == "Index uploaded files"


@pytest.mark.model
@pytest.mark.shared
def test_a_chat_turn_shows_the_answer_and_its_source_card(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(real_store, monkeypatch)
    app.chat_input[0].set_value("Who was blamed for the Camp Taji attack?").run()
    assert not app.exception, app.exception
    assert len(app.chat_message) == 2
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    page = html_of(app)
    assert "Kataib Hezbollah" in page
    assert 'href="#src-1-1"' in page and 'id="src-1-1"' in page
    assert "Fast News · 2020-03" in page
    assert "<mark>" in page
    # The history stays on the next run.
    app.run()
    assert len(app.chat_message) == 2


@pytest.mark.model
def test_article_markup_is_shown_as_text_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil.txt").write_text(
        " date 2021-05 <b>Evil</b> Times\n\nThe mayor resigned on Monday <script>alert(1)</script> "
        "after the vote <img src=x onerror=alert(2)> and **bold** [link](javascript:alert(3)) $x$.",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    assert real_assistant(store).index([folder]).ok
    app = open_app(store, monkeypatch)
    app.chat_input[0].set_value("Who resigned on Monday after the vote?").run()
    page = html_of(app)
    assert "mayor resigned" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img" not in page
    assert "&lt;b&gt;Evil&lt;/b&gt; Times" in page
    assert "**bold** [link](javascript:alert(3)) &#36;x&#36;" in page


def taji_store(tmp_path: Path) -> Path:
    """A store of one short article (so it is passage [1]), indexed with the real model."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack. "
        "Trump blamed a rebel group backed by Iran.",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    assert real_assistant(store).index([folder]).ok
    return store


@pytest.mark.model
def test_a_generated_answer_streams_and_marks_what_is_unverified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = taji_store(tmp_path)
    with ScriptedLLMServer() as server:
        monkeypatch.setenv("NEWSQA_LLM", "openai")
        monkeypatch.setenv("NEWSQA_LLM_MODEL", "m")
        monkeypatch.setenv("NEWSQA_LLM_BASE_URL", server.openai_url)
        monkeypatch.setenv("NEWSQA_LLM_API_KEY", "sk-ui-secret")
        app = open_app(store, monkeypatch)
        assert f"Answers: openai m at {server.openai_url} (language model)" in html_of(app)
        server.script(
            "Officials blamed Kataib Hezbollah for the attack [1]. The Pentagon blamed *Russia* [1]."
        )
        app.chat_input[0].set_value("Who was blamed for the attack?").run()
        assert not app.exception, app.exception
        page = html_of(app)
        assert "Officials blamed Kataib Hezbollah for the attack" in page
        assert (
            '<span class="nqa-unverified" title="The passages this sentence cites don&#x27;t contain all'
            in page
        )
        assert "The Pentagon blamed *Russia*" in page  # the model's markdown shows as text
        assert 'class="nqa-card nqa-doubt" id="src-1-1"' in page and "<mark>" in page
        assert any("not backed by the passages they cite" in c.value for c in app.caption)
        assert server.requests[0]["body"]["stream"] is True

        # A follow-up: the model rewrites it, then answers the standalone question.
        server.script(
            "Who did Trump blame for the attack on Camp Taji?",
            "Trump blamed a rebel group backed by Iran [1].",
        )
        app.chat_input[0].set_value("And who did Trump blame?").run()
        assert not app.exception, app.exception
        assert "Latest question: And who did Trump blame?" in server.prompts()[1]
        page = html_of(app)
        assert "Searched for: Who did Trump blame for the attack on Camp Taji?" in page
        assert "Trump blamed a rebel group backed by Iran" in page
        assert len(app.chat_message) == 4
        assert "sk-ui-secret" not in page + "".join(str(e.value) for e in app.warning)


@pytest.mark.model
def test_a_failing_backend_is_named_and_the_extractive_answer_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = taji_store(tmp_path)
    url = free_port_url()
    monkeypatch.setenv("NEWSQA_LLM", "ollama")
    monkeypatch.setenv("NEWSQA_LLM_BASE_URL", url)
    app = open_app(store, monkeypatch)
    app.chat_input[0].set_value("Who was blamed for the attack?").run()
    assert not app.exception, app.exception
    (warning,) = app.warning
    assert warning.value.startswith(f"The ollama backend at {url} is unreachable")
    assert "Kataib Hezbollah" in html_of(app)


def test_a_bad_setting_is_named_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSQA_LLM", "gpt4")
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    (error,) = app.error
    assert error.value.startswith("Bad setting: setting NEWSQA_LLM (llm): Input should be 'extractive'")
