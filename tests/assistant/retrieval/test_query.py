from __future__ import annotations

from assistant.retrieval.query import OutletMatcher, find_dates, parse

OUTLETS = [
    "The Verge",
    "TechCrunch",
    "Fortune",
    "The Age",
    "Cnbc | World Business News Leader",
    "FOX News - Health",
    "FOX News - Lifestyle",
    "Live Science: The Most Interesting Articles",
]


def named(question: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(question[m.start : m.end], m.outlets) for m in OutletMatcher(OUTLETS).find(question)]


def test_outlets_are_found_by_full_name_and_by_the_name_before_a_section() -> None:
    question = "Did Cnbc and TechCrunch agree, while Fox News and The Verge's review did not?"
    assert named(question) == [
        ("Cnbc", ("Cnbc | World Business News Leader",)),
        ("TechCrunch", ("TechCrunch",)),
        ("Fox News", ("FOX News - Health", "FOX News - Lifestyle")),
        ("The Verge", ("The Verge",)),
    ]
    assert named("as reported by Live Science: The Most Interesting Articles")[0][1] == (
        "Live Science: The Most Interesting Articles",
    )
    assert named("per the FOX News - Lifestyle article") == [
        ("FOX News - Lifestyle", ("FOX News - Lifestyle",))
    ]


def test_ordinary_words_are_not_outlets() -> None:
    assert named("He made a fortune in the age of crypto, on the verge of collapse.") == []
    assert named("Fortune reported it first, as did the Verge.") == [
        ("Fortune", ("Fortune",)),
        ("the Verge", ("The Verge",)),
    ]


def test_dates_and_their_relation() -> None:
    question = (
        "Between the report published on October 5, 2023 and the one before Oct. 1st, 2023, "
        "and after November 2023, what changed since 2023-12-24 and on December 3?"
    )
    found = [(question[d.start : d.end], d.first, d.last, d.relation) for d in find_dates(question)]
    assert found == [
        ("October 5, 2023", 20231005, 20231005, "on"),
        ("Oct. 1st, 2023", 20231001, 20231001, "before"),
        ("November 2023", 20231101, 20231130, "after"),
        ("2023-12-24", 20231224, 20231224, "after"),
        ("December 3", 1203, 1203, "on"),
    ]
    assert find_dates("on February 30, 2023, in May, 10 people") == []


def test_plan_blanks_names_for_keyword_search_and_groups_outlets() -> None:
    plan = parse(
        "Did TechCrunch on October 5, 2023 and TechCrunch later agree with Fortune?", OutletMatcher(OUTLETS)
    )
    assert plan.outlet_groups() == [("TechCrunch",), ("Fortune",)]
    assert plan.without_names().split() == ["Did", "on", "and", "later", "agree", "with", "?"]
