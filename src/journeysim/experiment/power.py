r"""Power of a holdout experiment: the minimum detectable effect, and the population it needs.

A population of N customers is split into a holdout of :math:`n_0 = \operatorname{round}(N h)`
and a treated arm of :math:`n_1 = N - n_0`. A two-sided test at level :math:`\alpha` then detects
an absolute difference with probability ``power`` once it reaches, for a per-customer mean with
standard deviation :math:`\sigma`,

.. math::
    \text{MDE} = (z_{1-\alpha/2} + z_{\text{power}})\,\sigma\,\sqrt{1/n_1 + 1/n_0},

and for a rate with base :math:`p_0` the :math:`\delta` that solves (Fleiss, Levin & Paik 2003,
the pooled variance under the null and each arm's own under the alternative, as score-type
readouts such as Newcombe's behave)

.. math::
    \delta = z_{1-\alpha/2}\sqrt{\bar p(1-\bar p)(1/n_1 + 1/n_0)}
           + z_{\text{power}}\sqrt{p_1(1-p_1)/n_1 + p_0(1-p_0)/n_0},
    \quad p_1 = p_0 + \delta,\ \bar p = (n_1 p_1 + n_0 p_0)/N.

From the shell: ``journeysim-power --population 20000 --holdout 0.1 --base-rate 0.05``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from scipy.optimize import brentq
from scipy.stats import norm

HOLDOUT_SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)
MAX_POPULATION = 10**12


def minimum_detectable_effect(
    population: int,
    holdout_share: float,
    *,
    base_rate: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """The smallest absolute difference (treated minus holdout) detected with ``power``.

    Give exactly one of ``base_rate`` (a proportion outcome) or ``sd`` (a per-customer mean).
    """
    sigma = _sigma(base_rate, sd)
    n1, n0 = group_sizes(population, holdout_share)
    z = _z(alpha, power)
    if base_rate is None:
        return z * sigma * math.sqrt(1 / n1 + 1 / n0)
    p0, z_alpha = base_rate, float(norm.ppf(1 - alpha / 2))

    def excess(delta: float) -> float:
        p1 = p0 + delta
        pooled = (n1 * p1 + n0 * p0) / (n1 + n0)
        return (z_alpha * math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
                + (z - z_alpha) * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) - delta)

    largest = 1 - p0
    if excess(largest) > 0:
        raise ValueError(f"population too small: no lift up to a rate of 1 is detectable with "
                         f"{n1} treated and {n0} held out")
    return float(brentq(excess, 0.0, largest, xtol=1e-15, rtol=4 * math.ulp(1.0)))


def required_population(
    mde: float,
    holdout_share: float,
    *,
    base_rate: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """The smallest population whose minimum detectable effect is at most ``mde``."""
    sigma = _sigma(base_rate, sd)
    if not 0 < mde < math.inf:
        raise ValueError(f"the effect to detect must be positive and finite, got {mde}")
    if base_rate is not None and mde > 1 - base_rate:
        raise ValueError(f"a lift of {mde:g} on a base rate of {base_rate:g} would take the rate "
                         f"above 1: the largest possible lift is {1 - base_rate:g}")
    _check_share(holdout_share)
    # 1/n1 + 1/n0 = 1/(N h (1-h)) before rounding the groups: a first guess, then bisection
    share = holdout_share * (1 - holdout_share)
    ratio = _z(alpha, power) * sigma / mde
    if ratio > math.sqrt(MAX_POPULATION) or ratio**2 / share > MAX_POPULATION:
        raise ValueError(f"an effect of {mde} needs more than {MAX_POPULATION:.0e} customers")

    def detects(n: int) -> bool:
        try:
            return minimum_detectable_effect(n, holdout_share, base_rate=base_rate, sd=sd,
                                             alpha=alpha, power=power) <= mde
        except ValueError:  # too small to have both groups, or to detect any lift
            return False

    high = max(2, math.ceil(ratio**2 / share))
    while not detects(high):
        high *= 2
        if high > MAX_POPULATION:
            raise ValueError(f"an effect of {mde} needs more than {MAX_POPULATION:.0e} customers")
    low = 1  # does not detect (no two groups)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if detects(middle) else (middle, high)
    return high


def group_sizes(population: int, holdout_share: float) -> tuple[int, int]:
    """(treated, holdout) customers when ``population`` is split at ``holdout_share``."""
    _check_share(holdout_share)
    holdout = math.floor(population * holdout_share + 0.5)
    if holdout < 1 or population - holdout < 1:
        raise ValueError(
            f"population too small: {population} customers with a holdout share of "
            f"{holdout_share} leave {holdout} in the holdout and {population - holdout} treated"
        )
    return population - holdout, holdout


def main(argv: list[str] | None = None) -> None:
    """``journeysim-power``: the MDE of a holdout design, or the population an MDE needs."""
    parser = argparse.ArgumentParser(
        prog="journeysim-power",
        description="Minimum detectable effect of a holdout experiment, or the population it "
        "needs, with the trade-off across holdout shares.",
    )
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--population", type=int, help="customers in the experiment")
    size.add_argument("--mde", type=float,
                      help="absolute effect to detect (0.01 = 1 point of a rate); "
                      "prints the population needed")
    outcome = parser.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--base-rate", type=float, help="holdout conversion rate, in (0, 1)")
    outcome.add_argument("--sd", type=float, help="standard deviation of a per-customer outcome")
    parser.add_argument("--holdout", type=float, default=0.1,
                        help="share of customers held out (default 0.1)")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="two-sided significance level (default 0.05)")
    parser.add_argument("--power", type=float, default=0.8, help="power (default 0.8)")
    args = parser.parse_args(argv)
    try:
        print("\n".join(_report(args)))
    except ValueError as exc:
        parser.error(str(exc))


def _report(args: argparse.Namespace) -> list[str]:
    outcome = {"base_rate": args.base_rate, "sd": args.sd}
    design = {"alpha": args.alpha, "power": args.power}
    shares = sorted({*HOLDOUT_SHARES, args.holdout})
    effect = _effect_formatter(args.base_rate)
    lines = [f"two-sided alpha {args.alpha:g}, power {_percent(args.power)}, " + (
        f"base rate {args.base_rate:.2%}" if args.sd is None else f"outcome sd {args.sd:g}")]
    if args.mde is None:
        mde = minimum_detectable_effect(args.population, args.holdout, **outcome, **design)
        n1, n0 = group_sizes(args.population, args.holdout)
        lines += [
            f"population {args.population}: {n1} treated, {n0} in the holdout "
            f"({_percent(args.holdout)})",
            f"minimum detectable effect: {effect(mde)}",
            "",
            f"{'holdout':>8}  {'treated':>9}  {'held out':>9}  minimum detectable effect",
        ]

        def row(share: float) -> str:
            n1, n0 = group_sizes(args.population, share)
            mde = minimum_detectable_effect(args.population, share, **outcome, **design)
            return f"{n1:>9}  {n0:>9}  {effect(mde)}"
    else:
        population = required_population(args.mde, args.holdout, **outcome, **design)
        n1, n0 = group_sizes(population, args.holdout)
        lines += [
            f"to detect {effect(args.mde)}:",
            f"required population {population}: {n1} treated, {n0} in the holdout "
            f"({_percent(args.holdout)})",
            "",
            f"{'holdout':>8}  {'population':>11}  {'treated':>9}  {'held out':>9}",
        ]

        def row(share: float) -> str:
            population = required_population(args.mde, share, **outcome, **design)
            n1, n0 = group_sizes(population, share)
            return f"{population:>11}  {n1:>9}  {n0:>9}"
    for share in shares:
        try:
            lines.append(f"{_percent(share):>8}  {row(share)}")
        except ValueError as exc:  # this holdout share does not fit the population or the MDE
            lines.append(f"{_percent(share):>8}  {exc}")
    return lines


def _effect_formatter(base_rate: float | None) -> Callable[[float], str]:
    if base_rate is None:
        return lambda d: f"{d:.4g} per customer"
    return lambda d: f"{100 * d:.2f} points ({d / base_rate:.1%} relative to the base rate)"


def _percent(share: float) -> str:
    return f"{100 * share:g}%"


def _sigma(base_rate: float | None, sd: float | None) -> float:
    if (base_rate is None) == (sd is None):
        raise ValueError("give exactly one of base_rate (a proportion) or sd (a mean)")
    if base_rate is not None:
        if not 0 < base_rate < 1:
            raise ValueError(f"the base rate must lie in (0, 1), got {base_rate}")
        return math.sqrt(base_rate * (1 - base_rate))
    if not 0 < sd < math.inf:
        raise ValueError(f"the standard deviation must be positive and finite, got {sd}")
    return sd


def _z(alpha: float, power: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    if not 0 < power < 1:
        raise ValueError(f"power must lie in (0, 1), got {power}")
    return float(norm.ppf(1 - alpha / 2) + norm.ppf(power))


def _check_share(holdout_share: float) -> None:
    if not 0 < holdout_share < 1:
        raise ValueError(f"the holdout share must lie in (0, 1), got {holdout_share}")


if __name__ == "__main__":
    main()
