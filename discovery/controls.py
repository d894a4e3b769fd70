"""Cloud control evidence (pure): facts about how AI is governed in a cloud account.

A connector reports what it saw (invocation logging on or off, guardrails, model monitors,
model cards); `gap/` cites these as technical evidence for the requirements they bear on.
"unknown" means the connector could not read the setting, which is never the same as
"absent" or "disabled".
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from discovery.models import short_hash


class ControlKind(StrEnum):
    INVOCATION_LOGGING = "invocation-logging"
    GUARDRAILS = "guardrails"
    MODEL_MONITORING = "model-monitoring"
    MODEL_CARDS = "model-cards"
    NETWORK_ISOLATION = "network-isolation"
    KEYLESS_AUTH = "keyless-auth"
    MODEL_VERSION_PINNING = "model-version-pinning"


class ControlStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"  # the setting could not be read (denied, throttled, failed)


#: Which requirements (ids from iso42001-ids.txt) each kind of control is evidence for, and why.
REQUIREMENTS_BY_KIND: dict[ControlKind, dict[str, str]] = {
    ControlKind.INVOCATION_LOGGING: {
        "A.6.2.8": "model invocations are (or are not) recorded as event logs",
        "A.6.2.6": "invocation logs are the raw material of operational monitoring",
    },
    ControlKind.GUARDRAILS: {
        "A.9.2": "guardrails enforce the organisation's processes for responsible use",
        "A.9.3": "guardrail policies encode objectives for responsible use (denied topics, PII)",
        "A.9.4": "guardrails hold a system to its intended use",
        "A.6.2.6": "guardrail interventions are an operational control on a running system",
    },
    ControlKind.MODEL_MONITORING: {
        "A.6.2.6": "monitoring schedules watch data quality, drift and bias in operation",
    },
    ControlKind.MODEL_CARDS: {
        "A.6.2.7": "model cards are the system's technical documentation",
        "A.9.4": "model cards state the intended uses and the uses to avoid",
    },
    ControlKind.NETWORK_ISOLATION: {
        "A.6.2.5": "a private endpoint or network rules are part of how the system is deployed",
        "A.4.5": "who can reach the computing resources behind the system",
    },
    ControlKind.KEYLESS_AUTH: {
        "A.6.2.5": "keyless (identity-based) access is a deployment decision that ties every call to a principal",
        "A.6.2.8": "with shared keys switched off, logs name the identity behind each call",
    },
    ControlKind.MODEL_VERSION_PINNING: {
        "A.6.2.4": "a pinned model version is the one that was verified; auto-upgrade changes it unverified",
        "A.6.2.6": "auto-upgrade changes a running system's behaviour without a planned change",
    },
}


def requirements_for(kind: ControlKind) -> list[str]:
    return sorted(REQUIREMENTS_BY_KIND[kind])


class CloudControl(BaseModel):
    """One control fact in one account and region: a summary, or one resource (arn set)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: ControlKind
    account: str
    region: str
    status: ControlStatus
    detail: str = ""
    arn: str | None = None

    @property
    def requirements(self) -> list[str]:
        return requirements_for(self.kind)


def control_id(kind: ControlKind, account: str, region: str, arn: str | None = None, cloud: str = "aws") -> str:
    """Stable: derived from what the control is about, never from its status or detail."""
    return "ctl-" + short_hash(cloud, kind.value, account, region, arn or "")


def make_control(
    kind: ControlKind, account: str, region: str, status: ControlStatus, detail: str = "", arn: str | None = None,
    cloud: str = "aws",
) -> CloudControl:
    """`account` is an AWS account, an Azure subscription or a GCP project; `arn` the resource's id."""
    return CloudControl(
        id=control_id(kind, account, region, arn, cloud),
        kind=kind,
        account=account,
        region=region,
        status=status,
        detail=detail,
        arn=arn,
    )
