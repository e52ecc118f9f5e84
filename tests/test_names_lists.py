"""rules/names.yml: the word lists of the English proper-name proposer are well formed and agree with the gazetteer."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

RULES = Path(__file__).resolve().parents[1] / "rules"
KEYS = ("given_names", "surnames_pinyin", "not_names")
ONE_WORD = re.compile(r"[^\W\d_][^\W\d_]*")


@pytest.fixture(scope="module")
def lists() -> dict[str, list[str]]:
    return yaml.safe_load((RULES / "names.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gazetteer() -> dict[str, str]:
    """Every gazetteer name and alias, lower-cased, mapped to the type of its entity."""
    names = {}
    for path in sorted((RULES / "gazetteer").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entity in data["entities"]:
            for name in [entity["name"], *(entity.get("aliases") or [])]:
                names[str(name).lower()] = data["type"]
    return names


def test_the_three_lists_are_there_and_hold_strings(lists):
    assert set(lists) == set(KEYS)
    for key in KEYS:
        assert isinstance(lists[key], list) and lists[key], key
        assert all(isinstance(entry, str) and entry == entry.strip() and entry for entry in lists[key]), key
    assert len(lists["given_names"]) >= 800
    assert len(lists["surnames_pinyin"]) >= 150
    assert {"Wang", "Li", "Zhang", "Chan", "Wong", "Lee"} <= set(lists["surnames_pinyin"])
    assert {"Denise", "Kevin", "Jensen", "Mark"} <= set(lists["given_names"])
    assert {"U.S.", "Silicon Valley", "Shenzhen", "Monday", "Researchers", "Mr."} <= set(lists["not_names"])


@pytest.mark.parametrize("key", KEYS)
def test_no_entry_is_listed_twice(lists, key):
    counts = Counter(entry.lower() for entry in lists[key])
    assert [entry for entry, n in counts.items() if n > 1] == []


def test_no_entry_is_in_two_lists(lists):
    seen: dict[str, str] = {}
    clashes = []
    for key in KEYS:
        for entry in lists[key]:
            other = seen.setdefault(entry.lower(), key)
            if other != key:
                clashes.append((entry, other, key))
    assert clashes == []


@pytest.mark.parametrize("key", ["given_names", "surnames_pinyin"])
def test_names_are_single_capitalised_words(lists, key):
    bad = [e for e in lists[key] if not (ONE_WORD.fullmatch(e) and e[0].isupper() and e[1:] == e[1:].lower())]
    assert bad == []


def test_not_names_hold_no_gazetteer_name(lists, gazetteer):
    assert [entry for entry in lists["not_names"] if entry.lower() in gazetteer] == []


def test_names_are_no_company_product_or_hardware_name(lists, gazetteer):
    """A given name or surname that names a non-person entity (Sora, Harvey, Wan) would make persons of products."""
    clashes = [(entry, gazetteer[entry.lower()]) for key in ("given_names", "surnames_pinyin") for entry in lists[key]
               if gazetteer.get(entry.lower(), "Person") != "Person"]
    assert clashes == []
