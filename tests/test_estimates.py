"""Experiment readouts: intervals match references, cover the truth at their level, and power holds.

A simulated share (coverage, rejection rate) passes when it lies in the 99.9% binomial acceptance
region of its nominal value, so a correct estimator fails about once in a thousand seeds.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import power_proportions_2indep

from journeysim.experiment.estimates import (
    Interval,
    bootstrap_mean_difference,
    cuped_mean_difference,
    mean_difference,
    proportion_difference,
)
from journeysim.experiment.power import (
    group_sizes,
    main,
    minimum_detectable_effect,
    required_population,
)

pytestmark = pytest.mark.filterwarnings("error")

REPS = 2000


def assert_share_near(hits: np.ndarray, nominal: float) -> None:
    """The share of ``hits`` lies in the 99.9% binomial acceptance region of ``nominal``."""
    low, high = stats.binom.interval(0.999, hits.size, nominal)
    assert low <= hits.sum() <= high, f"{hits.mean():.4f} not in [{low / hits.size:.4f}, " \
        f"{high / hits.size:.4f}] for {nominal}"


def revenue(rng: np.random.Generator, n: int, zero_share: float) -> np.ndarray:
    """Revenue per customer: mostly zeros, lognormal(3, 1) for the buyers."""
    return np.where(rng.random(n) < zero_share, 0.0, rng.lognormal(3.0, 1.0, n))


# --- reference values ---------------------------------------------------------------------------

@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_welch_interval_equals_scipy(level: float) -> None:
    rng = np.random.default_rng(1)
    y1, y0 = rng.normal(1.0, 1.0, 17), rng.normal(0.0, 3.0, 40)
    got = mean_difference(y1, y0, level)
    want = stats.ttest_ind(y1, y0, equal_var=False).confidence_interval(level)
    assert got.estimate == pytest.approx(y1.mean() - y0.mean(), rel=1e-12)
    assert (got.low, got.high) == pytest.approx((want.low, want.high), rel=1e-10)
    assert got.method == "welch"


def test_newcombe_interval_equals_the_hand_computed_wilson_hybrid() -> None:
    x1, n1, x0, n0 = 56, 70, 48, 80
    z = stats.norm.ppf(0.975)

    def wilson(x: int, n: int) -> tuple[float, float]:
        centre = (x + z**2 / 2) / (n + z**2)
        half = z / (n + z**2) * math.sqrt(x * (n - x) / n + z**2 / 4)
        return centre - half, centre + half

    (l1, u1), (l0, u0) = wilson(x1, n1), wilson(x0, n0)
    p1, p0 = x1 / n1, x0 / n0
    low = p1 - p0 - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = p1 - p0 + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    got = proportion_difference(x1, n1, x0, n0)
    assert got.estimate == pytest.approx(0.2) and got.method == "newcombe"
    assert (got.low, got.high) == pytest.approx((low, high), rel=1e-10)
    # Newcombe (1998), table II, example (a): 56/70 - 48/80 = 0.2, 95% CI 0.0524 to 0.3339
    assert (got.low, got.high) == pytest.approx((0.0524, 0.3339), abs=5e-5)


def test_interval_covers_its_closed_range_and_serialises() -> None:
    interval = Interval(0.5, 0.25, 1.0, "welch")
    assert interval.covers(0.25) and interval.covers(1.0) and not interval.covers(1.01)
    assert interval.to_dict() == {"estimate": 0.5, "low": 0.25, "high": 1.0, "method": "welch"}


# --- coverage by simulation ---------------------------------------------------------------------

@pytest.mark.parametrize(("p1", "n1", "p0", "n0"), [(0.12, 900, 0.08, 100), (0.5, 40, 0.3, 60)])
def test_newcombe_covers_the_true_difference_at_95_percent(
    p1: float, n1: int, p0: float, n0: int
) -> None:
    rng = np.random.default_rng(2)
    x1, x0 = rng.binomial(n1, p1, REPS), rng.binomial(n0, p0, REPS)
    hits = np.array([
        proportion_difference(a, n1, b, n0).covers(p1 - p0) for a, b in zip(x1, x0, strict=True)
    ])
    assert_share_near(hits, 0.95)


def test_welch_covers_a_difference_of_normal_means_with_unequal_variances() -> None:
    rng = np.random.default_rng(3)
    hits = np.array([
        mean_difference(rng.normal(1.0, 1.0, 8), rng.normal(0.5, 4.0, 25)).covers(0.5)
        for _ in range(REPS)
    ])
    assert_share_near(hits, 0.95)


def test_welch_covers_a_revenue_lift_on_skewed_zero_inflated_data() -> None:
    rng = np.random.default_rng(4)
    truth = (0.25 - 0.20) * math.exp(3.0 + 0.5)  # buyers 25% vs 20%, lognormal mean e^(mu+s^2/2)
    hits = np.array([
        mean_difference(revenue(rng, 700, 0.75), revenue(rng, 300, 0.80)).covers(truth)
        for _ in range(REPS)
    ])
    assert_share_near(hits, 0.95)


# --- bootstrap ----------------------------------------------------------------------------------

def test_bootstrap_agrees_with_welch_on_a_large_normal_sample() -> None:
    rng = np.random.default_rng(5)
    y1, y0 = rng.normal(10.3, 2.0, 3000), rng.normal(10.0, 3.0, 2000)
    welch, boot = mean_difference(y1, y0), bootstrap_mean_difference(y1, y0, seed=1)
    assert boot.estimate == pytest.approx(welch.estimate, rel=1e-12)
    width = welch.high - welch.low
    assert abs(boot.low - welch.low) < 0.05 * width and abs(boot.high - welch.high) < 0.05 * width
    assert boot.method == "bootstrap-percentile"


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(6)
    y1, y0 = revenue(rng, 400, 0.8), revenue(rng, 100, 0.8)
    first = bootstrap_mean_difference(y1, y0, seed=7, resamples=500)
    assert bootstrap_mean_difference(y1, y0, seed=7, resamples=500) == first
    assert bootstrap_mean_difference(y1, y0, seed=8, resamples=500) != first


# --- CUPED --------------------------------------------------------------------------------------

def correlated(rng: np.random.Generator, n: int, rho: float, shift: float) -> np.ndarray:
    """(y, x): standard bivariate normal with correlation rho, y shifted by ``shift``."""
    x = rng.normal(size=n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=n) + shift
    return np.stack([y, x])


def test_cuped_reduces_variance_by_rho_squared_without_bias_and_keeps_coverage() -> None:
    rho, lift, reps = 0.6, 0.1, 1000
    rng = np.random.default_rng(9)
    estimates, reductions, ratios, hits = [], [], [], []
    for _ in range(reps):
        (y1, x1), (y0, x0) = correlated(rng, 400, rho, lift), correlated(rng, 400, rho, 0.0)
        interval, reduction = cuped_mean_difference(y1, x1, y0, x0)
        plain = mean_difference(y1, y0)
        estimates.append(interval.estimate)
        reductions.append(reduction)
        ratios.append((interval.high - interval.low) / (plain.high - plain.low))
        hits.append(interval.covers(lift))
    # Var(y) pooled over both arms also holds the lift: 1 + lift^2 / 4
    assert np.mean(reductions) == pytest.approx(rho**2 / (1 + lift**2 / 4), abs=0.005)
    se = math.sqrt((1 - rho**2) * (2 / 400) / reps)
    assert abs(np.mean(estimates) - lift) < 4 * se
    assert max(ratios) < 1 and np.mean(ratios) == pytest.approx(math.sqrt(1 - rho**2), abs=0.01)
    assert_share_near(np.array(hits), 0.95)


def test_cuped_ignores_constant_and_collinear_covariates() -> None:
    rng = np.random.default_rng(10)
    (y1, x1), (y0, x0) = correlated(rng, 300, 0.5, 0.2), correlated(rng, 200, 0.5, 0.0)
    single = cuped_mean_difference(y1, x1, y0, x0)

    def padded(x: np.ndarray) -> np.ndarray:
        return np.column_stack([x, np.full(x.size, 3.0), 2 * x])

    interval, reduction = cuped_mean_difference(y1, padded(x1), y0, padded(x0))
    assert interval.estimate == pytest.approx(single[0].estimate, rel=1e-9)
    assert reduction == pytest.approx(single[1], rel=1e-9)
    unadjusted, reduction = cuped_mean_difference(y1, np.ones(300), y0, np.ones(200))
    plain = mean_difference(y1, y0)
    assert reduction == 0.0
    assert (unadjusted.low, unadjusted.high) == pytest.approx((plain.low, plain.high), rel=1e-12)


def test_cuped_adjusts_a_binary_outcome_linearly() -> None:
    rng = np.random.default_rng(11)
    (l1, x1), (l0, x0) = correlated(rng, 5000, 0.7, 0.1), correlated(rng, 5000, 0.7, 0.0)
    y1, y0 = (l1 > 1.0).astype(float), (l0 > 1.0).astype(float)
    interval, reduction = cuped_mean_difference(y1, x1, y0, x0)
    plain = mean_difference(y1, y0)
    assert 0.2 < reduction < 0.4
    assert interval.high - interval.low < plain.high - plain.low
    assert abs(interval.estimate - plain.estimate) < (plain.high - plain.low) / 2


# --- edge cases ---------------------------------------------------------------------------------

def test_empty_and_single_value_groups_give_no_interval() -> None:
    one, empty = np.array([1.0]), np.array([])
    assert proportion_difference(0, 0, 3, 10) is None and proportion_difference(3, 10, 0, 0) is None
    assert mean_difference(one, np.ones(5)) is None and mean_difference(np.ones(5), empty) is None
    assert bootstrap_mean_difference(empty, np.ones(5), seed=0) is None
    assert cuped_mean_difference(one, one, np.ones(5), np.ones(5)) is None


def test_zero_variance_collapses_the_interval_to_the_estimate() -> None:
    y1, y0 = np.full(5, 2.0), np.full(4, 0.5)
    assert mean_difference(y1, y0) == Interval(1.5, 1.5, 1.5, "welch")
    assert bootstrap_mean_difference(y1, y0, seed=0, resamples=100) == Interval(
        1.5, 1.5, 1.5, "bootstrap-percentile"
    )
    # x has the same mean in both groups, so it explains none of y: theta = 0
    x1, x0 = np.array([1, 2, 3, 2, 2]), np.array([1, 3, 2, 2])
    interval, reduction = cuped_mean_difference(y1, x1, y0, x0)
    assert (interval.estimate, interval.low, interval.high) == pytest.approx((1.5, 1.5, 1.5))
    assert reduction == pytest.approx(0.0, abs=1e-12)
    one_sided = mean_difference(np.array([1.0, 2.0, 3.0]), y0)
    assert one_sided.low < 1.5 < one_sided.high


@pytest.mark.parametrize("x", [0, 100])
def test_all_zero_or_all_one_proportions_give_a_finite_interval_around_zero(x: int) -> None:
    interval = proportion_difference(x, 100, x * 80 // 100, 80)
    assert interval.estimate == 0 and -1 < interval.low < 0 < interval.high < 1


def test_invalid_inputs_raise() -> None:
    with pytest.raises(ValueError, match="count"):
        proportion_difference(11, 10, 0, 10)
    with pytest.raises(ValueError, match="level"):
        mean_difference(np.ones(3), np.ones(3), level=95)
    with pytest.raises(ValueError, match="shape"):
        cuped_mean_difference(np.ones(3), np.ones(4), np.ones(3), np.ones(3))


# --- power --------------------------------------------------------------------------------------

CASES = [
    (20000, 0.1, {"base_rate": 0.05}, 0.05, 0.8),
    (5000, 0.5, {"base_rate": 0.3}, 0.01, 0.9),
    (1234, 0.23, {"sd": 120.0}, 0.1, 0.8),
]


def statsmodels_mde(n: int, share: float, sigma: float, alpha: float, power: float,
                    alternative: str) -> float:
    """The MDE from statsmodels' power function, solved to machine precision."""
    n1, n0 = group_sizes(n, share)
    if alternative == "larger":  # one tail at alpha/2: the formula's approximation
        alpha /= 2

    def shortfall(h: float) -> float:
        return NormalIndPower().power(h, n1, alpha, ratio=n0 / n1,
                                      alternative=alternative) - power

    return optimize.brentq(shortfall, 1e-6, 50, xtol=1e-15, rtol=1e-15) * sigma


