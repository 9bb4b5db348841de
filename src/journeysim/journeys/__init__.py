"""Journeys: the journey language, its compilation and execution."""
