"""The one progress protocol: how long work tells its caller how far it has got.

Builds, evaluations and sweeps take an optional ``progress`` callback and report through
it; the command line draws it as bars (:class:`recommender.cli.output.ProgressBars`), a
site's scheduler can log it. Standard library only, so any module can import it.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress"]


class Progress(Protocol):
    """A callback ``progress(stage, done, total)``.

    The contract, for those who call it:

    - ``stage`` names the step (``"vectorize"``, ``"neighbours"``, ``"evaluate"``,
      ``"fold"``, ``"sweep"``); a new name starts a new step.
    - ``done`` is how many units of the stage are finished, ``total`` how many there are
      in all (articles, queries, folds, configurations); ``done`` never decreases within
      a stage, and ``total`` may grow when it was an estimate.
    - A stage is reported with ``done=0`` before its first unit and with
      ``done == total`` when it ends; calls in between are as frequent as is cheap.

    It is called from the thread doing the work and must return quickly. Parameters are
    positional-only, so any function of three arguments fits, whatever their names.

    Examples
    --------
    >>> seen = []
    >>> def log(stage: str, done: int, total: int) -> None:
    ...     seen.append(f"{stage} {done}/{total}")
    >>> report: Progress = log
    >>> report("sweep", 0, 4)
    >>> seen
    ['sweep 0/4']
    """

    def __call__(self, stage: str, done: int, total: int, /) -> None:
        """Note that ``done`` of the ``total`` units of ``stage`` are finished."""
