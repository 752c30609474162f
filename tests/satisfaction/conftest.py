"""The ECSI mobile-phone survey (read from ../shared, never copied into the project) and its model."""

from __future__ import annotations

import pandas as pd
import pytest

ECSI_BLOCKS = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}
ECSI_PATHS = [
    ("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
    ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
    ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
]


@pytest.fixture(scope="session")
def ecsi_path(shared_dataset):
    return shared_dataset("satisfaction/ecsi_mobile_phone.csv")


@pytest.fixture(scope="session")
def ecsi(ecsi_path):
    return pd.read_csv(ecsi_path)
