"""Maintenance windows: times when the warehouse, the CRM or the ERP is down on purpose.

A run that starts inside a window of a system it uses ends Cancelled, naming the window, instead of
failing on a system that does not answer. Windows are written `system=when`, separated by `;`, all in UTC:

- `erp=2026-12-06T22:00/2026-12-07T02:00`: once, from the first instant to the second;
- `warehouse=sun 02:00-04:00`: every week (`mon` … `sun`); an end before the start is the next day;
- `crm=daily 01:00-01:30`: every day.

`system` is `warehouse` (every run), `crm` (runs that read a live Salesforce org) or `erp` (runs that
read the ERP database). They come from FAUXFORCE_MAINTENANCE and, in flow runs, also from the Prefect
variable `fauxforce_maintenance` (same syntax), so an operator can declare one without redeploying.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

SYSTEMS = ("warehouse", "crm", "erp")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
VARIABLE = "fauxforce_maintenance"
_CLOCK = r"(\d{1,2}):(\d{2})"
_RECURRING = re.compile(rf"^(daily|{'|'.join(DAYS)})\s+{_CLOCK}\s*-\s*{_CLOCK}$")


class MaintenanceError(ValueError):
    """A window that cannot be read: one line naming it and the forms that are."""


@dataclass(frozen=True)
class Window:
    system: str
    text: str  # as written, for messages
    once: tuple[dt.datetime, dt.datetime] | None = None
    weekday: int | None = None  # 0 = Monday; None with `once` None: daily
    start: dt.time = dt.time(0)
    end: dt.time = dt.time(0)

    def occurrences(self, around: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        """The window's spans that start from a week before `around` to a week after it."""
        if self.once is not None:
            return [self.once]
        spans = []
        for offset in range(-8, 9):
            day = around.date() + dt.timedelta(days=offset)
            if self.weekday is not None and day.weekday() != self.weekday:
                continue
            begin = dt.datetime.combine(day, self.start, dt.UTC)
            finish = dt.datetime.combine(day, self.end, dt.UTC)
            if finish <= begin:
                finish += dt.timedelta(days=1)
            spans.append((begin, finish))
        return spans

    def describe(self) -> str:
        return f"{self.system} maintenance window {self.text} (UTC)"


def parse(text: str | None) -> list[Window]:
    """The windows of a FAUXFORCE_MAINTENANCE value (empty or None: none)."""
    windows = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        system, sep, when = part.partition("=")
        system, when = system.strip().lower(), when.strip()
        if not sep or system not in SYSTEMS:
            raise MaintenanceError(
                f"maintenance window {part!r}: write system=when with system one of {', '.join(SYSTEMS)}"
            )
        windows.append(_window(system, when, part))
    return windows


def _window(system: str, when: str, part: str) -> Window:
    lowered = when.lower()
    if m := _RECURRING.match(lowered):
        day, h1, m1, h2, m2 = m.groups()
        try:
            start, end = dt.time(int(h1), int(m1)), dt.time(int(h2), int(m2))
        except ValueError:
            raise MaintenanceError(f"maintenance window {part!r}: not a time of day (HH:MM)") from None
        weekday = None if day == "daily" else DAYS.index(day)
        return Window(system, when, weekday=weekday, start=start, end=end)
    if "/" in when:
        first, _, last = when.partition("/")
        try:
            begin, finish = _instant(first), _instant(last)
        except ValueError:
            raise MaintenanceError(f"maintenance window {part!r}: not two ISO instants, e.g. {EXAMPLE}") from None
        if finish <= begin:
            raise MaintenanceError(f"maintenance window {part!r} ends before it starts")
        return Window(system, when, once=(begin, finish))
    raise MaintenanceError(
        f"maintenance window {part!r}: write a span ({EXAMPLE}), a weekday and hours (sun 02:00-04:00) or "
        "daily and hours (daily 01:00-01:30), in UTC"
    )


EXAMPLE = "2026-12-06T22:00/2026-12-07T02:00"


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def active(windows: list[Window], systems: set[str], now: dt.datetime) -> tuple[Window, dt.datetime] | None:
    """The window of one of `systems` that `now` falls in, and when it ends; None if there is none."""
    for w in windows:
        if w.system in systems:
            for begin, finish in w.occurrences(now):
                if begin <= now < finish:
                    return w, finish
    return None


def upcoming(windows: list[Window], now: dt.datetime) -> tuple[Window, dt.datetime, dt.datetime] | None:
    """The next window to start (or the one in progress), with its span; None if none is ahead."""
    best: tuple[Window, dt.datetime, dt.datetime] | None = None
    for w in windows:
        for begin, finish in w.occurrences(now):
            if finish > now and (best is None or begin < best[1]):
                best = (w, begin, finish)
    return best


def systems_of(source: str, erp_source: str) -> set[str]:
    """The systems a run with these sources uses: always the warehouse; the CRM and the ERP when read live."""
    return (
        {"warehouse"} | ({"crm"} if source == "salesforce" else set()) | ({"erp"} if erp_source == "erp-sql" else set())
    )


def span(begin: dt.datetime, finish: dt.datetime) -> str:
    fmt = "%Y-%m-%d %H:%M"
    return f"{begin.astimezone(dt.UTC).strftime(fmt)} – {finish.astimezone(dt.UTC).strftime(fmt)} UTC"


def not_run(window: Window, ends: dt.datetime) -> str:
    """Why a run did not run, in one line."""
    return f"not run: inside the {window.describe()}, which ends {ends.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
