"""Reading a typed answer to a survey scale question: pure, no storage, no conversation.

A scale step is typed as people say it: ``9``, ``9/10`` (out of the scale's top), ``9 p``,
``9 pistettä``, ``9 poäng``, ``9 points``, in full-width digits too. Anything else (``9,5``,
``9/12``, a word) is no step, and the question is asked again with the scale's range.
"""

from __future__ import annotations

import re
import unicodedata

from collectors.number_words import POINT_WORDS
from collectors.survey_config import SurveyQuestion

_STEP_RE = re.compile(r"^(?P<step>[-−+]?\d+)(?:\s*/\s*(?P<top>\d+)|\s*(?P<word>[^\W\d_]+)\.?)?$")


def scale_step(typed: str, question: SurveyQuestion) -> int | None:
    """The step of ``question``'s scale that ``typed`` names, or ``None`` for none."""
    text = unicodedata.normalize("NFKC", typed).strip()
    match = _STEP_RE.match(text)
    if match is None:
        return None
    if match["top"] is not None and int(match["top"]) != question.max:
        return None  # "7/12" on a scale of 0-10 is a share of something else
    if match["word"] is not None and match["word"].casefold() not in POINT_WORDS:
        return None
    step = int(match["step"].replace("−", "-"))
    return step if step in question.values() else None


__all__ = ["scale_step"]
