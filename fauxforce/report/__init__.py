"""The report: one self-contained HTML page of gold's figures and the pipeline's data health.

It reads gold and the run ledger through SQL only (like gold reads silver), so it sits beside gold in
the layers: it imports `fauxforce.core` and nothing else of the project.
"""

from fauxforce.report.data import ReportError
from fauxforce.report.render import ReportResult, write_report

__all__ = ["ReportError", "ReportResult", "write_report"]
