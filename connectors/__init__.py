"""Sources the pipeline reads, behind one interface (connectors/base.py), chosen by name."""

from connectors.base import REGISTRY, Batch, Connector, ObjectRef, get_connector
from connectors.erp_sql import ErpSqlConnector
from connectors.files import FileConnector
from connectors.salesforce import SalesforceConnector

__all__ = [
    "REGISTRY", "Batch", "Connector", "ErpSqlConnector", "FileConnector", "ObjectRef", "SalesforceConnector",
    "get_connector",
]  # fmt: skip
