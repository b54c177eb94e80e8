"""The core every layer reads: settings, the warehouse, the object catalogue, the run ledger, Salesforce facts.

It imports nothing else of the project.
"""
