"""Does a key-shaped string look like a real, live key, or like a rule, example or fixture? (pure)

Secret scanners, linters and test suites are full of strings shaped like API keys: the regexes
that describe a key, `sk-...` placeholders, `EXAMPLE` keys, keyboard runs. None of them is AI
use and none is a leak. A real key is long (its provider's full length, enforced by the
signature regex), random (high character entropy, no runs or sequences) and sits in a line
that is not describing a pattern or a placeholder.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# Prefixes that carry no randomness; the body after them is what must look random.
_PREFIX = re.compile(r"^(?:sk-ant-(?:api|admin)\d\d-|sk-ant-|sk-(?:proj|svcacct|admin)-|sk-|hf_|gsk_|r8_|pplx-|xai-|AIza)")
PLACEHOLDER_WORDS = ("example", "xxxx", "your", "dummy", "fake", "test", "sample", "placeholder", "redacted",
                     "replace", "insert", "changeme", "secret", "apikey", "api_key", "mock", "notreal", "invalid")
_SEQUENCES = ("01234", "12345", "23456", "34567", "45678", "56789", "abcde", "bcdef", "qwert", "asdfg", "vwxyz")
# A line that describes a key rather than holds one: a regex, a rule, a placeholder.
_DESCRIBING_LINE = re.compile(
    r"(?i)\[[a-z0-9_\\-]+-[a-z0-9_\\-]+\]|\\[wdb]|\{\d+(?:,\d*)?\}|\bregexp?\b|\bpattern\b|re\.compile|Regex\(|"
    r"\bexample\b|\bplaceholder\b|\bredacted\b|\bdummy\b|\bfake\b|\bmock(?:ed)?\b|\bnot[ _-]?a[ _-]?real\b"
)
MIN_ENTROPY = 3.6  # bits per character; random base62 text of 30+ characters is well above 4.5
MAX_RUN = 4  # the same character this many times in a row is a placeholder, not randomness


def entropy(text: str) -> float:
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _has_run(text: str) -> bool:
    run = 1
    for previous, current in zip(text, text[1:]):
        run = run + 1 if current == previous else 1
        if run >= MAX_RUN:
            return True
    return False


def _has_word(body: str, word: str) -> bool:
    return word in body or word.upper() in body or word.capitalize() in body


def key_body(key: str) -> str:
    return _PREFIX.sub("", key, count=1)


def key_looks_real(key: str, line: str = "") -> bool:
    """True when key (the matched string) could be a live credential in this line."""
    body = key_body(key)
    # Placeholders are written in one case (example, EXAMPLE, Example); matching case-blind
    # would reject a random key now and then (a real key holds "aBcDe" by chance).
    if any(_has_word(body, word) for word in (*PLACEHOLDER_WORDS, *_SEQUENCES)):
        return False
    if _has_run(body) or entropy(body) < MIN_ENTROPY:
        return False
    if line and _DESCRIBING_LINE.search(line.replace(key, "")):
        return False
    return True
