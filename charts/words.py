"""The few fixed words the charts draw themselves, in Finnish, Swedish and English.

The rest of the application translates with gettext; the charts stay self-contained and
receive every other label already localized.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "target": {"fi": "tavoite", "sv": "mål", "en": "target"},
    "baseline": {"fi": "lähtötaso", "sv": "utgångsläge", "en": "baseline"},
    "missing": {"fi": "puuttuu", "sv": "saknas", "en": "missing"},
    "no_data": {"fi": "ei tietoja", "sv": "inga uppgifter", "en": "no data"},
    "too_few_answers": {
        "fi": "liian vähän vastauksia",
        "sv": "för få svar",
        "en": "too few answers",
    },
    "promoters": {"fi": "suosittelijat", "sv": "förespråkare", "en": "promoters"},
    "passives": {"fi": "passiiviset", "sv": "passiva", "en": "passives"},
    "detractors": {"fi": "arvostelijat", "sv": "kritiker", "en": "detractors"},
    "nss_high": {"fi": "samaa mieltä", "sv": "instämmer", "en": "agree"},
    "nss_middle": {"fi": "neutraalit", "sv": "neutrala", "en": "neutral"},
    "nss_low": {"fi": "eri mieltä", "sv": "instämmer inte", "en": "disagree"},
    "goal": {"fi": "Tavoite", "sv": "Mål", "en": "Goal"},
    "target_level": {"fi": "Tavoitetaso", "sv": "Målnivå", "en": "Target"},
    "baseline_level": {"fi": "Lähtötaso", "sv": "Utgångsläge", "en": "Baseline"},
    "latest": {"fi": "Viimeisin", "sv": "Senaste", "en": "Latest"},
    "previous": {"fi": "Edellinen", "sv": "Föregående", "en": "Previous"},
    "status": {"fi": "Tila", "sv": "Status", "en": "Status"},
    "on_schedule": {"fi": "Aikataulussa", "sv": "Enligt plan", "en": "On schedule"},
    "challenges": {"fi": "Haasteita", "sv": "Utmaningar", "en": "Challenges"},
    "not_started": {"fi": "Ei aloitettu", "sv": "Inte påbörjat", "en": "Not started"},
    "done": {"fi": "Valmis", "sv": "Klart", "en": "Done"},
    "key_figures": {"fi": "Tunnusluvut", "sv": "Nyckeltal", "en": "Key figures"},
    "not_reported": {
        "fi": "Ei vielä raportoineet",
        "sv": "Har inte rapporterat ännu",
        "en": "Not reported yet",
    },
    "no_status": {"fi": "Tila puuttuu", "sv": "Status saknas", "en": "No status"},
    "and_one_more": {"fi": "ja 1 muu", "sv": "och 1 annan", "en": "and 1 more"},
    "and_more": {"fi": "ja {n} muuta", "sv": "och {n} andra", "en": "and {n} more"},
    "page": {"fi": "Sivu", "sv": "Sida", "en": "Page"},
    "contents": {"fi": "Sisällys", "sv": "Innehåll", "en": "Contents"},
    "unit_pages": {"fi": "Yksiköt", "sv": "Enheter", "en": "Units"},
}
"""Word key -> locale -> word."""


def word(key: str, locale: str) -> str:
    """A fixed chart word in a locale.

    Args:
        key: A key of :data:`WORDS`.
        locale: ``"fi"``, ``"sv"`` or ``"en"``; anything else falls back to English.

    Returns:
        The word.

    Raises:
        KeyError: If ``key`` is unknown (a programming error).
    """
    entry = WORDS[key]
    return entry.get(locale, entry["en"])
