"""One pass of one combined matcher per file, then exact signatures on the matched lines only.

The prefilter finds every occurrence of every catalogue keyword (case-insensitive) in the raw
bytes. Hyperscan does this at memory speed when its wheel is installed; otherwise a single
compiled `re` alternation over the lower-cased bytes does the same, several times slower.
Only lines holding a keyword are decoded and run through the signatures of those keywords.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from discovery.code_hits import RawHit
from discovery.code_noise import ProseRanges, comment_start
from discovery.redact import excerpt, secret_fingerprint
from discovery.signature_catalogue import Signature, SignatureCatalogue

LONG_LINE = 4096  # longer lines (minified code, data blobs) are read in windows around each hit
WINDOW = 512
EVIDENCE_CONTEXT = 100


class RePrefilter:
    """Pure-Python fallback: one alternation over the lower-cased bytes."""

    name = "re"

    def __init__(self, keywords: Sequence[str]) -> None:
        lowered = [k.lower().encode() for k in keywords]
        self._index = {k: i for i, k in enumerate(lowered)}
        # Longest first so `sk-ant-` wins over `sk-` at the same spot; shorter keywords found
        # inside the winner (which the alternation consumed) are added back through _contained.
        ordered = sorted(self._index, key=len, reverse=True)
        self._regex = re.compile(b"|".join(re.escape(k) for k in ordered))
        self._contained = {
            k: tuple(self._index[p] for p in lowered if p != k and p in k) for k in lowered
        }

    def scan(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for match in self._regex.finditer(data.lower()):
            token = match.group(0)
            end = match.end()
            found.append((self._index[token], end))
            for inner in self._contained[token]:
                found.append((inner, end))
        return found


class HyperscanPrefilter:
    """Hyperscan literal matching: every occurrence of every keyword, case-insensitively."""

    name = "hyperscan"

    def __init__(self, keywords: Sequence[str]) -> None:
        import hyperscan  # optional compiled dependency

        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        expressions = [k.encode() for k in keywords]
        self._db.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[hyperscan.HS_FLAG_CASELESS] * len(expressions),
            literal=True,
        )
        self._scratch = hyperscan.Scratch(self._db)

    def scan(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        append = found.append

        def on_match(keyword: int, _start: int, end: int, _flags: int, _context: object) -> None:
            append((keyword, end))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        return found


def make_prefilter(keywords: Sequence[str], prefer: str = "auto") -> RePrefilter | HyperscanPrefilter:
    if prefer in ("auto", "hyperscan"):
        try:
            return HyperscanPrefilter(keywords)
        except Exception:  # wheel missing or unsupported CPU: the tool still works, slower
            if prefer == "hyperscan":
                raise
    return RePrefilter(keywords)


def _line_bounds(data: bytes, end: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, end) + 1
    stop = data.find(b"\n", end)
    return start, len(data) if stop < 0 else stop


def _evidence(text: str, match: re.Match[str], secret: bool) -> str:
    if secret:
        text = text[: match.start()] + secret_fingerprint(match.group(0)) + text[match.end():]
    if len(text) > 2 * EVIDENCE_CONTEXT + 40:
        start = max(0, match.start() - EVIDENCE_CONTEXT)
        text = text[start: match.start() + EVIDENCE_CONTEXT + 40]
    return excerpt(text, limit=2 * EVIDENCE_CONTEXT + 40)


_CAPTURED_ATTRIBUTES = ("receiver", "receiver2", "resource", "image", "service", "var")


class MatchEngine:
    """Matches one file's bytes against the catalogue. Create once per process."""

    def __init__(self, catalogue: SignatureCatalogue, prefilter: str = "auto") -> None:
        self.catalogue = catalogue
        self.prefilter = make_prefilter(catalogue.keywords, prefilter)
        self._by_scope: dict[str, tuple[tuple[Signature, ...], ...]] = {}

    def _keyword_signatures(self, scope: str) -> tuple[tuple[Signature, ...], ...]:
        table = self._by_scope.get(scope)
        if table is None:
            sigs = self.catalogue.signatures
            table = tuple(
                tuple(sigs[i] for i in indices if scope in sigs[i].scopes)
                for indices in self.catalogue.signatures_by_keyword
            )
            self._by_scope[scope] = table
        return table

    def match(self, data: bytes, scope: str) -> tuple[list[RawHit], bool]:
        """Hits in the file and whether any matched line held invalid UTF-8."""
        occurrences = self.prefilter.scan(data)
        if not occurrences:
            return [], False
        table = self._keyword_signatures(scope)
        # Group keyword occurrences by line (or by window, on very long lines).
        spans: dict[tuple[int, int], set[int]] = {}
        line_start, line_end = -1, -1
        for keyword, end in sorted(occurrences, key=lambda item: item[1]):
            if not table[keyword]:
                continue
            if not (line_start <= end - 1 < line_end) or line_end - line_start > LONG_LINE:
                line_start, line_end = _line_bounds(data, end - 1)
                if line_end - line_start > LONG_LINE:
                    span = (max(line_start, end - WINDOW), min(line_end, end + WINDOW))
                    spans.setdefault(span, set()).add(keyword)
                    continue
            spans.setdefault((line_start, line_end), set()).add(keyword)
        if not spans:
            return [], False

        hits: list[RawHit] = []
        invalid_utf8 = False
        prose: ProseRanges | None = None
        newline_count, counted_to = 0, 0
        for (start, stop), keywords in sorted(spans.items()):
            candidates: dict[str, Signature] = {}
            for keyword in keywords:
                for signature in table[keyword]:
                    candidates[signature.id] = signature
            raw = data[start:stop]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", errors="replace")
                invalid_utf8 = True
            text = text.rstrip("\r")
            comment_at: int | None = -1
            line_hits: list[tuple[Signature, re.Match[str]]] = []
            for signature in candidates.values():
                for match in signature.regex.finditer(text):
                    line_hits.append((signature, match))
            if not line_hits:
                continue
            newline_count += data.count(b"\n", counted_to, start)
            counted_to = start
            for signature, match in line_hits:
                if not signature.in_comments:
                    if comment_at == -1:
                        comment_at = comment_start(text, scope)
                    if comment_at is not None and match.start() >= comment_at:
                        continue
                    if prose is None:
                        prose = ProseRanges.of(data, scope)
                    if prose and (start + len(text[: match.start()].encode("utf-8", "replace"))) in prose:
                        continue
                groups = match.groupdict()
                attributes: dict[str, str | int | float | bool] = {
                    k: v for k in _CAPTURED_ATTRIBUTES if (v := groups.get(k))
                }
                if signature.kind == "secret":
                    attributes["key_fingerprint"] = secret_fingerprint(match.group(0))
                    attributes["secret_exposed"] = True
                if signature.package:
                    attributes["package"] = signature.package
                evidence = _evidence(text, match, signature.kind == "secret")
                for provider, category in signature.providers_for(match):
                    hits.append(
                        RawHit(
                            signal=signature.id,
                            provider=provider,
                            category=category,
                            kind=signature.kind,
                            confidence=signature.confidence,
                            line=newline_count + 1,
                            evidence=evidence,
                            model=groups.get("model"),
                            attributes=dict(attributes),
                            detector=signature.detector,
                            offset=start + match.start(),
                        )
                    )
        return hits, invalid_utf8

    def match_line(self, line: str, scope: str) -> list[RawHit]:
        """One line as if it were a whole file (the catalogue examples use this)."""
        return self.match(line.encode("utf-8"), scope)[0]
