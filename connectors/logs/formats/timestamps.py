"""Fast readers for the fixed time layouts log formats write, each falling back to `strptime`.

`strptime` costs ~10 µs a call (it re-reads its format and locale every time); the layouts below
are fixed, so slicing and `int` read them in ~1 µs. A value that is not exactly the layout's shape
goes to `strptime` as before, so what is accepted and what is rejected does not change: the fast
path only answers for values `strptime` would read the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DAYS = frozenset("mon tue wed thu fri sat sun".split())
CTIME = "%a %b %d %H:%M:%S %Y"
CLF = "%d/%b/%Y:%H:%M:%S %z"


def _digits(text: str) -> bool:
    return text.isdigit() and text.isascii()


def ctime(text: str) -> datetime:
    """`Mon Jun 20 15:29:11 2022` (naive, as strptime returns it). Raises ValueError like strptime."""
    parts = text.split(" ")
    if len(parts) == 6 and parts[2] == "":  # `Jun  5`: ctime pads one-digit days with a space
        parts = [parts[0], parts[1], parts[3], parts[4], parts[5]]
    if len(parts) == 5:
        day_name, month, day, clock, year = parts
        number = _MONTHS.get(month.lower())
        pieces = clock.split(":")
        if (number and day_name.lower() in _DAYS and len(pieces) == 3 and len(year) == 4 and 1 <= len(day) <= 2
                and all(len(p) == 2 and _digits(p) for p in pieces) and _digits(day) and _digits(year)):
            try:
                return datetime(int(year), number, int(day), int(pieces[0]), int(pieces[1]), int(pieces[2]))
            except ValueError:
                pass  # strptime decides (and raises) for out-of-range values
    return datetime.strptime(text, CTIME)


def clf(text: str) -> datetime:
    """The common log format's `10/Oct/2000:13:55:36 -0700`, zone-aware. Raises ValueError like strptime."""
    if (len(text) == 26 and text[2] == "/" and text[6] == "/" and text[11] == ":" and text[14] == ":"
            and text[17] == ":" and text[20] == " " and text[21] in "+-"):
        number = _MONTHS.get(text[3:6].lower())
        fields = (text[0:2], text[7:11], text[12:14], text[15:17], text[18:20], text[22:24], text[24:26])
        if number and all(_digits(f) for f in fields):
            day, year, hour, minute, second, zone_h, zone_m = map(int, fields)
            offset = timedelta(hours=zone_h, minutes=zone_m)
            if zone_m < 60 and offset < timedelta(hours=24):
                try:
                    return datetime(year, number, day, hour, minute, second,
                                    tzinfo=timezone(-offset if text[21] == "-" else offset))
                except ValueError:
                    pass
    return datetime.strptime(text, CLF)


def epoch_seconds(text: str) -> float | None:
    """`1764000000.123` (Squid's native time) as a float, or None for any other shape."""
    if len(text) == 14 and text[10] == "." and _digits(text[:10]) and _digits(text[11:]):
        return float(text)
    return None
