"""The mock org's REST API: describe global, sObject describe, query and queryAll with paging, limits."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fauxforce.mock.endpoint import API_VERSION, DAILY_LIMIT, Endpoint, error
from fauxforce.mock.org import SObject
from fauxforce.mock.soql import parse, run

DEFAULT_BATCH = 2000
MAX_OPEN = 200  # query cursors and bulk jobs kept; older ones expire


class RestEndpoints(Endpoint):
    def _describe_global(self) -> None:
        sobjects = [
            self._summary(obj) | {"urls": {"describe": f"/services/data/v{API_VERSION}/sobjects/{name}/describe"}}
            for name, obj in sorted(self.mock.org.objects.items())
        ]
        self._json(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def _describe(self, name: str) -> None:
        obj = self.mock.org.get(name)
        if obj is None:
            return self._json(404, error("NOT_FOUND", f"The requested resource does not exist: {name}"))
        self._json(200, self._summary(obj) | {"fields": obj.fields})

    @staticmethod
    def _summary(obj: SObject) -> dict[str, Any]:
        """What describe global and sObject describe say of an object beside its fields."""
        base = {"name": obj.name, "label": obj.name, "queryable": True, "custom": obj.name.endswith("__c")}
        return base | {k: v for k, v in obj.meta.items() if k not in ("fields", "urls")} | {"keyPrefix": obj.key_prefix}

    def _select(self, soql: str, include_deleted: bool) -> tuple[list[dict[str, Any]], str, list[str]]:
        org = self.mock.org

        def fields_of(name: str) -> dict[str, str] | None:
            obj = org.get(name)
            return obj.types if obj else None

        q = parse(soql, fields_of)
        obj = org.get(q.object)
        assert obj is not None
        records = obj.records if include_deleted else [r for r in obj.records if not r.get("IsDeleted")]
        rows = run(q, records, obj.types)
        return [{f: r.get(f) for f in q.fields} for r in rows], obj.name, q.fields

    def _page(self, rows: list[dict[str, Any]], obj: str, batch: int, start: int, base: str) -> dict[str, Any]:
        end = min(start + batch, len(rows))
        page = [
            {"attributes": {"type": obj, "url": f"{base}/sobjects/{obj}/{r.get('Id', '')}"}, **r}
            for r in rows[start:end]
        ]
        out: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows), "records": page}
        if end < len(rows):
            cursor = f"01g{uuid.uuid4().hex[:15]}"
            cursors = self.mock.state.cursors
            with self.mock.state.lock:
                cursors[cursor] = (rows, batch, obj)
                while len(cursors) > MAX_OPEN:  # as in Salesforce, old cursors expire
                    del cursors[next(iter(cursors))]
            out["nextRecordsUrl"] = f"{base}/query/{cursor}-{end}"
        return out

    def _batch_size(self) -> int:
        options = self.headers.get("Sforce-Query-Options") or ""
        m = re.search(r"batchSize=(\d+)", options)
        return max(200, min(2000, int(m.group(1)))) if m else DEFAULT_BATCH

    def _query(self, soql: str, include_deleted: bool, base: str) -> None:
        rows, obj, _ = self._select(soql, include_deleted)
        self._json(200, self._page(rows, obj, self._batch_size(), 0, base))

    def _more(self, locator: str, base: str) -> None:
        cursor, _, offset = locator.rpartition("-")
        found = self.mock.state.cursors.get(cursor)
        if found is None or not offset.isdigit():
            return self._json(400, error("INVALID_QUERY_LOCATOR", "invalid query locator"))
        rows, batch, obj = found
        self._json(200, self._page(rows, obj, batch, int(offset), base))

    def _limits(self) -> None:
        limit = self.mock.faults.request_limit or DAILY_LIMIT
        remaining = max(0, limit - self.mock.state.api_calls)
        self._json(200, {"DailyApiRequests": {"Max": limit, "Remaining": remaining}})
