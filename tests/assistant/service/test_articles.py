"""``/v1/stats``, ``/v1/articles`` (paged) and ``DELETE /v1/articles/{id}``, over a real uvicorn."""

from __future__ import annotations

from pathlib import Path

from tests.assistant.service.conftest import EDITOR, KEYS, QUESTION, READER, Launch, Running
from tests.worker import state


def seven(folder: Path) -> Path:
    folder.mkdir()
    dates = ["2020-01-05", "2021-03", "2019-12-31", "2022-07-01", "2020-01-05", "2018-02", "2023-11-30"]
    for n, day in enumerate(dates):
        outlet = "Wire" if n % 2 else "Herald"
        body = f"Story {n} about the ferry fares and the port budget, told by {outlet}."
        (folder / f"{n}.txt").write_text(f" date {day} {outlet}\n\n{body}", "utf-8")
    (folder / "undated.txt").write_text("An undated note about the ferry.", "utf-8")
    return folder


def test_articles_come_a_page_at_a_time_newest_first(server: Launch, tmp_path: Path) -> None:
    running = server(api_keys=KEYS)
    running.bot.index([seven(tmp_path / "seven")])
    with running.client(READER) as reader:
        pages, offset = [], 0
        while offset is not None:
            page = reader.get("/v1/articles", params={"offset": offset, "limit": 3}).json()
            pages.append(page)
            offset = page["next_offset"]
        wire = reader.get("/v1/articles", params={"source": "wire"}).json()
        unknown = reader.get("/v1/articles", params={"source": "Nope"})
        too_many = reader.get("/v1/articles", params={"limit": 501})
    assert [page["total"] for page in pages] == [8, 8, 8] and [len(p["items"]) for p in pages] == [3, 3, 2]
    dates = [item["published"] for page in pages for item in page["items"]]
    newest_first = [
        "2023-11-30",
        "2022-07-01",
        "2021-03",
        "2020-01-05",
        "2020-01-05",
        "2019-12-31",
        "2018-02",
    ]
    assert dates == [*newest_first, None]
    assert pages[1]["items"][0]["title"] < pages[1]["items"][1]["title"]  # same day: by title
    assert {item["source"] for item in wire["items"]} == {"Wire"} and wire["total"] == 3
    assert unknown.status_code == 400 and unknown.json()["field"] == "source"
    assert too_many.status_code == 422 and too_many.json()["field"] == "limit"


def test_stats_describe_the_index(server: Launch, articles: Path) -> None:
    running = server()
    with running.client() as client:
        empty = client.get("/v1/stats").json()
        running.bot.index([articles])
        stats = client.get("/v1/stats").json()
    assert (empty["articles"], empty["last_updated"]) == (0, None)
    assert (stats["articles"], stats["first_published"], stats["last_published"]) == (
        3,
        "2020-03",
        "2022-01-05",
    )
    assert stats["sources"] == {"Daily Planet": 1, "Fast News": 1, "Wire": 1}
    assert stats["chunks"] >= 3 and stats["last_updated"] is not None


def test_an_article_is_removed_from_every_index(server: Launch, articles: Path) -> None:
    running: Running = server(api_keys=KEYS)
    running.bot.index([articles])
    with running.client(EDITOR) as editor, running.client(READER) as reader:
        listed = reader.get("/v1/articles").json()["items"]
        taji = next(item["article_id"] for item in listed if item["source"] == "Fast News")
        assert reader.delete(f"/v1/articles/{taji}").status_code == 403
        removed = editor.delete(f"/v1/articles/{taji}")
        again = editor.delete(f"/v1/articles/{taji}")
        after = reader.get("/v1/articles").json()
        passages = reader.post("/v1/retrieve", json={"question": QUESTION, "k": 10}).json()["passages"]
        answer = reader.post("/v1/ask", json={"question": QUESTION}).json()
    assert removed.status_code == 200 and removed.json() == {"article_id": taji, "versions": 1}
    assert again.status_code == 404 and taji in again.json()["message"]
    assert after["total"] == 2 and taji not in {item["article_id"] for item in after["items"]}
    assert passages and all(p["article_id"] != taji for p in passages)
    assert "Kataib Hezbollah" not in answer["answer"]
    indexes = state(running.bot)
    assert indexes["chroma"] == indexes["keywords"] == indexes["records"] and indexes["journal"] == []
    assert all(meta["article_id"] != taji for meta in indexes["metadata"].values())


def test_retrieve_gives_the_ranked_passages_with_their_articles(server: Launch, articles: Path) -> None:
    running = server()
    running.bot.index([articles])
    with running.client() as client:
        got = client.post("/v1/retrieve", json={"question": QUESTION, "k": 2, "until": "2020-12"}).json()
    passages = got["passages"]
    assert [p["rank"] for p in passages] == [1] and passages[0]["source"] == "Fast News"
    assert "Kataib Hezbollah" in passages[0]["text"] and passages[0]["published"] == "2020-03"
    assert passages[0]["end"] - passages[0]["start"] == len(passages[0]["text"])
