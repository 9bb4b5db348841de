"""Governance: caps, suppression, cooldowns, quiet days, consent, holdouts, arbitration."""
