"""AWS discovery: AI resources, usage and control evidence in every account and region, read-only.

`connector` fans the work out; `accounts`, `inventory`, `reader`, `cloudtrail` and `s3trail`
make the calls (every one passes `guard`, which refuses anything but a read); `catalogue` and
`specs` are the services as data; `coverage` and `result` report what could and could not be
read; `policy` derives the minimal IAM policy from the catalogue.

May import `connectors.base` and `discovery` (models, controls); never `gap` or `cli`.
boto3 loads lazily, and `AWSConnector` is exported lazily so importing one module of the
package does not load the rest.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AWSConnector"]


def __getattr__(name: str) -> Any:
    if name == "AWSConnector":
        from connectors.aws.connector import AWSConnector

        return AWSConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
