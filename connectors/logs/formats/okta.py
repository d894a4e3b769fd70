"""Okta System Log: single sign-on and OAuth grants into apps, matched to AI apps by name."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.logs.formats.base import LogFormat, json_head, load_json_object, parse_time
from connectors.logs.records import LogRecord, pick_identity

_EVENTS = ("user.authentication.sso", "app.oauth2.as.consent.grant", "app.oauth2.consent.grant",
           "app.oauth2.as.token.grant", "application.user_membership.add")


class OktaFormat(LogFormat):
    name = "okta"
    title = "Okta System Log (SSO and OAuth grants)"
    host_based = False
    every_line = True

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any("eventType" in o and "actor" in o and "published" in o for o in json_head(head)[:5])

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        event_type = str(obj.get("eventType") or "")
        if not event_type.startswith(_EVENTS):
            return None
        apps = [t.get("displayName") for t in obj.get("target") or [] if isinstance(t, dict)
                and t.get("type") in ("AppInstance", "PublicClientApp", "AppUser")]
        app_name = next((a for a in apps if a), "")
        actor = obj.get("actor") if isinstance(obj.get("actor"), dict) else {}
        client = obj.get("client") if isinstance(obj.get("client"), dict) else {}
        identity, kind = pick_identity((actor.get("alternateId"), "user"), (client.get("ipAddress"), "address"))
        outcome = obj.get("outcome") if isinstance(obj.get("outcome"), dict) else {}
        return LogRecord(identity=identity, identity_kind=kind, time=parse_time(obj.get("published")),
                         service_id=f"name:{app_name}", signal=f"okta:{event_type}", vendor_app=app_name or None,
                         blocked=str(outcome.get("result") or "").upper() in {"DENY", "FAILURE"})
