"""ISO/IEC 27001 reuse, made visible: which findings rest on ISMS evidence, and the share overall.

The offline assessor records reuse as it decides (gap.drafting.offline); any
other drafter's findings are annotated here from their citations and the
crosswalk, so `aims gap run` and the report show the same figures whoever drafted.
Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gap.criteria import Scope
from gap.drafting.text import speaks_of_ai
from gap.models import Finding, FindingStatus, IsmsReuse, ReuseState

_ORDER = {"equivalent": 0, "related": 1, "partial": 2}


def reuse_from_citations(finding: Finding, requirement: Any) -> IsmsReuse | None:
    """Reuse for a finding that does not say: ISMS evidence is a citation that does not concern AI."""
    refs = requirement.iso27001_refs() if hasattr(requirement, "iso27001_refs") else []
    if not refs:
        return None
    relationship = min((r.relationship.value for r in refs), key=lambda v: _ORDER.get(v, 3))
    generic = [c for c in finding.citations if not speaks_of_ai(f"{c.section or ''}\n{c.quote}")]
    criteria = getattr(requirement, "criteria", None)
    management_system = (criteria.scope is Scope.MANAGEMENT_SYSTEM) if criteria else not requirement.ai_specific
    covered = finding.status in (FindingStatus.CONFORMANT, FindingStatus.PARTIAL)
    if generic and management_system and covered:
        state = ReuseState.COUNTED
    elif generic:
        state = ReuseState.AVAILABLE
    else:
        state = ReuseState.NOT_FOUND
    documents = list(dict.fromkeys(c.document for c in generic))
    return IsmsReuse(iso27001=[r.ref for r in refs], relationship=relationship, state=state, documents=documents)


def annotate_reuse(findings: Iterable[Finding], catalogue: Any) -> list[Finding]:
    """The findings, each with `isms_reuse` filled in where the drafter left it empty."""
    out = []
    for finding in findings:
        if finding.isms_reuse is None:
            try:
                requirement = catalogue.get(finding.requirement)
            except (KeyError, ValueError):
                requirement = None
            reuse = reuse_from_citations(finding, requirement) if requirement is not None else None
            if reuse is not None:
                finding = finding.model_copy(update={"isms_reuse": reuse})
        out.append(finding)
    return out


def reuse_summary(findings: Sequence[Finding]) -> dict[str, Any]:
    """How many requirements rest on ISMS evidence (counted), could extend it (available), and the share."""
    counted = [f.requirement for f in findings if f.isms_reuse and f.isms_reuse.state is ReuseState.COUNTED]
    available = [f.requirement for f in findings if f.isms_reuse and f.isms_reuse.state is ReuseState.AVAILABLE]
    crosswalked = sum(1 for f in findings if f.isms_reuse is not None)
    total = len(findings)
    return {
        "requirements": total,
        "with_27001_counterpart": crosswalked,
        "counted": len(counted),
        "available": len(available),
        "share": round(len(counted) / total, 3) if total else 0.0,
        "counted_ids": counted,
        "available_ids": available,
    }
