"""One pass of one combined matcher per file, then exact signatures on the matched lines only.

The prefilter (connectors/code/prefilter.py) finds every occurrence of every catalogue keyword
in the raw bytes. Only lines holding a keyword are decoded and run through the signatures of
those keywords; what a distinct line yields is remembered, as it does not depend on the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from connectors.code.prefilter import make_prefilter
from discovery.code.hits import RawHit
from discovery.code.noise import ProseTracker, comment_start
from discovery.code.secrets import key_looks_real
from discovery.models import Confidence
from discovery.redact import excerpt, secret_fingerprint
from discovery.code.catalogue import Signature, SignatureCatalogue

LONG_LINE = 4096  # longer lines (minified code, data blobs) are read in windows around each hit
WINDOW = 512
EVIDENCE_CONTEXT = 100
SHORT_EVIDENCE_KEPT = 8192


# Only text that could hold a secret goes through the full redaction (a dozen regexes); the
# check is a superset of every shape discovery.redact replaces.
_MAYBE_SECRET = re.compile(r"(?i)sk-|hf_|aiza|gsk_|r8_|pplx-|xai-|akia|asia|bearer|api|secret|token|passw|access")
_MAYBE_SECRET_WORDS = ("sk-", "hf_", "aiza", "gsk_", "r8_", "pplx-", "xai-", "akia", "asia", "bearer", "api", "secret",
                       "token", "passw", "access")
EVIDENCE_LIMIT = 2 * EVIDENCE_CONTEXT + 40


def _maybe_secret(text: str) -> bool:
    """_MAYBE_SECRET.search(text), without the slow case-insensitive regex on ASCII text."""
    if text.isascii():
        lowered = text.lower()
        return any(word in lowered for word in _MAYBE_SECRET_WORDS)
    return _MAYBE_SECRET.search(text) is not None


def _evidence(text: str, match: re.Match[str], secret: bool) -> str:
    if secret:
        text = text[: match.start()] + secret_fingerprint(match.group(0)) + text[match.end():]
    if len(text) > EVIDENCE_LIMIT:
        start = max(0, match.start() - EVIDENCE_CONTEXT)
        text = text[start: match.start() + EVIDENCE_CONTEXT + 40]
    return _line_evidence(text)


def _line_evidence(text: str) -> str:
    if _maybe_secret(text):
        return excerpt(text, limit=EVIDENCE_LIMIT)
    text = text.strip().replace("\t", " ")
    return text if len(text) <= EVIDENCE_LIMIT else text[: EVIDENCE_LIMIT - 1] + "…"


SINGLE_TRIPLE_QUOTE = "'''"
_CAPTURED_ATTRIBUTES = ("receiver", "receiver2", "resource", "image", "service", "var")
# Distinct lines remembered (with what their signatures found), and their bytes, in all scopes:
# past either, all are forgotten, so a tree of long distinct lines cannot grow the memory.
LINES_KEPT = 32768
LINE_BYTES_KEPT = 8_000_000


class _LineMatch:
    """One signature's match in a line, with what follows from the line alone (the comment
    check, the groups, the key check); what depends on the file (prose, repeats) is left to match."""

    __slots__ = ("text", "position", "signature", "match", "commented", "byte_offset", "repeat_key", "fake_key",
                 "model", "fingerprint", "attributes", "providers", "_evidence")

    def __init__(self, text: str, position: int, signature: Signature, match: re.Match[str], scope: str,
                 ascii_only: bool) -> None:
        self.text, self.position, self.signature, self.match = text, position, signature, match
        self.commented = not signature.in_comments and comment_start(text, scope, limit=position) is not None
        self.byte_offset = position if ascii_only else len(text[:position].encode("utf-8", "replace"))
        groups = match.groupdict()
        self.model = groups.get("model")
        self.repeat_key = None
        if signature.detector is None and signature.kind != "secret":
            self.repeat_key = (signature.id, self.model if "model" in signature.regex.groupindex else None,
                               match.group(signature.provider_group) if signature.provider_group else None)
        attributes: dict[str, str | int | float | bool] = {k: v for k in _CAPTURED_ATTRIBUTES if (v := groups.get(k))}
        self.fake_key = False
        self.fingerprint = None
        if signature.kind == "secret":
            self.fake_key = not key_looks_real(match.group(0), text)
            if not self.fake_key:
                self.fingerprint = secret_fingerprint(match.group(0))
                attributes["key_fingerprint"] = self.fingerprint
                attributes["secret_exposed"] = True
        if signature.package:
            attributes["package"] = signature.package
        if signature.marker:
            attributes["marker"] = True
        self.attributes = attributes
        self.providers = signature.providers_for(match)
        self._evidence: str | None = None

    def evidence(self, describe: Callable[[str, re.Match[str], bool], str]) -> str:
        if self._evidence is None:
            self._evidence = describe(self.text, self.match, self.fingerprint is not None)
        return self._evidence


class _Line:
    __slots__ = ("invalid_utf8", "matches")

    def __init__(self, invalid_utf8: bool, matches: tuple[_LineMatch, ...]) -> None:
        self.invalid_utf8, self.matches = invalid_utf8, matches


class MatchEngine:
    """Matches one file's bytes against the catalogue. Create once per process."""

    def __init__(self, catalogue: SignatureCatalogue, prefilter: str = "auto") -> None:
        self.catalogue = catalogue
        # Beside the keywords, the prefilter finds `'''` (rare, and no keyword holds it): a Python
        # file without one need not be searched for it when a match is checked against docstrings.
        self.prefilter = make_prefilter((*catalogue.keywords, SINGLE_TRIPLE_QUOTE), prefilter)
        self._quote_index = len(catalogue.keywords)
        self._by_scope: dict[tuple[str, bool], tuple[tuple[Signature, ...], ...]] = {}
        self._settles: dict[tuple[str, bool], list[frozenset[str] | None | bool]] = {}
        self._short_evidence: dict[str, str] = {}  # line -> evidence: import lines repeat from file to file
        self._lines: dict[tuple[str, bool], dict[bytes, _Line]] = {}
        self._lines_kept = [0, 0]  # lines, bytes

    def _describe(self, text: str, match: re.Match[str], secret: bool) -> str:
        if secret or len(text) > EVIDENCE_LIMIT:
            return _evidence(text, match, secret)
        found = self._short_evidence.get(text)  # a short line's evidence depends on the line alone
        if found is None:
            if len(self._short_evidence) >= SHORT_EVIDENCE_KEPT:
                self._short_evidence.clear()
            found = self._short_evidence[text] = _line_evidence(text)
        return found

    def _keyword_signatures(self, scope: str, leads: bool = True) -> tuple[tuple[Signature, ...], ...]:
        """Per keyword, the signatures that apply in scope. Without leads, plain low-confidence
        signatures are left out: in tests and docs their hits would be dropped anyway."""
        table = self._by_scope.get((scope, leads))
        if table is None:
            sigs = self.catalogue.signatures

            def wanted(sig: Signature) -> bool:
                if scope not in sig.scopes:
                    return False
                return leads or sig.confidence != Confidence.LOW or sig.detector is not None or sig.kind == "secret"

            table = tuple(
                tuple(sigs[i] for i in indices if wanted(sigs[i])) for indices in self.catalogue.signatures_by_keyword
            )
            self._by_scope[(scope, leads)] = table
        return table

    def _settling(self, scope: str, leads: bool) -> list[frozenset[str] | None | bool]:
        """Per keyword, filled in on first use (settling compiles the signatures' regexes): the ids
        of its signatures when every one of them settles (see match), else None. Such a keyword is
        settled in a file once all those ids have fired there."""
        found = self._settles.get((scope, leads))
        if found is None:
            found = self._settles[(scope, leads)] = [False] * len(self.catalogue.keywords)
        return found

    def _spans(self, data: bytes, table: tuple[tuple[Signature, ...], ...]
               ) -> tuple[dict[tuple[int, int], set[int]], set[tuple[int, int]], bool]:
        """Keyword occurrences grouped by line (or by window, on very long lines), the windows, and
        whether the data holds `'''`."""
        spans: dict[tuple[int, int], set[int]] = {}
        windows: set[tuple[int, int]] = set()
        quote, quoted = self._quote_index, False
        line_start, line_end = -1, -1
        current: set[int] | None = None
        rfind, find, size = data.rfind, data.find, len(data)
        for keyword, end in self.prefilter.scan(data):
            if keyword >= quote or not table[keyword]:
                quoted = quoted or keyword == quote
                continue
            at = end - 1
            if current is not None and line_start <= at < line_end:
                current.add(keyword)
                continue
            line_start = rfind(b"\n", 0, at) + 1
            line_end = find(b"\n", at)
            if line_end < 0:
                line_end = size
            if line_end - line_start > LONG_LINE:
                span = (max(line_start, end - WINDOW), min(line_end, end + WINDOW))
                spans.setdefault(span, set()).add(keyword)
                windows.add(span)
                current = None  # long lines are windowed per occurrence
                continue
            current = spans.get((line_start, line_end))
            if current is None:
                current = spans[(line_start, line_end)] = set()
            current.add(keyword)
        return spans, windows, quoted

    def _line(self, raw: bytes, scope: str, candidates: Iterable[Signature]) -> _Line:
        """What a line's signatures find in it, with everything that depends on the line alone."""
        try:
            text = raw.decode("utf-8")
            invalid_utf8 = False
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            invalid_utf8 = True
        ascii_only = raw.isascii()  # then a character offset is a byte offset
        text = text.rstrip("\r")
        found = [(m.start(), sig, m) for sig in candidates for m in sig.regex.finditer(text)]
        if len(found) > 1:
            found.sort(key=lambda item: item[0])
        return _Line(invalid_utf8, tuple(_LineMatch(text, position, signature, match, scope, ascii_only)
                                         for position, signature, match in found))

    def match(self, data: bytes, scope: str, leads: bool = True) -> tuple[list[RawHit], bool]:
        """Hits in the file and whether any matched line held invalid UTF-8."""
        table = self._keyword_signatures(scope, leads)
        spans, windows, quoted = self._spans(data, table)
        if not spans:
            return [], False
        settles = self._settling(scope, leads)
        # What a line yields depends on its bytes, scope and leads alone; lines repeat across files
        # (imports, fixtures, cassettes), so each distinct line is matched once per process.
        lines = self._lines.get((scope, leads))
        if lines is None:
            lines = self._lines[(scope, leads)] = {}
        hits: list[RawHit] = []
        invalid_utf8 = False
        prose: ProseTracker | None = None
        newline_count, counted_to = 0, 0
        described: set[tuple[str, str | None, str | None]] = set()
        # Once every signature a keyword can fire has fired in this file, and none of them
        # carries per-line data (a model, a key, a detector), further lines with only settled
        # keywords cannot add an observation: skip them. Import-heavy files become cheap.
        fired: set[str] = set()
        settled: set[int] = set()
        # A repeat of (signature, model, provider) in a file only adds to the first hit's count,
        # as fold_repeats would later: model-id lists in SDK sources repeat thousands of times.
        repeats: dict[tuple[str, str | None, str | None], list[RawHit]] = {}
        for (start, stop), keywords in spans.items():
            if settled and keywords <= settled:
                continue
            raw = data[start:stop]
            # A window of a very long line holds the keywords found around one place, not all of
            # its own: only whole lines are remembered.
            whole = not windows or (start, stop) not in windows
            line = lines.get(raw) if whole else None
            if line is None:
                if len(keywords) == 1:
                    candidates: Iterable[Signature] = table[next(iter(keywords))]
                else:
                    candidates = {sig.id: sig for keyword in keywords for sig in table[keyword]}.values()
                line = self._line(raw, scope, candidates)
                if whole:
                    kept = self._lines_kept
                    if kept[0] >= LINES_KEPT or kept[1] >= LINE_BYTES_KEPT:
                        for remembered in self._lines.values():
                            remembered.clear()
                        kept[0] = kept[1] = 0
                    lines[raw] = line
                    kept[0] += 1
                    kept[1] += stop - start
            if line.invalid_utf8:
                invalid_utf8 = True
            if not line.matches:
                continue
            line_number = 0  # counted when a hit needs it: most matches only repeat earlier ones
            for found in line.matches:
                signature = found.signature
                if not signature.in_comments:
                    if found.commented:
                        continue
                    if prose is None:
                        prose = ProseTracker(data, scope, single_quotes=quoted)
                    if prose and prose.inside(start + found.byte_offset):
                        continue
                repeat_key = found.repeat_key
                if repeat_key is not None:
                    earlier = repeats.get(repeat_key)
                    if earlier is not None:
                        for hit in earlier:
                            hit.count += 1
                        continue
                if found.fake_key:
                    continue  # a rule, placeholder or example shaped like a key
                # Repeats of one signal in a file become one observation: describe the first.
                first = (signature.id, found.model, found.fingerprint)
                evidence = ""
                if first not in described:
                    described.add(first)
                    evidence = found.evidence(self._describe)
                fired.add(signature.id)
                if not line_number:
                    if start < counted_to:  # spans come in file order except around very long lines
                        newline_count, counted_to = 0, 0
                    newline_count += data.count(b"\n", counted_to, start)
                    counted_to = start
                    line_number = newline_count + 1
                made = [  # positional, in RawHit's field order: keywords cost more per hit
                    # The kind leads the attributes, as in the observation they become (see _observations).
                    RawHit(signature.id, provider, category, signature.kind, signature.confidence, line_number,
                           evidence, found.model, {"kind": signature.kind, **found.attributes}, signature.detector,
                           start + found.position)
                    for provider, category in found.providers
                ]
                hits.extend(made)
                if repeat_key is not None:
                    repeats[repeat_key] = made
            for keyword in keywords:
                if keyword in settled:
                    continue
                settling = settles[keyword]
                if settling is False:
                    signatures = table[keyword]
                    settling = settles[keyword] = (
                        frozenset(sig.id for sig in signatures) if all(sig.settles for sig in signatures) else None)
                if settling is not None and fired.issuperset(settling):
                    settled.add(keyword)
        return hits, invalid_utf8

    def match_line(self, line: str, scope: str) -> list[RawHit]:
        """One line as if it were a whole file (the catalogue examples use this)."""
        return self.match(line.encode("utf-8"), scope)[0]
