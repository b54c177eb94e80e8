"""The mock org's Bulk API 2.0 query jobs: create, status, delete, and results in CSV pages."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from fauxforce.mock.endpoint import API_VERSION, error
from fauxforce.mock.rest import MAX_OPEN, RestEndpoints


class BulkEndpoints(RestEndpoints):
    def _create_job(self, spec: dict[str, Any], base: str) -> None:
        operation = spec.get("operation")
        if operation not in ("query", "queryAll"):
            return self._json(400, error("INVALIDJOB", f"operation {operation!r} is not a query"))
        rows, obj, fields = self._select(str(spec.get("query") or ""), operation == "queryAll")
        if obj in self.mock.org.no_bulk:
            return self._json(400, error("INVALIDENTITY", f"Entity '{obj}' is not supported by the Bulk API."))
        job_id = f"750{uuid.uuid4().hex[:15]}"
        job = {
            "id": job_id,
            "operation": operation,
            "object": obj,
            "state": "JobComplete",
            "numberRecordsProcessed": len(rows),
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
            "contentType": "CSV",
            "apiVersion": float(API_VERSION),
        }
        jobs = self.mock.state.jobs
        with self.mock.state.lock:
            jobs[job_id] = job | {"_rows": rows, "_fields": fields}
            while len(jobs) > MAX_OPEN:
                del jobs[next(iter(jobs))]
        self._json(200, {**job, "state": "UploadComplete"})

    def _job(self, job_id: str, method: str) -> None:
        job = self.mock.state.jobs.get(job_id)
        if job is None:
            return self._json(404, error("NOT_FOUND", f"no job {job_id}"))
        if method == "DELETE":
            del self.mock.state.jobs[job_id]
            return self._send(204, b"", "text/plain")
        self._json(200, {k: v for k, v in job.items() if not k.startswith("_")})

    def _results(self, job_id: str, query: dict[str, list[str]]) -> None:
        job = self.mock.state.jobs.get(job_id)
        if job is None:
            return self._json(404, error("NOT_FOUND", f"no job {job_id}"))
        rows, fields = job["_rows"], job["_fields"]
        start = int((query.get("locator") or ["0"])[0] or 0)
        size = int((query.get("maxRecords") or ["50000"])[0])
        end = min(start + size, len(rows))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(fields)
        for r in rows[start:end]:
            writer.writerow([_csv_value(r.get(f)) for f in fields])
        locator = str(end) if end < len(rows) else "null"
        self._send(
            200,
            buf.getvalue().encode("utf-8"),
            "text/csv",
            {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(end - start)},
        )


def _csv_value(value: Any) -> str:
    """A value as Bulk API 2.0 writes it in CSV: booleans lower case, datetimes with `Z`, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    if isinstance(value, str) and value.endswith("+0000"):
        return value[:-5] + "Z"
    return str(value)
