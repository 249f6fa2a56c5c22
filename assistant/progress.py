"""Progress bars for the command line (tqdm, on stderr, only on a terminal)."""

from __future__ import annotations

from types import TracebackType

from tqdm import tqdm

_LABELS = {"reading": "Reading files", "embedding": "Embedding chunks"}


class ProgressBars:
    """An `OnProgress` callback that draws one bar per stage; use it as a context manager."""

    def __init__(self, min_total: int = 4) -> None:
        self._bars: dict[str, tqdm] = {}
        self._min_total = min_total

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Advance the bar of ``stage`` to ``done`` of ``total``."""
        if total < self._min_total:
            return
        bar = self._bars.get(stage)
        if bar is None:
            unit = "file" if stage == "reading" else "chunk"
            # disable=None: draw only when stderr is a terminal, so logs and pipes stay clean.
            bar = tqdm(total=total, desc=_LABELS.get(stage, stage), unit=unit, disable=None, leave=False)
            self._bars[stage] = bar
        if bar.total != total:  # indexing streams: the number of chunks grows as files are read
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for bar in self._bars.values():
            bar.close()
