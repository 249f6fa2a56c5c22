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
