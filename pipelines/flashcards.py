"""Flash cards from a word list and a dictionary, for the vocabulary example pipeline.

Plain functions and a pydantic model with no workbench import: ``transform.call``
and ``validate.schema`` name them as ``pipelines.flashcards:build_cards`` and
``pipelines.flashcards:Card`` (the project folder is on ``sys.path`` during a run).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Card(BaseModel):
    """One Anki note: the word on the front, its meaning and an example on the back."""

    model_config = ConfigDict(extra="forbid")

    front: str = Field(min_length=1, pattern=r"^[a-z][a-z' -]*$")
    back: str = Field(min_length=10)
    tags: str = Field(pattern=r"^[a-z_]+( [a-z_]+)*$")


def build_cards(
    words: Sequence[str], dictionary: Mapping[str, Mapping[str, Any]], deck_tag: str = "vocabulary"
) -> list[dict[str, str]]:
    """A card per word of the list that the dictionary defines, in the list's order.

    Raises KeyError naming every word the dictionary lacks, so a typo in the word
    list fails the stage instead of quietly shrinking the deck.
    """
    wanted = [w.strip().lower() for w in words if w.strip()]
    missing = [w for w in wanted if w not in dictionary]
    if missing:
        raise KeyError(f"not in the dictionary: {', '.join(missing)}")
    cards = []
    for word in dict.fromkeys(wanted):
        entry = dictionary[word]
        back = (
            f"<i>{html.escape(entry['part_of_speech'])}</i> {html.escape(entry['definition'])}"
            f"<br><small>{html.escape(entry['example'])}</small>"
        )
        tags = f"{deck_tag} {entry['part_of_speech'].replace(' ', '_')}"
        cards.append({"front": word, "back": back, "tags": tags})
    return cards
