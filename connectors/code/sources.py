"""Where repositories come from: local directories, git URLs cloned shallow into the workspace
cache, and the repositories of a GitHub organisation or GitLab group (REST, paginated,
rate-limit aware, token from the environment)."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

GIT_URL = re.compile(r"^(?:https?|ssh|git|file)://|^[\w.\-]+@[\w.\-]+:")
CLONE_TIMEOUT = 600
MAX_RATE_LIMIT_WAIT = 60.0  # longer waits become a `throttled` ScanIssue instead of a hang


class SourceError(RuntimeError):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def is_git_url(target: str) -> bool:
    return bool(GIT_URL.match(target))


def repo_name_from_url(url: str) -> str:
    """owner/name from any git URL form (https, ssh, scp-like, file)."""
    path = url.split("://", 1)[1] if "://" in url else url.split(":", 1)[-1]
    path = path.split("?", 1)[0].rstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    parts = [p for p in path.split("/") if p]
    if "://" in url and not url.startswith("file://"):
        parts = parts[1:]  # drop the host
    return "/".join(parts[-2:]) if len(parts) >= 2 else (parts[-1] if parts else url)


def local_repo_name(root: Path) -> str:
    """owner/name from the origin remote when the directory is a clone, else its name."""
    config = root / ".git" / "config"
    if config.is_file():
        text = config.read_text("utf-8", errors="replace")
        match = re.search(r'\[remote "origin"\][^\[]*?\burl\s*=\s*(\S+)', text)
        if match:
            return repo_name_from_url(match.group(1))
    return root.resolve().name or str(root)


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)([^/@?#]*)@")


def split_credentials(url: str) -> tuple[str, str | None]:
    """(the URL without `user:password@`, the user info or None)."""
    match = _USERINFO.match(url)
    if match is None:
        return url, None
    return match.group(1) + url[match.end():], urllib.parse.unquote(match.group(2))


def redact_url(url: str) -> str:
    """The URL safe to store, print or log: embedded credentials become `***`."""
    return _USERINFO.sub(lambda m: m.group(1) + "***@", url)


_redact_url = redact_url


def _git_env(url: str, environ: Mapping[str, str], userinfo: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()}
    env["GIT_TERMINAL_PROMPT"] = "0"
    host = urllib.parse.urlparse(url).hostname or ""
    header = None
    if userinfo and url.startswith(("https://", "http://")):
        # Credentials given in the URL travel as a header, never in the clone's .git/config.
        header = "Authorization: Basic " + base64.b64encode(userinfo.encode("utf-8")).decode("ascii")
    elif "github" in host:
        token = environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN")
        header = f"Authorization: Bearer {token}" if token else None
    elif "gitlab" in host:
        token = environ.get("GITLAB_TOKEN")
        header = f"Authorization: Bearer {token}" if token else None
    if header and (url.startswith("https://") or (userinfo and url.startswith("http://"))):
        # Through git's environment config, so the secret never shows in a process listing.
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader", GIT_CONFIG_VALUE_0=header)
    return env


def clone_shallow(url: str, cache_dir: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Clone (or refresh) a depth-1 copy of url under cache_dir and return its path.

    Credentials embedded in the URL are taken out of it: the clone's remote, the command line
    and every message carry the URL without them.
    """
    environ = os.environ if environ is None else environ
    url, userinfo = split_credentials(url)
    slug = re.sub(r"[^\w.\-]+", "_", repo_name_from_url(url))
    destination = cache_dir / "repos" / slug
    env = _git_env(url, environ, userinfo)
    if (destination / ".git").is_dir():
        commands = [["git", "-C", str(destination), "fetch", "--depth", "1", "--quiet", url, "HEAD"],
                    ["git", "-C", str(destination), "reset", "--hard", "--quiet", "FETCH_HEAD"]]
    else:
        destination.parent.mkdir(parents=True, exist_ok=True)
        commands = [["git", "clone", "--depth", "1", "--quiet", "--no-tags", url, str(destination)]]
    for command in commands:
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=CLONE_TIMEOUT)
        except FileNotFoundError as exc:
            raise SourceError("unavailable", "git is not installed") from exc
        except subprocess.TimeoutExpired as exc:
            raise SourceError("failed", f"git timed out after {CLONE_TIMEOUT}s on {_redact_url(url)}") from exc
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            last = _scrub(reason[-1], userinfo) if reason else done.returncode
            raise SourceError("clone-failed", f"git could not clone {_redact_url(url)}: {last}")
    return destination


