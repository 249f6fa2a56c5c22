from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from assistant.answering.records import Answer, Citation, SentenceCheck
from ingest.text.dates import date_label
from ui.cards import source_card_html
from ui.render import ago, answer_html, markdown_text, safe_url


def citation(n: int = 1, url: str | None = "https://news.test/a") -> Citation:
    passage = "Before. <b>Quoted</b> sentence. After."
    quote = "<b>Quoted</b> sentence."
    return Citation(
        n=n,
        article_id="a",
        title="<i>Title</i>",
        source="Fast & News",
        published="2020-03",
        url=url,
        passage=passage,
        quote=quote,
        quote_start=passage.index(quote),
        chunk_id="c",
    )


def test_markers_link_to_their_cards_and_unknown_markers_stay_text() -> None:
    answer = Answer(question="q", text="It was <them> [1]. See [7].", abstained=False, citations=[citation()])
    html = answer_html(answer, turn=3)
    assert '<sup><a href="#src-3-1">[1]</a></sup>' in html
    assert "[7]" in html and "#src-3-7" not in html
    assert "&lt;them&gt;" in html


def test_only_http_links_are_made_clickable() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url("https://ok.test/x") == "https://ok.test/x"
    assert "href" not in source_card_html(citation(url="javascript:alert(1)"), turn=0)


def test_flagged_sentences_and_unverified_citations_are_marked() -> None:
    text = "It was <them> [1]. Russia did it [2]. The passages disagree. The vote was late [2]."
    doubtful = replace(citation(n=2), verified=False)
    answer = Answer(
        question="q",
        text=text,
        abstained=False,
        citations=[citation(), doubtful],
        sentences=[
            SentenceCheck(0, 18, (1,), "supported"),
            SentenceCheck(19, 37, (2,), "unsupported", ("Russia",), (2,)),
            SentenceCheck(38, 60, (), "note"),
            SentenceCheck(61, len(text), (2,), "supported"),
        ],
    )
    html = answer_html(answer, turn=0)
    assert html.startswith(
        '<div class="nqa-answer">It was &lt;them&gt; <sup><a href="#src-0-1">[1]</a></sup>. '
    )
    assert (
        '<span class="nqa-unverified" title="The passages this sentence cites don&#x27;t contain all of it: '
        'not found: Russia.">Russia did it <sup><a class="nqa-doubt" href="#src-0-2" '
        'title="this source does not clearly support the sentence">[2]</a></sup>.</span>'
    ) in html
    # The same source, where it does support its sentence, is linked as usual.
    assert html.endswith(
        ' The passages disagree. The vote was late <sup><a href="#src-0-2">[2]</a></sup>.</div>'
    )
    assert 'class="nqa-card nqa-doubt"' in source_card_html(doubtful, turn=0, checked=True)
    assert "nqa-doubt" not in source_card_html(citation(), turn=0, checked=True)


def test_streamed_text_is_escaped_for_markdown_piece_by_piece() -> None:
    pieces = ["![x](http://evil.test/", "p.png) **bold** $x$ :red[hi] <b>"]
    escaped = "".join(markdown_text(p) for p in pieces)
    assert escaped == markdown_text("".join(pieces))
    assert escaped == r"\!\[x\]\(http\:\/\/evil\.test\/p\.png\) \*\*bold\*\* \$x\$ \:red\[hi\] \<b\>"


def test_dates_read_as_a_reader_says_them_at_their_precision() -> None:
    assert date_label("2020-03") == "March 2020"
    assert date_label("2020-03-05") == "5 Mar 2020"
    assert date_label("2020-03-05T08:30:00+00:00") == "5 Mar 2020, 08:30"
    assert date_label("2020") == "2020"
    assert date_label("last week") == "last week"
    assert date_label(None) == ""


def test_how_long_ago() -> None:
    now = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=5), now) == "5 min ago"
    assert ago(now - timedelta(hours=1, minutes=59), now) == "1 hour ago"
    assert ago(now - timedelta(days=3), now) == "3 days ago"
