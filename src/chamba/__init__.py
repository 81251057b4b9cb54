"""Chamba: connects people in Peru with work and the training that leads to better work."""

__version__ = "0.1.0"
