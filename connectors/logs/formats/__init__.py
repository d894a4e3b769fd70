"""The log formats, one module each, in the order `--log-format auto` tries them.

Specific formats come before permissive ones, so a Zscaler JSON line is never taken for generic JSON.
"""

from __future__ import annotations

from connectors.logs.formats.anthropic_audit import AnthropicAuditFormat
from connectors.logs.formats.azure_openai import AzureOpenAIFormat
from connectors.logs.formats.base import LogFormat
from connectors.logs.formats.cloudflare import CloudflareGatewayFormat
from connectors.logs.formats.cloudtrail import CloudTrailFormat
from connectors.logs.formats.gworkspace import GoogleWorkspaceFormat
from connectors.logs.formats.m365 import M365AuditFormat
from connectors.logs.formats.netskope import NetskopeFormat
from connectors.logs.formats.okta import OktaFormat
from connectors.logs.formats.openai_audit import OpenAIAuditFormat
from connectors.logs.formats.panos import PanOSFormat
from connectors.logs.formats.route53 import Route53ResolverFormat
from connectors.logs.formats.squid import SquidFormat
from connectors.logs.formats.umbrella import UmbrellaFormat
from connectors.logs.formats.zeek import ZeekFormat
from connectors.logs.formats.zscaler import ZscalerFormat

_ORDER: tuple[type[LogFormat], ...] = (
    CloudTrailFormat,
    M365AuditFormat,
    GoogleWorkspaceFormat,
    OktaFormat,
    OpenAIAuditFormat,
    AnthropicAuditFormat,
    AzureOpenAIFormat,
    CloudflareGatewayFormat,
    NetskopeFormat,
    Route53ResolverFormat,
    ZeekFormat,
    ZscalerFormat,
    UmbrellaFormat,
    PanOSFormat,
    SquidFormat,
)

FORMATS: dict[str, type[LogFormat]] = {cls.name: cls for cls in _ORDER}


def detect(head: list[str]) -> type[LogFormat] | None:
    """The first format whose sniffer accepts the head of a file, or None."""
    for cls in _ORDER:
        if cls.sniff(head):
            return cls
    return None


def names() -> list[str]:
    return list(FORMATS)
