"""Deployment entry points: `serve.py` serves the deployments of prefect.yaml from one process."""
