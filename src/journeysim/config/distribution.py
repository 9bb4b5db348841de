"""The config type of a named distribution (families and sampling: ``population.distributions``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Distribution:
    """A named distribution for a per-customer trait (see ``population.distributions``).

    ``dist`` names the family; the other keys are its parameters (``median``/``sigma`` for
    lognormal, ``a``/``b`` for beta, ...). ``min``/``max`` optionally clip the draws.
    """

    dist: str = "constant"
    params: dict[str, float] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
