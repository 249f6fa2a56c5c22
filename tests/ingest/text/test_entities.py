"""spaCy's named entities, numbers and dates, from the model shipped on PyPI (loaded once)."""

from __future__ import annotations

import pytest

from ingest.text.entities import entities, entities_of

pytestmark = [pytest.mark.model, pytest.mark.slow]

TAJI = (
    "US officials have not publicly said what group they believe launched the rocket attack, "
    "but Kataib Hezbollah, an Iranian-backed Shia militia group, is likely behind it."
)


def test_names_places_and_numbers_are_found_with_their_offsets() -> None:
    found = entities("Three service members were killed at Camp Taji north of Baghdad on March 11, 2020.")
    by_text = {entity.text: entity.label for entity in found}
    assert by_text["Three"] == "CARDINAL" and by_text["Baghdad"] == "GPE"
    assert by_text["March 11, 2020"] == "DATE"
    text = TAJI
    (named,) = [e for e in entities(text) if e.text == "Kataib Hezbollah"]
    assert text[named.start : named.end] == "Kataib Hezbollah"


def test_a_batch_gives_what_one_at_a_time_gives_even_for_texts_without_entities() -> None:
    texts = [TAJI, "nothing named here.", TAJI]
    assert entities_of(texts) == [entities(TAJI), (), entities(TAJI)]


def test_typographic_quotes_do_not_run_a_name_into_what_follows_it() -> None:
    # en_core_web_sm reads "Google’s Search" as one organisation; with the quote straightened
    # it finds Google. Entities keep the text's own characters and offsets.
    text = "The suit cites new AI technologies like Google’s Search Generative Experience."
    assert ("Google", "ORG") in {(e.text, e.label) for e in entities(text)}
    quoted = "“We will respond,” the minister told Reuters’ reporters in Baghdad."
    for entity in entities(quoted):
        assert quoted[entity.start : entity.end] == entity.text
    assert any(e.text == "Baghdad" for e in entities(quoted))
