"""The messaging channels every customer has a consent flag and a fatigue stock for."""

CHANNELS: tuple[str, ...] = ("email", "in_app", "sms", "push")
"""Channel names, in the column order used by every per-channel array."""