@pytest.mark.parametrize(("n", "share", "outcome", "alpha", "power"), CASES)
def test_minimum_detectable_effect_matches_statsmodels(
    n: int, share: float, outcome: dict[str, float], alpha: float, power: float
) -> None:
    mde = minimum_detectable_effect(n, share, **outcome, alpha=alpha, power=power)
    p = outcome.get("base_rate")
    if p is not None:  # pooled variance under the null, each arm's own under the alternative
        n1, n0 = group_sizes(n, share)
        achieved = power_proportions_2indep(mde, p, n1, ratio=n0 / n1, alpha=alpha / 2,
                                            alternative="larger", return_results=False)
        assert achieved == pytest.approx(power, rel=1e-9)
        return
    sigma = outcome["sd"]
    assert mde == pytest.approx(statsmodels_mde(n, share, sigma, alpha, power, "larger"), rel=1e-9)
    # the two-sided power adds the opposite tail, which the formula leaves out
    assert mde == pytest.approx(statsmodels_mde(n, share, sigma, alpha, power, "two-sided"),
                                rel=1e-3)


@pytest.mark.parametrize(("n", "share", "outcome", "alpha", "power"), CASES)
def test_required_population_inverts_the_minimum_detectable_effect(
    n: int, share: float, outcome: dict[str, float], alpha: float, power: float
) -> None:
    def mde(population: int) -> float:
        return minimum_detectable_effect(population, share, **outcome, alpha=alpha, power=power)

    assert required_population(mde(n), share, **outcome, alpha=alpha, power=power) == n
    target = mde(n) * 1.37
    needed = required_population(target, share, **outcome, alpha=alpha, power=power)
    assert mde(needed) <= target < mde(needed - 1)


