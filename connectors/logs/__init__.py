"""Log discovery: proxy, DNS, identity and SaaS audit logs (issue 5). One module per format."""

from connectors.logs.connector import AUTO, LogConnector

__all__ = ["AUTO", "LogConnector"]
