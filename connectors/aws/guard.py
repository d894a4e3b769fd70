"""Read-only by construction: every botocore client aims creates refuses write operations.

The guard runs on `provide-client-params`, the first event of every API call, before
parameters are built and before any `before-call` stub or HTTP send, so no write can slip
through a test double or a retry either.
"""

from __future__ import annotations

from typing import Any

#: Operation-name prefixes that only read, across every AWS service model.
READ_ONLY_PREFIXES: tuple[str, ...] = ("List", "Describe", "Get", "Lookup", "Search")

#: Credential operations outside that set, allowed by name. AssumeRole only mints temporary
#: credentials for the audit role the user named (--org-role); it changes no resource.
#: GetCallerIdentity already matches "Get" and is listed for clarity: it needs no permission.
CREDENTIAL_OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {("sts", "AssumeRole"), ("sts", "GetCallerIdentity")}
)

#: IAM actions whose name is not "<signing name>:<operation>" (S3's legacy naming).
IAM_ACTION_OVERRIDES: dict[tuple[str, str], str] = {
    ("s3", "ListObjectsV2"): "s3:ListBucket",
}

#: Operations AWS authorises without any IAM permission; the policy must not list them.
NO_PERMISSION_NEEDED: frozenset[tuple[str, str]] = frozenset({("sts", "GetCallerIdentity")})


class ReadOnlyViolation(RuntimeError):
    """A connector bug: something tried to call an operation that could change the account."""


def is_read_only(service: str, operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES) or (service, operation) in CREDENTIAL_OPERATIONS


def _refuse_writes(model: Any, **_kwargs: Any) -> None:
    service = model.service_model.service_name
    if not is_read_only(service, model.name):
        raise ReadOnlyViolation(f"aims is read-only: refused {service}:{model.name}")


def install_read_only_guard(client: Any) -> Any:
    """Register the guard on one client (handlers are per client) and return the client."""
    service_id = client.meta.service_model.service_id.hyphenize()
    # register_first: the guard must run before any other handler of the same event.
    client.meta.events.register_first(f"provide-client-params.{service_id}", _refuse_writes, unique_id="aims-read-only")
    return client


def iam_action(service: str, operation: str, signing_name: str) -> str:
    """The IAM action for an API operation: the service's signing name plus the operation."""
    return IAM_ACTION_OVERRIDES.get((service, operation), f"{signing_name}:{operation}")
