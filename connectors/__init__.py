"""Sources the pipeline reads, behind one interface (connectors/base.py), chosen by name."""

from connectors.base import REGISTRY, Batch, Connector, ObjectRef, get_connector
from connectors.files import FileConnector
from connectors.salesforce import SalesforceConnector

__all__ = ["REGISTRY", "Batch", "Connector", "FileConnector", "ObjectRef", "SalesforceConnector", "get_connector"]
