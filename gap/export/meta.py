"""What every exported document says about itself: title, aims version, date, workspace and the
review trail's head, so a reader can tie a printed SoA or report to the trail it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass(frozen=True)
class DocumentMeta:
    organisation: str = ""
    aims_version: str = ""
    workspace: str = ""
    trail_events: int = 0
    trail_head: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))

    def title(self, kind: str) -> str:
        return f"{kind}{' — ' + self.organisation if self.organisation else ''}"

    def trail_label(self) -> str:
        if not self.trail_head:
            return "no review trail recorded"
        return f"{self.trail_events} review event(s), head {self.trail_head}"

    def summary(self) -> str:
        """One line for a document's properties: version, date, workspace, trail head."""
        parts = [f"aims {self.aims_version}" if self.aims_version else "aims",
                 f"generated {self.generated_at.isoformat()}"]
        if self.workspace:
            parts.append(f"workspace {self.workspace}")
        parts.append(f"review trail: {self.trail_label()}")
        return "; ".join(parts)
