"""The one progress protocol of the package: ``progress(stage, done, total)``.

``stage`` names the work ("vectorize", "neighbours", ...), ``done`` and ``total`` count its
units; a stage is reported with ``done=0`` first and ``done == total`` last. The library
never prints: the CLI's progress bars and a site's own logging are such callables.
"""

from __future__ import annotations

from collections.abc import Callable

#: progress callback: (stage name, units done, units in all)
Progress = Callable[[str, int, int], None]