def _scrub(text: str, userinfo: str | None) -> str:
    text = redact_url(re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text))
    if userinfo:
        for secret in {userinfo, userinfo.partition(":")[2]} - {""}:
            text = text.replace(secret, "***")
    return text


# -- GitHub and GitLab listing ------------------------------------------------------------------


@dataclass
class HostRepo:
    name: str  # owner/name or group/subgroup/name
    clone_url: str
    archived: bool = False
    fork: bool = False


@dataclass
class Listing:
    repos: list[HostRepo] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    problem: SourceError | None = None  # listing stopped part-way: report, keep what was listed


Sleeper = Callable[[float], None]


def _next_link(link_header: str | None) -> str | None:
    for part in (link_header or "").split(","):
        match = re.search(r'<([^>]+)>\s*;\s*rel="next"', part)
        if match:
            return match.group(1)
    return None


def _rate_limit_wait(headers: Mapping[str, str], now: float) -> float:
    retry_after = headers.get("Retry-After")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    return 5.0


def _get_json(url: str, headers: dict[str, str], sleep: Sleeper) -> tuple[object, Mapping[str, str]]:
    """GET with rate-limit handling: wait if the reset is near, else raise `throttled`."""
    import urllib.error  # with http.client and ssl: only org and group listings need them
    import urllib.request

    for _attempt in range(3):
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read().decode("utf-8")), dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            response_headers = dict(exc.headers.items()) if exc.headers else {}
            limited = exc.code == 429 or (
                exc.code == 403 and (response_headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in response_headers)
            )
            if limited:
                wait = _rate_limit_wait(response_headers, time.time())
                if wait > MAX_RATE_LIMIT_WAIT:
                    raise SourceError("throttled", f"rate limited for {int(wait)}s more at {url}") from exc
                sleep(wait)
                continue
            if exc.code in (401, 403):
                raise SourceError("access-denied", f"HTTP {exc.code} from {url}: check the token") from exc
            if exc.code == 404:
                raise SourceError("not-found", f"HTTP 404 from {url}") from exc
            raise SourceError("failed", f"HTTP {exc.code} from {url}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SourceError("unavailable", f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from exc
    raise SourceError("throttled", f"still rate limited after retries at {url}")


def _paginate(first_url: str, headers: dict[str, str], sleep: Sleeper, parse: Callable[[dict], HostRepo],
              listing: Listing) -> None:
    url: str | None = first_url
    while url:
        page, response_headers = _get_json(url, headers, sleep)
        if not isinstance(page, list):
            raise SourceError("failed", f"unexpected response from {url}")
        for item in page:
            repo = parse(item)
            if repo.archived:
                listing.skipped["archived"] = listing.skipped.get("archived", 0) + 1
            elif repo.fork:
                listing.skipped["fork"] = listing.skipped.get("fork", 0) + 1
            else:
                listing.repos.append(repo)
        url = _next_link(response_headers.get("Link") or response_headers.get("link"))


def list_github_org(org: str, environ: Mapping[str, str] | None = None, sleep: Sleeper = time.sleep) -> Listing:
    environ = os.environ if environ is None else environ
    api = environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "aims"}
    token = environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    listing = Listing()
    first = f"{api}/orgs/{urllib.parse.quote(org)}/repos?per_page=100&type=all"
    try:
        _paginate(first, headers, sleep, lambda r: HostRepo(
            r["full_name"], r["clone_url"], bool(r.get("archived")), bool(r.get("fork"))), listing)
    except SourceError as exc:
        listing.problem = exc
    return listing


def list_gitlab_group(group: str, environ: Mapping[str, str] | None = None, sleep: Sleeper = time.sleep) -> Listing:
    environ = os.environ if environ is None else environ
    api = environ.get("GITLAB_URL", "https://gitlab.com").rstrip("/") + "/api/v4"
    headers = {"Accept": "application/json", "User-Agent": "aims"}
    token = environ.get("GITLAB_TOKEN")
    if token:
        headers["PRIVATE-TOKEN"] = token
    listing = Listing()
    first = (f"{api}/groups/{urllib.parse.quote(group, safe='')}/projects"
             "?include_subgroups=true&per_page=100&order_by=id&sort=asc")
    try:
        _paginate(first, headers, sleep, lambda p: HostRepo(
            p["path_with_namespace"], p["http_url_to_repo"], bool(p.get("archived")),
            bool(p.get("forked_from_project"))), listing)
    except SourceError as exc:
        listing.problem = exc
    return listing
