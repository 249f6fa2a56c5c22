"""The chat page through Streamlit's AppTest, over a real store and the real model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO, real_assistant
from tests.llm_server import ScriptedLLMServer, free_port_url
from ui.render import markdown_text
from ui.state import Reply

APP = str(REPO / "ui" / "app.py")


def open_app(store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("NEWSQA_STORE_DIR", str(store))
    # The tests' folders sit beside the store, in the test's own temporary folder.
    monkeypatch.setenv("NEWSQA_INDEX_ROOTS", str(store.parent))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def html_of(app: AppTest) -> str:
    return "\n".join(element.value for element in app.html)


def sidebar_html(app: AppTest) -> str:
    return "\n".join(element.value for element in app.sidebar.get("html"))  # type: ignore[union-attr]


def charts(app: AppTest) -> list[dict]:
    """Return the Vega-Lite specs of the page's charts."""
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def button(app: AppTest, label: str):  # type: ignore[no-untyped-def]
    (found,) = [b for b in app.button if b.label == label]
    return found


def replies(app: AppTest) -> list[Reply]:
    return [m for m in app.session_state["messages"] if isinstance(m, Reply)]


def write_articles(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_an_empty_index_shows_how_to_add_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(tmp_path / "empty", monkeypatch)
    assert "The index is empty" in app.info[0].value
    ways = "\n".join(m.value for m in app.main.markdown)
    assert "**Upload files**" in ways and "**Index a folder**" in ways and "**Follow a feed**" in ways
    assert any("python -m ingest PATH_OR_FEED_URL" in c.value for c in app.caption)
    assert len(app.chat_input) == 0
    assert [tab.label for tab in app.sidebar.tabs] == ["Upload", "Folder", "Feed URL"]
    assert [m.value for m in app.sidebar.metric] == ["0", "0"]


@pytest.mark.model
@pytest.mark.shared
def test_a_chat_turn_shows_the_answer_its_sources_and_their_dates(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(real_store, monkeypatch)
    assert "Answers: <b>extractive</b>" in html_of(app)
    assert button(app, "New conversation").disabled
    app.chat_input[0].set_value("Who was blamed for the Camp Taji attack?").run()
    assert not app.exception, app.exception
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    page = html_of(app)
    assert "Kataib Hezbollah" in page
    assert 'href="#src-1-1"' in page and 'id="src-1-1"' in page
    assert "Fast News · March 2020" in page
    assert '<div class="nqa-quote">' in page and "<mark>" in page
    assert "quoted</span>" in page  # extractive citations are quotes, not checked claims
    assert "Quoted from the articles (extractive) · all outlets · any date · 8 passages" in page
    # The sources' timeline: the cited article, over the month its date means.
    (timeline,) = [c for c in charts(app) if c.get("layer")]
    assert any("Published March 2020." in c.value for c in app.caption)
    assert timeline["layer"][0]["mark"]["type"] == "bar"
    # The history stays on the next run; a new conversation clears it.
    app.run()
    assert len(app.chat_message) == 2
    assert not button(app, "New conversation").disabled
    button(app, "New conversation").click().run()
    assert len(app.chat_message) == 0 and app.session_state["messages"] == []


@pytest.fixture
def two_outlets(tmp_path: Path) -> Path:
    """A store of two articles about a bridge, from two outlets a year apart."""
    folder = write_articles(
        tmp_path / "in",
        {
            "harbour.txt": " date 2024-03-05 Harbour Gazette\n\nThe harbour bridge reopened on Tuesday "
            "after repairs. Traffic on the bridge was light.",
            "valley.txt": " date 2023-01-10 Valley Times\n\nThe valley bridge closed for repairs in "
            "January. The bridge will reopen in spring.",
        },
    )
    store = tmp_path / "store"
    assert real_assistant(store).index([folder]).added == 2
    return store


@pytest.mark.model
def test_filters_reach_retrieval(two_outlets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(two_outlets, monkeypatch)
    (outlets,) = app.multiselect
    assert outlets.options == ["Harbour Gazette (1)", "Valley Times (1)"]
    app.slider(key="filter_k").set_value(1).run()
    app.chat_input[0].set_value("When did the bridge reopen?").run()
    assert len(replies(app)[-1].answer.passages) == 1

    app.slider(key="filter_k").set_value(5).run()
    app.multiselect[0].select("Valley Times").run()
    assert app.expander[0].label == "Filters: " + markdown_text("Valley Times · any date · 5 passages")
    app.chat_input[0].set_value("When did the bridge reopen?").run()
    answer = replies(app)[-1].answer
    assert answer.passages and {p.chunk.source for p in answer.passages} == {"Valley Times"}
    assert "Valley Times · any date · 5 passages" in html_of(app)
    assert "time words read against" not in html_of(app)
    # Time words are read against the newest article in the index, and the page says so.
    app.chat_input[0].set_value("Is the bridge closed this week?").run()
    assert "time words read against 2024-03-05 (the newest article in the index)" in html_of(app)

    app.multiselect[0].unselect("Valley Times")
    app.date_input(key="filter_since").set_value(date(2024, 1, 1)).run()
    app.chat_input[0].set_value("When did the bridge reopen?").run()
    answer = replies(app)[-1].answer
    assert answer.passages and {p.chunk.source for p in answer.passages} == {"Harbour Gazette"}

    app.date_input(key="filter_since").set_value(None)
    app.date_input(key="filter_until").set_value(date(2023, 12, 31)).run()
    app.chat_input[0].set_value("When did the bridge reopen?").run()
    answer = replies(app)[-1].answer
    assert answer.passages and {p.chunk.source for p in answer.passages} == {"Valley Times"}
    assert not app.exception, app.exception


@pytest.mark.model
def test_uploads_are_indexed_and_failures_named_with_their_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    app = open_app(store, monkeypatch)
    app.sidebar.get("file_uploader")[0].set_value(  # type: ignore[union-attr]
        [
            (
                "bridge.txt",
                b" date 2024-03-05 Harbour Gazette\n\nThe harbour bridge reopened on Tuesday.",
                "text/plain",
            ),
            (
                "../../flood.md",
                b"Flood downtown\n\nThe river flooded the old town on Friday.",
                "text/markdown",
            ),
            ("empty.txt", b"", "text/plain"),
        ]
    ).run()
    button(app, "Index 3 files").click().run()
    assert not app.exception, app.exception
    (warning,) = app.sidebar.warning
    assert (
        warning.value
        == "**Upload:** 2 added · 0 updated · 0 removed · 0 unchanged · 2 passages written; 1 failed."
    )
    assert '<span class="nqa-name" title="' in sidebar_html(app)
    assert "empty.txt</span>: the file is empty</li>" in sidebar_html(app)
    assert sorted(p.name for p in (store / "uploads").iterdir()) == ["bridge.txt", "empty.txt", "flood.md"]
    assert [m.value for m in app.sidebar.metric] == ["2", "2"]
    assert len(app.chat_input) == 1  # no more welcome: the chat is open
    assert app.sidebar.get("file_uploader")[0].value == []  # type: ignore[union-attr]
    # The coverage chart counts the dated article by outlet.
    (coverage,) = [c for c in charts(app) if c.get("mark", {}).get("type") == "bar"]
    assert coverage["encoding"]["color"]["field"] == "outlet"

    # Re-index reads the upload folder again: nothing changed, then a file gone is removed.
    button(app, "Re-index").click().run()
    assert "**Re-index:** 0 added · 0 updated · 0 removed · 2 unchanged · 0 passages written" in (
        app.sidebar.warning[0].value
    )
    (store / "uploads" / "flood.md").unlink()
    button(app, "Re-index").click().run()
    assert "0 added · 0 updated · 1 removed · 1 unchanged" in app.sidebar.warning[0].value
    assert [m.value for m in app.sidebar.metric] == ["1", "1"]


def test_an_upload_over_the_limit_is_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    app = open_app(store, monkeypatch)
    big = b"word " * (11 * 1024 * 1024)  # 55 MB
    app.sidebar.get("file_uploader")[0].set_value([("huge.txt", big, "text/plain")]).run()  # type: ignore[union-attr]
    button(app, "Index 1 file").click().run()
    assert app.sidebar.error[0].value == "**Upload:** nothing indexed; 1 refused."
    assert (
        "huge.txt</span>: 55 MB is over the 50 MB limit; split it, or give its folder instead</li>"
        in sidebar_html(app)
    )
    assert not (store / "uploads").exists() or not any((store / "uploads").iterdir())


def test_a_missing_folder_and_a_bad_feed_url_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(tmp_path / "store", monkeypatch)
    app.sidebar.text_input[0].set_value(str(tmp_path / "nowhere"))
    button(app, "Index folder").click().run()
    assert "nowhere</span>: no such file or folder on the machine running the chat" in sidebar_html(app)
    app.sidebar.text_input[1].set_value("ftp://example.test/feed")
    button(app, "Index feed").click().run()
    assert "not a feed URL: give an http:// or https:// address" in sidebar_html(app)
    assert not app.exception, app.exception


@pytest.mark.model
def test_a_folder_and_a_feed_are_indexed_and_remembered_for_re_indexing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ingest.test_feeds import ITEMS, Site, page, rss

    folder = write_articles(tmp_path / "in", {"storm.txt": "Storm warning\n\nA storm reached the coast."})
    store = tmp_path / "store"
    site = Site()
    try:
        site.put("/rss.xml", rss(site, ITEMS[:2]), "application/rss+xml")
        for slug, title, _ in ITEMS[:2]:
            site.put(f"/{slug}", page(title, f"{title}: the council reported it in the morning."))
        monkeypatch.setenv("NEWSQA_FEED_ALLOW_HOSTS", "127.0.0.1/32")  # refused by default
        app = open_app(store, monkeypatch)
        app.sidebar.text_input[0].set_value(str(folder))
        button(app, "Index folder").click().run()
        assert "**Folder:** 1 added" in app.sidebar.success[0].value
        app.sidebar.text_input[1].set_value(f"{site.url}/rss.xml")
        button(app, "Index feed").click().run()
        assert "**Feed:** 2 added" in app.sidebar.success[0].value
        remembered = json.loads((store / "news-chat-sources.json").read_text())["sources"]
        assert remembered == [str(folder), f"{site.url}/rss.xml"]
        assert f"<li>{folder}</li><li>{site.url}/rss.xml</li>" in sidebar_html(app)  # what re-index reads
        assert "Harbour Gazette (2)" in sidebar_html(app)

        (folder / "storm.txt").write_text(
            "Storm warning\n\nA storm reached the coast at noon.", encoding="utf-8"
        )
        button(app, "Re-index").click().run()
        assert "**Re-index:** 0 added · 1 updated · 0 removed · 2 unchanged" in app.sidebar.success[0].value
    finally:
        site.server.shutdown()
        site.server.server_close()


@pytest.mark.model
def test_article_markup_is_shown_as_text_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_articles(
        tmp_path / "in",
        {
            "evil.txt": " date 2021-05 <b>Evil</b> **Times**\n\nThe mayor resigned on Monday "
            "<script>alert(1)</script> after the vote <img src=x onerror=alert(2)> and **bold** "
            "[link](javascript:alert(3)) $x$."
        },
    )
    store = tmp_path / "store"
    assert real_assistant(store).index([folder]).ok
    app = open_app(store, monkeypatch)
    app.chat_input[0].set_value("Who resigned on Monday after the vote?").run()
    page = html_of(app)
    assert "mayor resigned" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img" not in page
    assert "&lt;b&gt;Evil&lt;/b&gt; **Times**" in page  # card meta and the timeline's rows
    assert "**bold** [link](javascript:alert(3)) &#36;x&#36;" in page
    # The sidebar's outlet list and the filters show the outlet as text too.
    assert "&lt;b&gt;Evil&lt;/b&gt; **Times** (1)" in sidebar_html(app)
    assert app.multiselect[0].options == ["<b>Evil</b> **Times** (1)"]
    app.multiselect[0].select("<b>Evil</b> **Times**").run()
    assert app.expander[0].label == "Filters: " + markdown_text(
        "<b>Evil</b> **Times** · any date · 8 passages"
    )


def taji_store(tmp_path: Path) -> Path:
    """A store of one short article (so it is passage [1]), indexed with the real model."""
    folder = write_articles(
        tmp_path / "in",
        {
            "taji.txt": " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah "
            "for the attack. Trump blamed a rebel group backed by Iran."
        },
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
        assert f"Answers: <b>openai m at {server.openai_url}</b> (language model)" in html_of(app)
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
        assert "⚠ unverified</span>" in page
        assert f"Written by openai m at {server.openai_url}; citations checked" in page
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
        assert "✓ verified</span>" in page
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
    assert warning.value.startswith(markdown_text(f"The ollama backend at {url} is unreachable"))
    assert "Kataib Hezbollah" in html_of(app)


def test_a_bad_setting_is_named_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSQA_LLM", "gpt4")
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    (error,) = app.error
    assert error.value.startswith("Bad setting: setting NEWSQA_LLM (llm): Input should be 'extractive'")
