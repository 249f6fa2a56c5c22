from __future__ import annotations

from datetime import date

from assistant.retrieval.time_words import AsOf, read_time, reference

# A fixed "today" and a fixed question date: the readings below depend on them.
TODAY = date(2024, 3, 14)  # a Thursday
ASKED = date(2023, 12, 20)  # a Wednesday


def spans(question: str, as_of: date) -> list[tuple[int, int, str]]:
    return [(m.first, m.last, m.relation) for m in read_time(question, as_of).dates]


def test_the_reference_is_the_questions_date_then_the_newest_article_then_today() -> None:
    assert reference(ASKED, "2023-11-30T08:00:00", TODAY) == AsOf(ASKED, "question")
    assert reference(None, "2023-11-30T08:00:00", TODAY) == AsOf(date(2023, 11, 30), "newest article")
    assert reference(None, None, TODAY) == AsOf(TODAY, "today")
    assert reference(None, "2023-11", TODAY) == AsOf(TODAY, "today")
    assert reference(None, "2023-11-30", TODAY).describe() == "2023-11-30 (the newest article in the index)"


def test_this_week_and_last_month_are_read_against_the_reference_date() -> None:
    assert spans("What did the central bank say this week?", ASKED) == [(20231218, 20231220, "on")]
    assert spans("What did the central bank say this week?", TODAY) == [(20240311, 20240314, "on")]
    assert spans("Which firm cut jobs last month?", ASKED) == [(20231101, 20231130, "on")]
    assert spans("Which firm cut jobs last month?", TODAY) == [(20240201, 20240229, "on")]
    assert spans("Who resigned yesterday?", ASKED) == [(20231219, 20231219, "on")]
    assert spans("What happened over the past two weeks?", ASKED) == [(20231206, 20231220, "on")]


def test_a_named_day_or_month_is_the_latest_one_on_or_before_the_reference() -> None:
    assert spans("What did the minister announce on Monday?", ASKED) == [(20231218, 20231218, "on")]
    assert spans("What did the minister announce last Wednesday?", ASKED) == [(20231213, 20231213, "on")]
    # March has not come yet in December's year: it is last March; in 2024 it is this one.
    assert spans("Which team won in March?", ASKED) == [(20230301, 20230331, "on")]
    assert spans("Which team won in March?", TODAY) == [(20240301, 20240331, "on")]
    assert spans("What happened on October 5?", ASKED) == [(20231005, 20231005, "on")]
    assert spans("What happened on December 25?", ASKED) == [(20221225, 20221225, "on")]


def test_before_and_after_bound_the_span() -> None:
    assert spans("Which stocks fell since Monday?", ASKED) == [(20231218, 20231218, "after")]
    assert spans("What did it report before October 5, 2023?", ASKED) == [(20231005, 20231005, "before")]


def test_recency_words_ask_for_the_latest() -> None:
    assert read_time("What is the latest on the strike?", ASKED).recency
    assert read_time("Who recently joined the board?", ASKED).recency
    assert not read_time("Who joined the board of the company?", ASKED).recency
    assert not read_time("Who joined the board of the company?", ASKED).found


def test_may_the_verb_and_outlet_names_are_not_time_words() -> None:
    assert spans("Which firm may cut jobs?", ASKED) == []
    question = "What did USA Today report this week?"
    assert read_time(question, ASKED, skip=[(9, 18)]).dates[0].first == 20231218
    assert not read_time("Is the Latest News Daily right?", ASKED, skip=[(7, 24)]).recency
