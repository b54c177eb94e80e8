"""Sources the pipeline reads, behind one interface (connectors/base.py), chosen by name."""

from fauxforce.connectors.base import REGISTRY, Batch, Connector, ObjectRef, get_connector
from fauxforce.connectors.erp_sql import ErpSqlConnector
from fauxforce.connectors.files import FileConnector
from fauxforce.connectors.salesforce import SalesforceConnector

__all__ = [
    "REGISTRY",
    "Batch",
    "Connector",
    "ErpSqlConnector",
    "FileConnector",
    "ObjectRef",
    "SalesforceConnector",
    "get_connector",
]
