"""The Camp Taji question on the sample article, with the real model: the answer leads with who."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import real_assistant

pytestmark = [pytest.mark.model, pytest.mark.shared]

LIKELY = "Kataib Hezbollah, an Iranian-backed Shia militia group, is likely behind it."
DECEMBER = "Washington blamed Kataib Hezbollah for a strike in December"


def test_the_short_answer_is_kataib_hezbollah_from_the_likely_behind_it_sentence(real_store: Path) -> None:
    answer = real_assistant(real_store).ask("Who was blamed for the Camp Taji attack?")
    assert answer.short_answer is not None and answer.short_answer.text == "Kataib Hezbollah"
    cited = next(c for c in answer.citations if c.n == answer.short_answer.n)
    assert LIKELY in cited.quote
    assert answer.text.startswith("Kataib Hezbollah [1]. Fast News, March 2020: US officials")
    # The December strike is another attack: it is not what the answer quotes for it.
    assert DECEMBER not in cited.quote
    assert all(DECEMBER not in c.quote for c in answer.citations[:1])
