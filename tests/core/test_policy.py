"""The validation policy: defaults that quarantine only what silver cannot hold, and rules that override them."""

from __future__ import annotations

import pytest

from fauxforce.core.policy import CHECKS, Policy, PolicyError


def test_defaults_quarantine_only_what_cannot_be_represented() -> None:
    p = Policy.parse(None)
    assert p.action("salesforce/Account", "key") == "quarantine"
    assert p.action("salesforce/Account", "ragged_row") == "quarantine"
    assert p.action("salesforce/Account", "a_check_the_reader_invented") == "quarantine"
    assert p.action("salesforce/Opportunity", "parse_date", required=True) == "quarantine"  # CloseDate lost
    assert p.action("salesforce/Opportunity", "parse_date") == "flag"
    for check in ("parse_email", "parse_phone", "parse_country", "unresolved", "not_nullable", "no_cursor", "in_range"):
        assert p.action("salesforce/Contact", check) == "flag", check


def test_rules_override_per_check_and_object_later_rules_win() -> None:
    p = Policy.parse("parse_*=quarantine; Opportunity:unresolved=fail, salesforce/*:parse_email=flag")
    assert p.action("salesforce/Contact", "parse_date") == "quarantine"
    assert p.action("salesforce/Contact", "parse_email") == "flag"  # the later rule
    assert p.action("erp/customers", "parse_email") == "quarantine"  # not matched by salesforce/*
    assert p.action("salesforce/Opportunity", "unresolved") == "fail"
    assert p.action("salesforce/Account", "unresolved") == "flag"
    # The table name matches too, in any case.
    assert Policy.parse("OPPORTUNITY_LINE_ITEM:gt=fail").action("salesforce/OpportunityLineItem", "gt") == "fail"
    # What cannot be represented is never flagged, whatever the rules say; it can be made to fail.
    assert Policy.parse("*=flag").action("salesforce/Account", "key") == "quarantine"
    assert Policy.parse("key=fail").action("salesforce/Account", "key") == "fail"
    assert Policy.parse("*=flag, parse_date=fail").describe() == "*=flag, parse_date=fail"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("parse_email", "write \\[object:\\]check=action"),
        ("parse_email=drop", "action one of quarantine, flag, fail"),
        ("spelling=flag", "no check matches 'spelling'"),
        ("=flag", "write"),
    ],
)
def test_an_unreadable_rule_is_one_line_naming_it(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as e:
        Policy.parse(text)
    assert "\n" not in str(e.value) and repr(text) in str(e.value)


def test_every_check_is_explained() -> None:
    assert all(CHECKS.values()) and {"key", "ragged_row", "unresolved", "no_cursor"} <= CHECKS.keys()
