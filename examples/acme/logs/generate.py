#!/usr/bin/env python3
"""Write Acme's example proxy logs and their answer key (stdlib only, deterministic).

    python examples/acme/logs/generate.py

Writes, next to this script:
  squid-access.log   Squid native access.log format
  zscaler-web.json   Zscaler NSS web feed, one JSON object a line
  EXPECTED.md        which (provider, user) pairs a correct scan reports, and what it must not

Every line is invented for this example: the users, addresses and sizes are fictional, and
server addresses come from the documentation ranges (RFC 5737). The expected results are
computed from the same tables that produce the lines, so the key cannot drift from the data.
"""

from __future__ import annotations

import json
import random
import sys
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

HERE = Path(__file__).resolve().parent
SEED = 42_001
START = datetime(2026, 3, 9, tzinfo=timezone.utc)  # Monday
DAYS = 4

from traffic import (  # noqa: E402 - the script runs from its own folder
    AI_HOSTS,
    DECOYS,
    NON_AI,
    SQUID_CLIENTS,
    SQUID_AI,
    SQUID_DECOYS,
    SQUID_TOTAL,
    ZS_DEPT,
    ZS_AI,
    ZS_DECOYS,
    ZS_TOTAL,
    ZS_APP,
    UA_BROWSER,
    UA_MAC,
    UA_CLI,
)



@dataclass
class Event:
    ts: datetime
    user: str
    host: str  # may carry a path for the search decoys
    kind: str  # ai | decoy | other
    allowed: bool = True
    style: str = "connect"
    path: str = "/"
    ctype: str = "text/html"
    method: str = "GET"
    reqsize: int = 0
    upload: bool = False


def server_ip(host: str) -> str:
    h = zlib.crc32(host.encode())
    prefix = ("192.0.2", "198.51.100", "203.0.113")[h % 3]
    return f"{prefix}.{h % 250 + 3}"


def random_time(rng: random.Random) -> datetime:
    day = rng.randrange(DAYS)
    seconds = rng.randrange(8 * 3600, 18 * 3600 + 1800)
    return START + timedelta(days=day, seconds=seconds, milliseconds=rng.randrange(1000))


def ai_path(host: str, rng: random.Random) -> tuple[str, str, str]:
    """(method, path, content type) for a request to an AI host seen in full."""
    if host == "api.openai.com":
        return "POST", rng.choice(["/v1/chat/completions", "/v1/chat/completions", "/v1/embeddings"]), "application/json"
    if host == "api.anthropic.com":
        return "POST", "/v1/messages", "application/json"
    if host == "generativelanguage.googleapis.com":
        return "POST", "/v1beta/models/gemini-1.5-flash:generateContent", "application/json"
    if host == "huggingface.co":
        return "GET", rng.choice(
            ["/distilbert/distilbert-base-uncased/resolve/main/config.json", "/api/models/distilbert/distilbert-base-uncased",
             "/sentence-transformers/all-MiniLM-L6-v2", "/datasets/imdb"]), "application/json"
    if host in ("chatgpt.com", "chat.openai.com"):
        return rng.choice([("GET", "/", "text/html"), ("POST", "/backend-api/conversation", "text/event-stream")])
    return "GET", "/", "text/html"


# --------------------------------------------------------------------------- squid

def squid_events(rng: random.Random) -> list[Event]:
    events: list[Event] = []
    for user, host, n, style, allowed in SQUID_AI:
        for _ in range(n):
            method, path, ctype = ai_path(host, rng) if style == "url" else ("CONNECT", "", "-")
            events.append(Event(random_time(rng), user, host, "ai", allowed, style, path, ctype, method))
    for user, host in SQUID_DECOYS:
        if "/" in host:
            host, _, query = host.partition("/")
            events.append(Event(random_time(rng), user, host, "decoy", True, "url", "/" + query, "text/html"))
        else:
            style = rng.choice(["connect", "url"])
            events.append(Event(random_time(rng), user, host, "decoy", True, style, "/", "text/html",
                                "CONNECT" if style == "connect" else "GET"))
    users = list(SQUID_CLIENTS)
    while len(events) < SQUID_TOTAL - 3:
        host, path, ctype = rng.choice(NON_AI)
        style = "connect" if rng.random() < 0.55 else "url"
        events.append(Event(random_time(rng), rng.choice(users), host, "other", True, style, path, ctype,
                            "CONNECT" if style == "connect" else rng.choice(["GET", "GET", "GET", "POST"])))
    events.sort(key=lambda e: (e.ts, e.user, e.host))
    return events


