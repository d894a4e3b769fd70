"""Read-only, enforced in code: every RPC of the Google clients passes an interceptor that lets
through only the read methods aims uses and refuses every other one before it is sent.

The generated REST transports call `pre_<method>` on their interceptor before each request
(on every retry too). The guard is built from the transport's own interceptor class, so a
method added to a future SDK release is refused until someone adds it to READ_METHODS.
"""

from __future__ import annotations

from typing import Any

from connectors.coverage import CallLog

#: The RPCs aims may call: listing and searching, nothing else.
READ_METHODS = frozenset({"list_assets", "search_all_resources", "search_projects", "list_projects", "get_project"})


class ReadOnlyViolation(RuntimeError):
    """A connector bug: something tried to call an RPC that could change the project."""


def is_read_only(method: str) -> bool:
    return method in READ_METHODS


def guard_interceptor(interceptor_class: type, log: CallLog) -> Any:
    """An instance of a subclass of the transport's interceptor with every `pre_` hook guarded."""

    def allow(method: str) -> Any:
        def hook(self: Any, request: Any, metadata: Any) -> Any:
            log.start("GET")
            log.end()
            return request, metadata

        hook.__name__ = f"pre_{method}"
        return hook

    def refuse(method: str) -> Any:
        def hook(self: Any, request: Any, metadata: Any) -> Any:
            log.refuse(method)
            raise ReadOnlyViolation(f"aims is read-only: refused {interceptor_class.__name__}.{method}")

        hook.__name__ = f"pre_{method}"
        return hook

    namespace = {}
    for attribute in dir(interceptor_class):
        if attribute.startswith("pre_"):
            method = attribute[len("pre_"):]
            namespace[attribute] = allow(method) if is_read_only(method) else refuse(method)
    return type(f"ReadOnly{interceptor_class.__name__}", (interceptor_class,), namespace)()
