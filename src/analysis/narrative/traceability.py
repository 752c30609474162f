"""Check that every number in the report's text comes from results.json.

Numbers are found in the prose (code spans, tables, figure paths and the YAML header are left out:
tables are written from the saved CSV files, and the header holds no findings), then matched
against every number in results.json formatted the ways the narrative formats numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

NUMBER = re.compile(r"(?<![\w.])[−-]?\$?\d(?:[\d,]*\d)?(?:\.\d+)?%?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Numbers that are part of names, not findings: the rule's name, the CI level, the course's rules
# of thumb, Kaplan & Cooper's whale-curve range, the p-value floor (< 0.001) and chance (AUC 0.5).
CONSTANTS = {"80/20", "80/20/30", "95%", "150", "300%", "150–300%", "2", "1", "0.0001", "80%",
             "20%", "30%", "73%", "67%", "10", "2017", "2019", "2009", "2005", "2005a", "2005b", "1987",
             "2007", "1983", "1998", "2010", "10%", "0.01", "0", "7", "8", "12", "0.001", "0.5"}


def leaves(results: Any) -> Iterable[Any]:
    """Every scalar in a nested results structure."""
    if isinstance(results, dict):
        for value in results.values():
            yield from leaves(value)
    elif isinstance(results, list):
        for value in results:
            yield from leaves(value)
    else:
        yield results


def numbers_in_results(results: Any) -> Iterable[float]:
    return (float(v) for v in leaves(results) if isinstance(v, (int, float)) and not isinstance(v, bool))


def formatted_forms(value: float) -> set[str]:
    forms = set()
    for digits in range(5):
        for scaled, suffix in ((value, ""), (100 * value, "%"), (100 * value, ""), (abs(100 * value), "%"),
                               (1 - value, "%"), (100 * (1 - value), ""), (100 * (1 - value), "%")):
            text = f"{scaled:,.{digits}f}{suffix}"
            forms.add(text)
            forms.add(text.replace("-", "−"))
            forms.add("$" + f"{abs(scaled):,.{digits}f}")
            forms.add("−$" + f"{abs(scaled):,.{digits}f}")
    return forms


def prose(markdown: str) -> str:
    """The text a reader reads: without YAML header, code spans, tables, images and link targets."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith("|") and not line.startswith(": "))
    text = re.sub(r"\]\([^)]*\)(\{[^}]*\})?", "]", text)
    text = re.sub(r"\{[#.][^}]*\}", " ", text)
    text = re.sub(r"\\(.)", r"\1", text)  # text from data is backslash-escaped; read it as written
    text = DATE.sub(" ", text)
    text = re.sub(r"(Figure|Table|图|表) \d+", " ", text)  # cross-references, not findings
    return re.sub(r"^\s*\d+\.\s", " ", text, flags=re.MULTILINE)  # list numbering


def untraceable_numbers(markdown: str, results: dict) -> list[str]:
    """Number tokens in the report's prose that no value in ``results`` formats to."""
    allowed = set(CONSTANTS)
    for value in numbers_in_results(results):
        allowed |= formatted_forms(value)
    for text in (v for v in leaves(results) if isinstance(v, str)):  # numbers quoted in text values
        allowed |= set(NUMBER.findall(text))
    text = prose(markdown)
    for constant in ("80/20/30", "80/20", "150–300%"):
        text = text.replace(constant, " ")
    return [token for token in NUMBER.findall(text) if token not in allowed]