def squid_line(e: Event, rng: random.Random) -> str:
    stamp = f"{e.ts.timestamp():.3f}"
    elapsed = rng.randrange(20, 60_000) if e.method == "CONNECT" else rng.randrange(5, 4_000)
    client = SQUID_CLIENTS[e.user]
    if not e.allowed:
        code, size, hier, ctype = "TCP_DENIED/403", rng.randrange(3_500, 4_200), "HIER_NONE/-", "text/html"
        elapsed = rng.randrange(0, 3)
    elif e.method == "CONNECT":
        code, size, hier, ctype = "TCP_TUNNEL/200", rng.randrange(2_000, 900_000), f"HIER_DIRECT/{server_ip(e.host)}", "-"
    else:
        code = "TCP_MISS/200"
        if e.method == "GET" and e.kind == "other":
            code = rng.choice(["TCP_MISS/200"] * 6 + ["TCP_REFRESH_UNMODIFIED/304", "TCP_HIT/200"])
        hier = "HIER_NONE/-" if code.startswith("TCP_HIT") else f"HIER_DIRECT/{server_ip(e.host)}"
        size, ctype = rng.randrange(300, 250_000), e.ctype
    if e.method == "CONNECT":
        url = f"{e.host}:443"
    else:
        scheme = "http" if e.kind == "other" and rng.random() < 0.2 else "https"
        url = f"{scheme}://{e.host}{e.path}"
    return f"{stamp} {elapsed:>6} {client} {code} {size} {e.method} {url} {e.user} {hier} {ctype}"


def write_squid(rng: random.Random) -> tuple[list[tuple[int, Event]], list[int]]:
    events = squid_events(rng)
    lines: list[bytes] = [squid_line(e, rng).encode() for e in events]
    numbered: list[tuple[int, Event]] = []
    malformed_at = {74: "truncated", 151: "binary", 233: "empty"}  # 0-based positions after insertion
    out: list[bytes] = []
    it = iter(zip(events, lines))
    malformed_lines: list[int] = []
    while len(out) < SQUID_TOTAL:
        if len(out) in malformed_at:
            kind = malformed_at[len(out)]
            prev = out[-1].split(b" ", 1)[0]
            if kind == "truncated":
                out.append(prev + b"    213 10.20.2.47 TCP_MISS/200 18822 GET https://acme.atlassian.net/wiki/spa")
            elif kind == "binary":
                out.append(b"\x16\x03\x01\x02\x01\x01\x1c\xfc\x03\x03\xa7\x9e\xfe\xff\x1b[2J\xc3\x28 \x80\x81\x7f\x05\x8d")
            else:
                out.append(prev + b"      0 10.20.5.18 /000 0   - HIER_NONE/- ")
            malformed_lines.append(len(out))
            continue
        event, line = next(it)
        out.append(line)
        numbered.append((len(out), event))
    (HERE / "squid-access.log").write_bytes(b"\n".join(out) + b"\n")
    return numbered, malformed_lines


# --------------------------------------------------------------------------- zscaler

def zscaler_events(rng: random.Random) -> list[Event]:
    events: list[Event] = []
    for user, host, n, allowed in ZS_AI:
        for _ in range(n):
            method, path, ctype = ai_path(host, rng)
            events.append(Event(random_time(rng), user, host, "ai", allowed, "url", path, ctype, method,
                                rng.randrange(400, 9_000)))
    # The upload: a large file posted to ChatGPT by a finance user.
    events.append(Event(START + timedelta(days=2, hours=15, minutes=42, seconds=7), "frank", "chatgpt.com", "ai", True,
                        "url", "/backend-api/files", "multipart/form-data", "POST", 4_812_377, upload=True))
    for user, host in ZS_DECOYS:
        host, _, query = host.partition("/")
        events.append(Event(random_time(rng), user, host, "decoy", host != "api.openai.com.login-verify.net", "url",
                            "/" + query, "text/html", "GET", rng.randrange(300, 1_500)))
    users = list(ZS_DEPT)
    while len(events) < ZS_TOTAL - 2:
        host, path, ctype = rng.choice(NON_AI)
        events.append(Event(random_time(rng), rng.choice(users), host, "other", True, "url", path, ctype,
                            rng.choice(["GET", "GET", "GET", "POST"]), rng.randrange(200, 6_000)))
    events.sort(key=lambda e: (e.ts, e.user, e.host))
    return events


