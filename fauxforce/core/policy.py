"""The validation policy: what silver does with a record that fails a check.

Each failed check has one of three actions, like Databricks DLT expectations or dbt test severities:

- `quarantine`: the record goes to `quarantine.<table>` with its reason, not to silver;
- `flag`: the record goes to silver (an unreadable value as no value, a text value as it came), and the
  failure goes to `meta.flags` with the record's key, column, check and value;
- `fail`: the run stops at that batch; the batch is rolled back whole, and the error names the records.

The defaults quarantine only what cannot be represented in silver: a record without a readable key
(`key`), a record that does not line up with its header (`ragged_row`, and any other failure the file
reader reports), and a value that cannot be read in a column the object requires (`parse_*` on a required
column, such as an Opportunity's CloseDate). Everything else is flagged.

Users override the defaults with rules, in `FAUXFORCE_VALIDATION` or `--validation`:
`[object:]check=action`, separated by commas. `object` and `check` are shell-style patterns (`parse_*`,
`salesforce/*`); `object` matches `salesforce/Opportunity`, `Opportunity` or the table name
`opportunity`, in any case. Later rules win. A record that cannot be represented is never flagged: a
rule that would flag it leaves it in quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from fauxforce.core.catalogue import table_name

Action = Literal["quarantine", "flag", "fail"]
ACTIONS: tuple[Action, ...] = ("quarantine", "flag", "fail")
UNREPRESENTABLE = ("key", "ragged_row")  # and any other check the file reader reports (see `Policy.action`)

# Every check silver runs, and what it means (the README's policy table is this one).
CHECKS: dict[str, str] = {
    "key": "the record's key is missing or unreadable",
    "ragged_row": "the record does not line up with the file's header",
    "parse_id": "not a Salesforce Id (15 or 18 letters and digits, valid checksum)",
    "parse_key": "not a key",
    "parse_email": "not an email address (kept lower-case as it came)",
    "parse_phone": "not a phone number in any country (kept as it came)",
    "parse_country": "not a country name, local name or ISO code (kept as it came, without a code)",
    "parse_bool": "not a boolean (true/false, 1/0, yes/no)",
    "parse_int": "not a whole number",
    "parse_float": "not a number",
    "parse_money": "not an amount",
    "parse_date": "not a date",
    "parse_ts": "not a date and time",
    "not_nullable": "missing, and the object requires a value",
    "picklist": "not one of the org's own picklist values (its describe's active values)",
    "in_range": "outside its allowed range",
    "ge": "below its minimum",
    "gt": "not above its minimum",
    "unresolved": "a lookup to a record that is not (yet) in silver",
    "no_cursor": "no modification time (no SystemModstamp or LastModifiedDate): versioned by file order",
}


class PolicyError(ValueError):
    """A validation rule that cannot be read: one line naming it and what is expected."""


@dataclass(frozen=True)
class Rule:
    object: str  # a pattern, lower-case
    check: str  # a pattern
    action: Action


DEFAULTS: tuple[Rule, ...] = (
    Rule("*", "*", "flag"),
    Rule("*", "key", "quarantine"),
    Rule("*", "ragged_row", "quarantine"),
)


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...] = ()  # the user's, after the defaults

    @classmethod
    def parse(cls, text: str | None) -> Policy:
        """`"parse_email=quarantine, salesforce/Opportunity:in_range=fail"` → a policy; `PolicyError` if unreadable."""
        rules: list[Rule] = []
        for part in (text or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            target, sep, action = part.rpartition("=")
            action = action.strip().lower()
            if not sep or not target.strip() or action not in ACTIONS:
                raise PolicyError(
                    f"validation rule {part!r}: write [object:]check=action, action one of {', '.join(ACTIONS)}"
                )
            obj, _, check = target.strip().rpartition(":")
            check = check.strip()
            known = [c for c in CHECKS if fnmatchcase(c, check)]
            if not known:
                raise PolicyError(f"validation rule {part!r}: no check matches {check!r}; checks: {', '.join(CHECKS)}")
            rules.append(Rule((obj.strip() or "*").lower(), check, action))
        return cls(tuple(rules))

    def action(self, obj: str, check: str, required: bool = False) -> Action:
        """The action for `check` failing on a record of `obj` (`salesforce/Opportunity`); `required`: the check
        is on a column the object requires."""
        name = obj.partition("/")[2] or obj
        names = {obj.lower(), name.lower(), table_name(name)}
        unrepresentable = check in UNREPRESENTABLE or check not in CHECKS
        chosen: Action = "quarantine" if unrepresentable or (required and check.startswith("parse_")) else "flag"
        for rule in self.rules:
            if fnmatchcase(check, rule.check) and any(fnmatchcase(n, rule.object) for n in names):
                chosen = rule.action
        if chosen == "flag" and unrepresentable:
            return "quarantine"
        return chosen

    def describe(self) -> str:
        """The user's rules as they would be written, or `defaults`."""
        if not self.rules:
            return "defaults"
        return ", ".join(f"{'' if r.object == '*' else r.object + ':'}{r.check}={r.action}" for r in self.rules)
