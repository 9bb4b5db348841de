"""journeysim: simulate post-purchase expansion journeys on a synthetic customer population."""

__version__ = "0.1.0"
