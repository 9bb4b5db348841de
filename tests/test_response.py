"""Message response: the email defaults reproduce the published benchmark rates per send."""

from __future__ import annotations

import numpy as np

from journeysim.behavior import response
from journeysim.channels import CHANNELS
from journeysim.config.schema import ResponseConfig
from journeysim.rng import keyed_uniforms

EMAIL = CHANNELS.index("email")


def test_email_funnel_per_send_matches_the_benchmarks() -> None:
    """Open 21-23%, click 2.6-2.9%, unsubscribe 0.2-0.25% per send at zero fatigue."""
    n, cfg = 400_000, ResponseConfig()
    ids, channel, fatigue = np.arange(n), np.full(n, EMAIL), np.zeros(n)
    delivered = keyed_uniforms(1, "deliver", ids, 1) < response.delivery_probability(
        cfg, channel, np.ones(n))
    opened = delivered & (keyed_uniforms(1, "open", ids, 1)
                          < response.attention_probability(cfg, channel, fatigue))
    clicked = opened & (keyed_uniforms(1, "click", ids, 1)
                        < response.channel_table(cfg, "click")[channel])
    unsubscribed = delivered & (keyed_uniforms(1, "unsubscribe", ids, 1)
                                < response.unsubscribe_probability(cfg, channel, fatigue))
    for observed, low, high in ((opened.mean(), 0.21, 0.23), (clicked.mean(), 0.026, 0.029),
                                (unsubscribed.mean(), 0.0020, 0.0025)):
        se = np.sqrt(observed * (1 - observed) / n)
        assert low - 3 * se <= observed <= high + 3 * se, (observed, low, high)


def test_fatigue_lowers_attention_and_raises_unsubscribes_exponentially() -> None:
    cfg, channel = ResponseConfig(), np.array([EMAIL, EMAIL])
    fatigue = np.array([0.0, 4.0])
    attention = response.attention_probability(cfg, channel, fatigue)
    unsubscribe = response.unsubscribe_probability(cfg, channel, fatigue)
    assert np.isclose(attention[1] / attention[0], np.exp(-cfg.attention_fatigue * 4))
    assert np.isclose(unsubscribe[1] / unsubscribe[0], np.exp(cfg.unsubscribe_fatigue * 4))


def test_conversion_logit_moves_the_right_way() -> None:
    cfg = ResponseConfig().offer
    base = dict(appeal=0.0, need=np.zeros(1), depth=np.full(1, 0.5),
                price_increase=np.zeros(1), fatigue=np.zeros(1), pressure=np.zeros(1))
    p0 = response.conversion_probability(cfg, **base)[0]
    assert np.isclose(p0, 1 / (1 + np.exp(-cfg.intercept)))
    for key, value, direction in (("need", 0.5, 1), ("depth", 0.9, 1), ("price_increase", 0.5, -1),
                                  ("fatigue", 3.0, -1), ("pressure", 2.0, -1)):
        p = response.conversion_probability(cfg, **{**base, key: np.full(1, value)})[0]
        assert np.sign(p - p0) == direction, key