def zscaler_record(e: Event, rng: random.Random) -> dict[str, object]:
    app, appclass, urlcat = ZS_APP.get(e.host, ("General Browsing", "General Browsing", "Professional Services"))
    ai = e.kind == "ai"
    blocked = not e.allowed
    if e.host == "api.openai.com":
        ua = UA_CLI["python"]
    elif e.host == "api.githubcopilot.com":
        ua = UA_CLI["vscode"]
    elif e.host == "huggingface.co":
        ua = UA_CLI["hf"]
    else:
        ua = UA_MAC if e.user in ("bob", "grace", "kim") else UA_BROWSER
    n = sorted(ZS_DEPT).index(e.user)
    return {
        "sourcetype": "zscalernss-web",
        "event": {
            "datetime": e.ts.strftime("%a %b %d %H:%M:%S %Y"),
            "login": f"{e.user}@acme.example",
            "dept": ZS_DEPT[e.user],
            "location": "London HQ" if n % 3 else "Remote Users",
            "clientip": f"10.30.{n + 1}.{20 + n * 7}",
            "serverip": server_ip(e.host),
            "proto": "HTTPS",
            "reqmethod": e.method,
            "url": f"{e.host}{e.path}",
            "hostname": e.host,
            "action": "Blocked" if blocked else "Allowed",
            "respcode": "403" if blocked else ("200" if e.method != "GET" else rng.choice(["200"] * 8 + ["204", "304"])),
            "reqsize": str(e.reqsize),
            "respsize": str(rng.randrange(400, 3_000) if blocked else rng.randrange(600, 180_000)),
            "appname": app,
            "appclass": appclass,
            "urlcat": urlcat,
            "urlsupercat": "Information Technology" if ai else "Business and Economy",
            "urlclass": "Bandwidth Intensive" if urlcat == "Streaming Media" else
                        ("Security Risk" if urlcat == "Phishing" else "Business Use"),
            "riskscore": str(rng.randrange(0, 15) if not ai else rng.randrange(20, 60)),
            "rulelabel": ("Block_Unsanctioned_GenAI" if blocked and ai else
                          "Block_Phishing" if blocked else "Default_Allow"),
            "ruletype": "UrlCat" if blocked and not ai else ("CloudApp" if blocked else "None"),
            "dlpeng": "None",
            "filetype": "PDF Documents" if e.upload else "None",
            "contenttype": e.ctype,
            "ua": ua,
            "devicehostname": f"ACME-LT-{1040 + n * 13}",
            "deviceowner": e.user,
        },
    }


def write_zscaler(rng: random.Random) -> tuple[list[tuple[int, Event]], list[int]]:
    events = zscaler_events(rng)
    out: list[str] = []
    numbered: list[tuple[int, Event]] = []
    malformed_lines: list[int] = []
    malformed_at = {48: "truncated", 117: "quote"}
    it = iter(events)
    while len(out) < ZS_TOTAL:
        if len(out) in malformed_at:
            if malformed_at[len(out)] == "truncated":
                out.append('{ "sourcetype" : "zscalernss-web", "event" :{"datetime":"Tue Mar 10 11:02:44 2026",'
                           '"login":"mia@acme.example","dept":"People","url":"acme.sharepoint.com/sites/peo')
            else:  # an unescaped quote inside the user agent, as some agents send them
                out.append('{"sourcetype":"zscalernss-web","event":{"datetime":"Wed Mar 11 09:14:51 2026",'
                           '"login":"noah@acme.example","url":"ctldl.windowsupdate.com/msdownload/",'
                           '"hostname":"ctldl.windowsupdate.com","action":"Allowed","reqmethod":"GET",'
                           '"ua":"UpdateAgent/6.13 (t="b41-77" os="WIN_11_X64")","reqsize":"512"}}')
            malformed_lines.append(len(out))
            continue
        event = next(it)
        out.append(json.dumps(zscaler_record(event, rng), separators=(",", ":")))
        numbered.append((len(out), event))
    (HERE / "zscaler-web.json").write_text("\n".join(out) + "\n", encoding="utf-8")
    return numbered, malformed_lines


# --------------------------------------------------------------------------- answer key

def pair_table(numbered: list[tuple[int, Event]], user_label) -> list[str]:
    pairs: dict[tuple[str, str], dict[str, object]] = {}
    for line_no, e in numbered:
        if e.kind != "ai":
            continue
        key = (AI_HOSTS[e.host], user_label(e.user))
        row = pairs.setdefault(key, {"lines": [], "hosts": set(), "allowed": 0, "blocked": 0})
        row["lines"].append(line_no)  # type: ignore[union-attr]
        row["hosts"].add(e.host)  # type: ignore[union-attr]
        row["allowed" if e.allowed else "blocked"] += 1  # type: ignore[operator]
    rows = ["| provider | user | requests | allowed | blocked | hosts | first line |",
            "|---|---|---:|---:|---:|---|---:|"]
    for (provider, user), row in sorted(pairs.items()):
        lines = row["lines"]
        rows.append(f"| {provider} | {user} | {len(lines)} | {row['allowed']} | {row['blocked']} | "  # type: ignore[arg-type]
                    f"{', '.join(sorted(row['hosts']))} | {min(lines)} |")  # type: ignore[arg-type,type-var]
    return rows


