"""fauxforce: a synthetic Salesforce org and ERP on demand, and the pipeline that lands it in a warehouse."""

__version__ = "0.1.0"
