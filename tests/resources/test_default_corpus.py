"""Checks on the hand-written default corpus shipped in ``cselab.resources``."""

import re
from collections import Counter
from importlib.resources import files

import pytest

CORPUS = files("cselab.resources").joinpath("default_corpus.txt")

# Content words the corpus was designed to repeat in many contexts (for self-similarity).
CONTENT_WORDS = [
    "dog",
    "cat",
    "coffee",
    "tea",
    "piano",
    "guitar",
    "rain",
    "train",
    "book",
    "house",
    "water",
    "ball",
    "phone",
    "onion",
    "chair",
    "fire",
    "hat",
    "run",
    "read",
    "bank",
    "light",
    "key",
    "door",
    "car",
    "bread",
    "window",
    "table",
    "letter",
    "river",
    "tree",
    "school",
    "game",
    "paper",
    "song",
    "apple",
    "cup",
    "road",
    "bird",
    "clock",
    "plant",
]
FUNCTION_WORDS = [
    "the",
    "a",
    "is",
    "was",
    "of",
    "to",
    "and",
    "in",
    "on",
    "with",
    "that",
    "for",
    "has",
    "have",
    "are",
    "been",
    "while",
]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    assert CORPUS.is_file(), "default_corpus.txt is missing from cselab.resources"
    return CORPUS.read_text(encoding="utf-8").split("\n")[:-1]  # file ends with one newline


def words_of(line: str) -> set[str]:
    return set(re.findall(r"[a-z]+(?:'[a-z]+)?", line.lower()))


def test_file_ends_with_single_newline() -> None:
    text = CORPUS.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_line_count_in_range(lines: list[str]) -> None:
    assert 360 <= len(lines) <= 420, len(lines)


def test_no_empty_or_padded_lines(lines: list[str]) -> None:
    bad = [i + 1 for i, line in enumerate(lines) if not line.strip() or line != line.strip()]
    assert bad == []


def test_no_duplicates(lines: list[str]) -> None:
    counts = Counter(line.lower() for line in lines)
    assert [line for line, n in counts.items() if n > 1] == []


def test_every_line_ends_with_terminal_punctuation(lines: list[str]) -> None:
    assert [line for line in lines if line[-1] not in ".?!"] == []


def test_sentence_lengths_are_5_to_20_words(lines: list[str]) -> None:
    assert [line for line in lines if not 5 <= len(line.split()) <= 20] == []


def test_at_least_30_content_words_recur_in_6_lines(lines: list[str]) -> None:
    per_word = {w: sum(w in words_of(line) for line in lines) for w in CONTENT_WORDS}
    frequent = [w for w, n in per_word.items() if n >= 6]
    assert len(frequent) >= 30, per_word


def test_function_words_recur(lines: list[str]) -> None:
    per_word = {w: sum(w in words_of(line) for line in lines) for w in FUNCTION_WORDS}
    assert min(per_word.values()) >= 4, per_word


def test_has_questions_numbers_and_colons(lines: list[str]) -> None:
    assert sum(line.endswith("?") for line in lines) >= 10
    assert sum(":" in line for line in lines) >= 3
    assert (
        sum(bool(re.search(r"\b(one|two|three|four|five|six|ten)\b", line)) for line in lines) >= 10
    )
