"""Load the labelled ticket extract prepared by the analytics warehouse job."""

from __future__ import annotations

import pandas as pd

QUEUES = ["billing", "bug", "how-to", "account", "security"]
EXTRACT = "s3://acme-ml-batch-eu/tickets/labelled/latest.parquet"


def load_tickets(path: str = EXTRACT) -> pd.DataFrame:
    frame = pd.read_parquet(path, columns=["ticket_id", "text", "queue"])
    frame = frame.dropna(subset=["text"])
    frame["label"] = frame["queue"].map({name: i for i, name in enumerate(QUEUES)})
    return frame
