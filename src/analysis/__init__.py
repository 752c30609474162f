"""Reproducible customer analytics: 80/20, customer lifetime value, retention, case-study reports."""

__version__ = "0.1.0"
