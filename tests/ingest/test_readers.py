from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest

from ingest.readers import Problem, iter_file, iter_files, read_file


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_header_file_gives_outlet_and_month_date_without_inventing_a_day(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", " date 2020-03 Fast News\n\nRockets hit a base. Two died.\n")
    result = read_file(path)
    assert result.problems == []
    (article,) = result.articles
    assert article.source == "Fast News"
    assert article.published == "2020-03"
    assert article.body == "Rockets hit a base. Two died."
    assert article.title == "Rockets hit a base."
    assert article.path == str(path)


def test_header_without_leading_space_and_with_full_date(tmp_path: Path) -> None:
    path = write(tmp_path / "b.txt", "date 2021-7-04 The Daily Planet\n\nBody text here.")
    (article,) = read_file(path).articles
    assert (article.source, article.published) == ("The Daily Planet", "2021-07-04")


def test_sample_article_is_read_as_fast_news_of_march_2020(sample_articles: Path) -> None:
    (path,) = sorted(sample_articles.glob("*.txt"))
    (article,) = read_file(path).articles
    assert article.source == "Fast News"
    assert article.published == "2020-03"
    assert "Kataib Hezbollah" in article.body
    assert not article.body.startswith("date")


def test_garbled_header_date_is_a_warning_and_the_article_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", " date 2020-13 Fast News\n\nText of the story.")
    result = read_file(path)
    (article,) = result.articles
    assert article.published is None and article.source == "Fast News"
    (problem,) = result.problems
    assert not problem.fatal and "2020-13" in problem.reason and "without a date" in problem.reason


def test_plain_text_title_from_first_line_and_markdown_heading(tmp_path: Path) -> None:
    txt = write(tmp_path / "plain.txt", "Storm hits coast\n\nThe storm arrived at dawn.")
    md = write(tmp_path / "note.md", "# Election night\n\nVotes were counted.")
    assert read_file(txt).articles[0].title == "Storm hits coast"
    (article,) = read_file(md).articles
    assert article.title == "Election night" and article.source is None and article.published is None


def test_json_lines_records_and_a_bad_line_that_does_not_stop_the_rest(tmp_path: Path) -> None:
    good = {
        "id": "x1",
        "title": "T1",
        "source": "Wire",
        "published": "2023-11-27T08:45:59+00:00",
        "url": "https://example.com/1",
        "body": "First body.",
    }
    other = {"title": "T2", "source": "Wire", "published": "2023-11-28", "body": "Second body."}
    path = write(tmp_path / "c.jsonl", json.dumps(good) + "\n{not json\n\n" + json.dumps(other) + "\n")
    result = read_file(path)
    assert [a.title for a in result.articles] == ["T1", "T2"]
    first, second = result.articles
    assert first.id == "x1" and first.published == "2023-11-27T08:45:59+00:00"
    assert first.url == "https://example.com/1" and first.path == f"{path}:1"
    assert second.id.startswith("a_") and second.path == f"{path}:4"
    (problem,) = result.problems
    assert problem.path == f"{path}:2" and "line 2" in problem.reason and problem.fatal


def test_json_array_and_a_record_without_body(tmp_path: Path) -> None:
    path = write(tmp_path / "c.json", json.dumps([{"title": "A", "body": "Text."}, {"title": "B"}]))
    result = read_file(path)
    assert [a.title for a in result.articles] == ["A"]
    assert "no 'body'" in result.problems[0].reason and result.problems[0].path.endswith("[2]")


def test_empty_binary_and_missing_files_fail_with_reasons(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.txt", "  \n")
    binary = write(tmp_path / "img.txt", b"\x89PNG\x00\x00\x01\x02")
    missing = tmp_path / "gone.txt"
    assert "empty" in read_file(empty).problems[0].reason
    assert "binary" in read_file(binary).problems[0].reason
    assert "cannot be read" in read_file(missing).problems[0].reason


def test_windows_1252_text_is_decoded_not_dropped(tmp_path: Path) -> None:
    path = write(tmp_path / "old.txt", b"Caf\xe9 owners \x93won\x94 the case.")
    (article,) = read_file(path).articles
    assert article.body == "Café owners “won” the case."


def test_same_story_under_two_names_gets_one_id(tmp_path: Path) -> None:
    one = write(tmp_path / "one.txt", " date 2020-03 Fast News\n\nSame words.")
    two = write(tmp_path / "copy of one.txt", " date 2020-03 Fast News\n\nSame words.")
    assert read_file(one).articles[0].id == read_file(two).articles[0].id


def test_folders_are_walked_recursively_skipping_hidden_and_flagging_other_types(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root / "a.txt", "x")
    write(root / "sub" / "b.jsonl", "{}")
    write(root / ".git" / "c.txt", "x")
    write(root / "pic.png", b"\x89PNG")
    named = write(tmp_path / "notes.log", "x")
    found = {(p.relative_to(tmp_path).as_posix(), ok) for p, ok in iter_files([root, named])}
    assert found == {
        ("root/a.txt", True),
        ("root/sub/b.jsonl", True),
        ("root/pic.png", False),
        ("notes.log", True),
    }


def test_html_gives_article_text_without_scripts_styles_or_navigation(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Rockets hit base</title><meta property='og:site_name' content='Wire News'>"
        "<meta name='date' content='2024-02-03'><style>.lede{color:red}</style>"
        "<script>var tracker = 'SECRET';</script></head><body><nav>Home | About | Login</nav>"
        "<article><h1>Rockets hit base</h1><p>Rockets hit Camp Taji north of Baghdad on Wednesday, "
        "killing two service members. Officials blamed Kataib Hezbollah for the attack.</p>"
        "<p>The attack was the latest in a series of strikes on bases hosting troops.</p></article>"
        "<script>alert('x')</script></body></html>"
    )
    (article,) = read_file(write(tmp_path / "page.htm", page)).articles
    assert "Officials blamed Kataib Hezbollah" in article.body
    assert all(junk not in article.body for junk in ("SECRET", "alert", "color:red", "Login"))
    assert (article.title, article.source, article.published) == (
        "Rockets hit base",
        "Wire News",
        "2024-02-03",
    )


def test_html_without_article_text_is_reported(tmp_path: Path) -> None:
    result = read_file(write(tmp_path / "blank.html", "<html><body><script>x()</script></body></html>"))
    assert result.articles == [] and "no article text" in result.problems[0].reason


def test_unreadable_paths_are_reported_without_blocking(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")  # opening a FIFO would block forever: it must not be opened
    (folder / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "eio.txt").symlink_to("/proc/self/mem")  # a read of it fails with an I/O error
    reasons = {p.name: read_file(p).problems[0].reason for p, _ in iter_files([folder])}
    assert "named pipe" in reasons["pipe.txt"]
    assert reasons["broken.txt"].startswith("broken symbolic link") and "nowhere.txt" in reasons["broken.txt"]
    assert reasons["eio.txt"] == "cannot be read: Input/output error"


def test_a_latin_1_json_lines_file_is_decoded_line_by_line(tmp_path: Path) -> None:
    line = '{"title": "Caf\xe9", "body": "Le caf\xe9 a ferm\xe9."}\n'.encode("latin-1")
    (article,) = read_file(write(tmp_path / "old.jsonl", line)).articles
    assert article.body == "Le café a fermé." and article.title == "Café"


@pytest.mark.slow
def test_a_50_mb_json_lines_file_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    record = {"title": "T", "source": "Wire", "body": "Storm news. " * 80}
    with path.open("w", encoding="utf-8") as out:
        for n in range(52_000):
            out.write(json.dumps({**record, "id": f"r{n}"}) + "\n")
        out.write("{broken\n")
    assert path.stat().st_size > 50 * 1024 * 1024
    tracemalloc.start()
    count = 0
    problems = []
    for item in iter_file(path):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 52_000 and problems[0].path == f"{path}:52001"
    assert peak < 5 * 1024 * 1024, f"reading held {peak / 1e6:.0f} MB at once"


def test_a_huge_single_document_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    with path.open("wb") as out:
        out.write(b" date 2020-03 Wire\n\n" + b"A long text. " * 1000)
        out.truncate(50 * 1024 * 1024)  # the rest is sparse: 50 MB long, costs no disk
    (problem,) = read_file(path).problems
    assert "50 MB, over the 16 MB limit" in problem.reason and "split it" in problem.reason


def test_json_nested_too_deeply_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    nested = tmp_path / "nested.json"
    nested.write_text(deep, encoding="utf-8")
    assert read_file(nested).problems == [
        Problem(str(nested), "the JSON is nested too deeply (arrays or objects inside each other, "
                "thousands of levels): not read")
    ]  # fmt: skip
    lines = tmp_path / "lines.jsonl"
    good = json.dumps({"title": "Fine", "body": "A fine record after a bad one."})
    lines.write_text(f'{{"body": {deep}}}\n{good}\n', encoding="utf-8")
    result = read_file(lines)
    assert [a.title for a in result.articles] == ["Fine"]
    assert [(p.path, p.reason) for p in result.problems] == [
        (f"{lines}:1", "line 1 is nested too deeply (arrays or objects inside each other, thousands of "
         "levels): not read")
    ]  # fmt: skip