def write_expected(squid: list[tuple[int, Event]], squid_bad: list[int],
                   zs: list[tuple[int, Event]], zs_bad: list[int]) -> None:
    def squid_user(u: str) -> str:
        return "- (client 10.20.40.12)" if u == "-" else u

    def zs_user(u: str) -> str:
        return f"{u}@acme.example"

    squid_pairs = {(AI_HOSTS[e.host], squid_user(e.user)) for _, e in squid if e.kind == "ai"}
    zs_pairs = {(AI_HOSTS[e.host], zs_user(e.user)) for _, e in zs if e.kind == "ai"}
    providers = sorted({p for p, _ in squid_pairs | zs_pairs})
    upload = next(n for n, e in zs if e.upload)
    ai_squid = sum(1 for _, e in squid if e.kind == "ai")
    ai_zs = sum(1 for _, e in zs if e.kind == "ai")
    decoy_squid = sorted({n for n, e in squid if e.kind == "decoy"})
    decoy_zs = sorted({n for n, e in zs if e.kind == "decoy"})
    only_decoys = sorted({e.user for _, e in squid if e.kind == "decoy"} - {e.user for _, e in squid if e.kind == "ai"})
    only_decoys_zs = sorted({e.user for _, e in zs if e.kind == "decoy"} - {e.user for _, e in zs if e.kind == "ai"})

    text = [
        "# Expected results for the example logs",
        "",
        "Generated by `generate.py` (seed %d) together with the two log files; do not edit by hand." % SEED,
        "Line numbers are 1-based. Times are UTC, 2026-03-09 to 2026-03-12.",
        "",
        "## How to read this",
        "",
        "- A pair is (provider id from DESIGN section 5, user). `character-ai` is a provider id this",
        "  example adds. The user is the proxy's user name (Squid) or the login (Zscaler).",
        "- Squid lines whose user field is `-` carry no user; the identity to report is the client",
        "  address, here always the build server 10.20.40.12.",
        "- `blocked` counts requests the proxy denied (Squid `TCP_DENIED/403`, Zscaler `action` Blocked).",
        "  They are attempts at AI use and still count as sightings; a pair whose requests were all",
        "  blocked is a blocked attempt, not successful use.",
        "- Matching is by host name (exact host or a subdomain of a listed AI domain), never by a",
        "  substring of the host or by words in the URL path or query.",
        "",
        f"Providers seen across both files: {', '.join(providers)}.",
        "",
        "## squid-access.log",
        "",
        f"{SQUID_TOTAL} lines: {ai_squid} AI requests, {len(decoy_squid)} decoy requests, "
        f"{len(squid_bad)} malformed lines, the rest ordinary traffic.",
        "",
        *pair_table(squid, squid_user),
        "",
        f"{len(squid_pairs)} distinct (provider, user) pairs.",
        "",
        f"Malformed lines (report as a scan issue or skipped lines, never as AI or as 'no AI'): "
        f"{', '.join(map(str, squid_bad))} (truncated, binary garbage, empty method and URL, in that order).",
        "The binary line is not valid UTF-8 (it has no NUL byte, so line tools still read past it).",
        "",
        f"Users with decoy traffic only, who must not appear in any AI pair: {', '.join(only_decoys)}.",
        "",
        "## zscaler-web.json",
        "",
        f"{ZS_TOTAL} lines, one NSS web event a line: {ai_zs} AI requests, {len(decoy_zs)} decoy requests, "
        f"{len(zs_bad)} malformed lines, the rest ordinary traffic.",
        "",
        *pair_table(zs, zs_user),
        "",
        f"{len(zs_pairs)} distinct (provider, user) pairs.",
        "",
        f"Upload: line {upload} is a `POST chatgpt.com/backend-api/files` by frank@acme.example with a",
        "reqsize of 4,812,377 bytes (a PDF). A scan should flag it as a likely upload of data to openai.",
        "",
        f"Malformed lines: {', '.join(map(str, zs_bad))} (a truncated object; an unescaped quote inside `ua`).",
        "",
        f"Users with decoy traffic only: {', '.join(f'{u}@acme.example' for u in only_decoys_zs)}.",
        "",
        "## Decoys: hosts that must NOT match any provider",
        "",
        "| host (and path, for searches) | what it really is |",
        "|---|---|",
        *[f"| `{host}` | {why} |" for host, why in DECOYS.items()],
        "",
        "Ordinary traffic to `www.google.com`, `fonts.googleapis.com`, `storage.googleapis.com`,",
        "`teams.microsoft.com`, `www.microsoft.com`, `login.microsoftonline.com`, `github.com` and",
        "`api.github.com` must not match google-gemini, microsoft-copilot or github-copilot either.",
        "",
    ]
    (HERE / "EXPECTED.md").write_text("\n".join(text), encoding="utf-8")


def main() -> None:
    squid, squid_bad = write_squid(random.Random(SEED))
    zs, zs_bad = write_zscaler(random.Random(SEED + 1))
    write_expected(squid, squid_bad, zs, zs_bad)


if __name__ == "__main__":
    main()
