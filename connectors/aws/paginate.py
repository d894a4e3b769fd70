"""Paginate every AWS call the same way, whether or not botocore ships a paginator for it.

Some operations aims needs (transcribe, kendra, lexv2, opensearchserverless listings) have
no botocore paginator, so reading the token names from the service model covers them all with
one code path. Peers that read one page only missed resources; this loop never stops early
except on a repeated token (a service bug that would otherwise loop forever).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from botocore import xform_name

#: (request parameter, response field) pairs that carry the next-page token.
TOKEN_PAIRS: tuple[tuple[str, str], ...] = (
    ("NextToken", "NextToken"),
    ("nextToken", "nextToken"),
    ("ContinuationToken", "NextContinuationToken"),
    ("Marker", "NextMarker"),
)


def token_pair(client: Any, operation: str) -> tuple[str, str] | None:
    model = client.meta.service_model.operation_model(operation)
    inputs = set(model.input_shape.members) if model.input_shape else set()
    outputs = set(model.output_shape.members) if model.output_shape else set()
    for request_name, response_name in TOKEN_PAIRS:
        if request_name in inputs and response_name in outputs:
            return request_name, response_name
    return None


def iter_pages(client: Any, operation: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Yield every page of an operation; a single page when the operation has no token."""
    method = getattr(client, xform_name(operation))
    pair = token_pair(client, operation)
    request = dict(params or {})
    seen: set[str] = set()
    while True:
        page = method(**request)
        yield page
        token = page.get(pair[1]) if pair else None
        if not token or token in seen:
            return
        seen.add(token)
        request[pair[0]] = token  # type: ignore[index]
