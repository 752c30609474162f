"""The case study chapter: the claims the study's numbers support (``analysis.narrative.claims``)."""