def newcombe_rejections(rng: np.random.Generator, population: int, share: float,
                        p0: float) -> np.ndarray:
    """Whether the Newcombe readout excludes 0 when the lift is the MDE, per experiment."""
    n1, n0 = group_sizes(population, share)
    p1 = p0 + minimum_detectable_effect(population, share, base_rate=p0)
    x1, x0 = rng.binomial(n1, p1, REPS), rng.binomial(n0, p0, REPS)
    return np.array([
        not proportion_difference(a, n1, b, n0).covers(0) for a, b in zip(x1, x0, strict=True)
    ])


def test_a_readout_detects_an_effect_of_the_mde_80_percent_of_the_time() -> None:
    rng = np.random.default_rng(12)
    # near p = 1/2 the variance p(1-p) hardly moves with the lift, as the formula assumes
    assert_share_near(newcombe_rejections(rng, 4000, 0.2, 0.5), 0.8)

    n1, n0 = group_sizes(600, 0.3)
    lift = minimum_detectable_effect(600, 0.3, sd=120.0)
    rejects = np.array([
        not mean_difference(rng.normal(lift, 120.0, n1), rng.normal(0.0, 120.0, n0)).covers(0)
        for _ in range(REPS)
    ])
    assert_share_near(rejects, 0.8)


def test_at_a_low_base_rate_the_readout_still_detects_the_mde_80_percent_of_the_time() -> None:
    # The lift raises the pooled rate a score-type readout tests against; the MDE accounts for it
    # (with the same variance p0(1-p0) in both arms the power here would be only about 73%).
    rejects = newcombe_rejections(np.random.default_rng(13), 20000, 0.1, 0.05)
    assert_share_near(rejects, 0.8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"holdout_share": 0.0, "base_rate": 0.1}, "holdout share"),
        ({"holdout_share": 1.0, "base_rate": 0.1}, "holdout share"),
        ({"holdout_share": 0.1, "base_rate": 1.0}, "base rate"),
        ({"holdout_share": 0.1, "base_rate": 0.0}, "base rate"),
        ({"holdout_share": 0.1}, "exactly one"),
        ({"holdout_share": 0.1, "base_rate": 0.1, "sd": 2.0}, "exactly one"),
        ({"holdout_share": 0.1, "sd": -1.0}, "standard deviation"),
        ({"holdout_share": 0.01, "sd": 1.0}, "population too small"),
    ],
)
def test_power_arguments_are_validated(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        minimum_detectable_effect(40, **kwargs)


@pytest.mark.parametrize(("mde", "message"), [(0.0, "positive"), (1e-9, "more than 1e\\+12")])
def test_required_population_rejects_effects_it_cannot_size(mde: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        required_population(mde, 0.1, sd=1.0)
    with pytest.raises(ValueError, match="largest possible lift is 0.5"):
        required_population(0.9, 0.1, base_rate=0.5)


# --- journeysim-power ---------------------------------------------------------------------------

def test_the_cli_prints_the_mde_the_groups_and_the_holdout_trade_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--population", "20000", "--holdout", "0.1", "--base-rate", "0.05"])
    out = capsys.readouterr().out
    mde = minimum_detectable_effect(20000, 0.1, base_rate=0.05)
    assert f"{100 * mde:.2f} points" == "1.57 points"
    assert "18000 treated, 2000 in the holdout (10%)" in out
    assert "minimum detectable effect: 1.57 points (31.4% relative to the base rate)" in out
    for share, n1, n0 in [(5, 19000, 1000), (10, 18000, 2000), (20, 16000, 4000),
                          (30, 14000, 6000), (50, 10000, 10000)]:
        row = minimum_detectable_effect(20000, share / 100, base_rate=0.05)
        assert f"{share}%  {n1:>9}  {n0:>9}  {100 * row:.2f} points" in out

    main(["--population", "20000", "--holdout", "0.1", "--sd", "120"])
    assert "minimum detectable effect: 7.924 per customer" in capsys.readouterr().out

    main(["--mde", "0.01", "--holdout", "0.1", "--base-rate", "0.05"])
    needed = required_population(0.01, 0.1, base_rate=0.05)
    n1, n0 = group_sizes(needed, 0.1)
    assert f"required population {needed}: {n1} treated, {n0} in the holdout" in \
        capsys.readouterr().out

    main(["--population", "12", "--holdout", "0.5", "--base-rate", "0.3"])
    out = capsys.readouterr().out
    assert "     5%  population too small: no lift" in out and "    50%          6" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--population", "20000", "--holdout", "1.5", "--base-rate", "0.05"],
        ["--population", "20000", "--base-rate", "1.2"],
        ["--population", "20000", "--base-rate", "0.05", "--sd", "3"],
        ["--population", "3", "--base-rate", "0.05"],
        ["--mde", "-0.01", "--base-rate", "0.05"],
        ["--population", "lots", "--base-rate", "0.05"],
        ["--base-rate", "0.05"],
        ["--mde", "1e-200", "--sd", "1"],
    ],
)
def test_the_cli_rejects_bad_arguments_with_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "journeysim-power: error:" in capsys.readouterr().err


def test_the_cli_process_exits_2_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.experiment.power", "--population", "20000",
         "--holdout", "0", "--base-rate", "0.05"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "journeysim-power: error: the holdout share must lie in (0, 1), got 0.0"
    )
