"""Holdout lift estimates: treated arm minus holdout, each with a two-sided confidence interval.

Arm 1 is the treated arm and arm 0 the holdout. Every estimator returns ``None`` when a group is
too small to say anything, instead of an interval that looks informative and is not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

_BATCH_VALUES = 2**22  # values resampled at once by the bootstrap (bounds its memory)


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval ``[low, high]`` and the method's name."""

    estimate: float
    low: float
    high: float
    method: str

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in the closed interval."""
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, float | str]:
        """The fields as a plain dict, e.g. for ``summary.json``."""
        return asdict(self)


def proportion_difference(
    x1: int, n1: int, x0: int, n0: int, level: float = 0.95
) -> Interval | None:
    r"""Difference of two proportions with Newcombe's hybrid score interval.

    With :math:`\hat p_i = x_i / n_i` and :math:`[l_i, u_i]` the Wilson score interval of arm i,

    .. math::
        d = \hat p_1 - \hat p_0, \qquad
        L = d - \sqrt{(\hat p_1 - l_1)^2 + (u_0 - \hat p_0)^2}, \qquad
        U = d + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_0 - l_0)^2}.

    Returns ``None`` if either arm is empty.
    """
    _check_level(level)
    for x, n in ((x1, n1), (x0, n0)):
        if not 0 <= x <= n:
            raise ValueError(f"a count must lie in [0, n]: got {x} of {n}")
    if n1 == 0 or n0 == 0:
        return None
    low, high = confint_proportions_2indep(
        x1, n1, x0, n0, compare="diff", method="newcomb", alpha=1 - level
    )
    return Interval(float(x1 / n1 - x0 / n0), float(low), float(high), "newcombe")


def mean_difference(y1: np.ndarray, y0: np.ndarray, level: float = 0.95) -> Interval | None:
    r"""Difference of means with Welch's t interval (unequal variances).

    .. math::
        d = \bar y_1 - \bar y_0, \qquad v_i = s_i^2 / n_i, \qquad
        \nu = \frac{(v_1 + v_0)^2}{v_1^2/(n_1 - 1) + v_0^2/(n_0 - 1)}, \qquad
        d \pm t_{\nu,\,(1+\text{level})/2} \sqrt{v_1 + v_0}.

    If both groups have zero variance the interval collapses to ``d``. Returns ``None`` if either
    group has fewer than two values.
    """
    _check_level(level)
    y1, y0 = _values(y1), _values(y0)
    if y1.size < 2 or y0.size < 2:
        return None
    return _welch(y1, y0, level, "welch")


def bootstrap_mean_difference(
    y1: np.ndarray, y0: np.ndarray, seed: int, level: float = 0.95, resamples: int = 2000
) -> Interval | None:
    r"""Difference of means with a percentile bootstrap interval.

    Each resample draws :math:`n_1` values from ``y1`` and, independently, :math:`n_0` from ``y0``
    with replacement; the interval is the :math:`(1 \mp \text{level})/2` quantiles of the
    resampled :math:`\bar y_1^* - \bar y_0^*`. It makes no normality assumption, which matters for
    skewed outcomes such as revenue. Percentile rather than BCa: BCa's jackknife costs
    :math:`O(n^2)` for a population of n customers. The same ``seed`` gives the same interval.
    Returns ``None`` if either group has fewer than two values.
    """
    _check_level(level)
    y1, y0 = _values(y1), _values(y0)
    if y1.size < 2 or y0.size < 2:
        return None
    result = stats.bootstrap(
        (y1, y0),
        _difference_of_means,
        n_resamples=resamples,
        batch=max(1, _BATCH_VALUES // (y1.size + y0.size)),
        vectorized=True,
        paired=False,
        confidence_level=level,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    ci = result.confidence_interval
    estimate = float(y1.mean() - y0.mean())
    return Interval(estimate, float(ci.low), float(ci.high), "bootstrap-percentile")


def cuped_mean_difference(
    y1: np.ndarray, x1: np.ndarray, y0: np.ndarray, x0: np.ndarray, level: float = 0.95
) -> tuple[Interval, float] | None:
    r"""Difference of means adjusted by pre-period covariates (CUPED), with a Welch interval.

    ``x1``, ``x0`` hold each customer's pre-experiment covariates, shape (n,) or (n, k). With both
    groups pooled, :math:`\theta` is the OLS slope of y on x with an intercept,

    .. math::
        \theta = \operatorname{Cov}(x)^{-1} \operatorname{Cov}(x, y), \qquad
        \tilde y = y - (x - \bar x)\,\theta,

    and the Welch interval of :func:`mean_difference` is taken on :math:`\tilde y`. Since x does
    not depend on the assignment, :math:`\tilde y` has the same difference of expected means as
    y, with variance :math:`(1 - R^2)\operatorname{Var}(y)` (:math:`\rho^2` for one covariate).
    Constant covariate columns are dropped and collinear ones resolved by least squares.

    Returns the interval and the variance reduction
    :math:`1 - \operatorname{Var}(\tilde y)/\operatorname{Var}(y)` (pooled, 0 if y is constant),
    or ``None`` if either group has fewer than two values.
    """
    _check_level(level)
    y1, y0 = _values(y1), _values(y0)
    x = np.vstack([_covariates(x1, y1.size), _covariates(x0, y0.size)])
    if y1.size < 2 or y0.size < 2:
        return None
    y = np.concatenate([y1, y0])
    x = x[:, np.ptp(x, axis=0) > 0]
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    beta = np.linalg.lstsq(z, y - y.mean(), rcond=None)[0]
    adjusted = y - z @ beta
    var_y = y.var()
    reduction = float(1 - adjusted.var() / var_y) if var_y > 0 else 0.0
    interval = _welch(adjusted[: y1.size], adjusted[y1.size :], level, "cuped-welch")
    return interval, reduction


def _welch(y1: np.ndarray, y0: np.ndarray, level: float, method: str) -> Interval:
    estimate = float(y1.mean() - y0.mean())
    v1, v0 = y1.var(ddof=1) / y1.size, y0.var(ddof=1) / y0.size
    if v1 + v0 == 0:
        return Interval(estimate, estimate, estimate, method)
    df = (v1 + v0) ** 2 / (v1**2 / (y1.size - 1) + v0**2 / (y0.size - 1))
    half = float(stats.t.ppf((1 + level) / 2, df) * np.sqrt(v1 + v0))
    return Interval(estimate, estimate - half, estimate + half, method)


def _difference_of_means(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return a.mean(axis=axis) - b.mean(axis=axis)


def _values(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"outcomes must be one-dimensional, got shape {y.shape}")
    return y


def _covariates(x: np.ndarray, n: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    x = x[:, np.newaxis] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[0] != n:
        raise ValueError(f"covariates must have shape ({n},) or ({n}, k), got {x.shape}")
    return x


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
