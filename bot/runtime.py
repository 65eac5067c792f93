"""How the bot's process runs, apart from what it does: what :func:`bot.telegram.serve` tunes.

- :func:`keep_long_lived_out_of_collections`: the heap that lives as long as the process is set
  aside from the garbage collector's full collections.
"""

from __future__ import annotations

import gc

from collectors.engine import Engine


def freeze_heap() -> None:
    """Set every object alive now aside from the garbage collector's full collections.

    After one last collection, :func:`gc.freeze` moves what is left (what lives as long as the
    process) where full collections do not look; what is made later is collected as before.
    """
    gc.collect()
    gc.freeze()


def keep_long_lived_out_of_collections(engine: Engine) -> None:
    """Freeze start-up's heap now and matplotlib's after the first chart.

    Start-up leaves a large heap of objects that live as long as the process (configuration,
    units, translations, the libraries' own), and the first chart adds matplotlib's. Every
    full collection walked all of it: 30-170 ms in the middle of whichever answer was being
    handled (benchmarks/RESULTS.md, figure 1).
    """
    freeze_heap()
    engine.after_first_chart(freeze_heap)


__all__ = ["freeze_heap", "keep_long_lived_out_of_collections"]
