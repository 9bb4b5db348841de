"""How a customer responds to a message: delivery, attention, click, unsubscribe, conversion.

For a send on channel c to customer i with channel fatigue F_ic (before this message):

    P(delivered)          = d_c                      (in-app: d_c * usage depth, the chance
                                                      the customer is in the product to see it)
    P(opened | delivered) = a_c * exp(-alpha * F_ic)
    P(clicked | opened)   = k_c
    P(unsubscribe | delivered) = min(1, s_c * exp(sigma * F_ic))

A delivered message adds w_c to F_ic. A clicked offer converts with the logit

    logit P = beta_0 + appeal + beta_n * need + beta_r * (depth - 0.5)
              - beta_p * (MRR_new - MRR_old) / MRR_old - beta_f * F_i - beta_o * pressure_i,

need = clip(utilisation - 0.8, -1, 1) for offers that add seats, else 0, F_i the fatigue
summed over channels and pressure_i the decayed count of offers delivered recently.
"""

from __future__ import annotations

import numpy as np

from journeysim.channels import CHANNELS
from journeysim.config.schema import OfferResponse, ResponseConfig

IN_APP = CHANNELS.index("in_app")


def channel_table(cfg: ResponseConfig, name: str) -> np.ndarray:
    """One response parameter for every channel, in channel order."""
    return np.array([getattr(getattr(cfg.channels, ch), name) for ch in CHANNELS])


def delivery_probability(cfg: ResponseConfig, channel: np.ndarray,
                         depth: np.ndarray) -> np.ndarray:
    """P(delivered) of each send."""
    p = channel_table(cfg, "delivery")[channel]
    return np.where(channel == IN_APP, p * depth, p)


def attention_probability(cfg: ResponseConfig, channel: np.ndarray,
                          fatigue: np.ndarray) -> np.ndarray:
    """P(opened or viewed | delivered)."""
    return channel_table(cfg, "attention")[channel] * np.exp(-cfg.attention_fatigue * fatigue)


def unsubscribe_probability(cfg: ResponseConfig, channel: np.ndarray,
                            fatigue: np.ndarray) -> np.ndarray:
    """P(unsubscribe from the channel | delivered)."""
    rate = channel_table(cfg, "unsubscribe")[channel] * np.exp(cfg.unsubscribe_fatigue * fatigue)
    return np.minimum(1.0, rate)


def conversion_probability(cfg: OfferResponse, appeal: float, need: np.ndarray,
                           depth: np.ndarray, price_increase: np.ndarray,
                           fatigue: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """P(convert | clicked the offer), the logit of the module docstring."""
    z = (cfg.intercept + appeal + cfg.need_effect * need + cfg.readiness_effect * (depth - 0.5)
         - cfg.price_effect * price_increase - cfg.fatigue_effect * fatigue
         - cfg.pressure_effect * pressure)
    return 1.0 / (1.0 + np.exp(-z))


def seat_need(utilization: np.ndarray) -> np.ndarray:
    """The need term of an offer that adds seats: clip(utilisation - 0.8, -1, 1)."""
    return np.clip(utilization - 0.8, -1.0, 1.0)
