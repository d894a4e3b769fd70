"""Netskope web transactions (JSON, W3C-style keys such as `cs-host`) and Netskope events
(page/application events with `url`, `user`, `app`, `activity`)."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.logs.formats.base import (
    LogFormat, first_field, json_head, load_json_object, parse_time, split_url, to_int, valid_host,
)
from connectors.logs.records import LogRecord, MalformedLine, pick_identity


class NetskopeFormat(LogFormat):
    name = "netskope"
    title = "Netskope web transactions and events (JSON)"

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        for obj in json_head(head)[:5]:
            if "cs-host" in obj and ("x-cs-app" in obj or "cs-username" in obj):
                return True
            if {"ur_normalized", "access_method"} & obj.keys() or (obj.get("type") in {"page", "application"}
                                                                   and "app" in obj and "url" in obj):
                return True
        return False

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        if "cs-host" in obj:
            host = str(obj.get("cs-host") or "")
            path = split_url(str(obj.get("cs-uri") or "/"))[1] if "://" in str(obj.get("cs-uri")) else str(
                obj.get("cs-uri") or "").split("?", 1)[0]
            when = parse_time(f"{obj.get('date')} {obj.get('time')}") if obj.get("date") else parse_time(
                obj.get("x-cs-timestamp"))
            user, device, source = obj.get("cs-username"), None, obj.get("c-ip")
            method, up, down = obj.get("cs-method"), obj.get("cs-bytes"), obj.get("sc-bytes")
            app, activity, action = obj.get("x-cs-app"), obj.get("x-cs-app-activity"), obj.get("x-policy-action")
        else:
            host, path = split_url(str(first_field(obj, "url", "domain", "dsthost") or ""))
            host = str(obj.get("dsthost") or obj.get("domain") or host)
            when = parse_time(obj.get("timestamp"))
            user, device, source = first_field(obj, "user", "ur_normalized", "userkey"), obj.get("hostname"), obj.get(
                "srcip")
            method, up, down = obj.get("http_method"), obj.get("client_bytes"), obj.get("server_bytes")
            app, activity, action = obj.get("app"), obj.get("activity"), obj.get("action")
        if not valid_host(host):
            raise MalformedLine("no host")
        identity, kind = pick_identity((user, "user"), (device, "device"), (source, "address"))
        return LogRecord(
            host=host, identity=identity, identity_kind=kind, time=when, method=str(method) if method else None,
            path=path, bytes_up=to_int(up), bytes_down=to_int(down),
            blocked=str(action or "").lower() in {"block", "blocked"},
            upload=str(activity or "").lower() in {"upload", "attach"},
            vendor_app=str(app) if app and app != "-" else None,
        )
