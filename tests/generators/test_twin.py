"""A twin of an org made from its describe metadata: every field it describes, with a valid value of its declared
type; its stages' meaning kept; its custom objects under generated parents; deterministic, and stable from one
export to the next."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from fauxforce.cli import main
from fauxforce.core.describe import read_folder
from fauxforce.generators.org import GenerateError, generate
from fauxforce.profile import field_problems
from tests.generators.describe_fixture import CURRENCIES, STAGES, foreign_describe, read

DESCRIBES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "salesforce-describe"
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("foreign")
    folder = foreign_describe(root / "describe-in")
    generate(root / "twin", scale=0.02, describe=folder)
    return folder, root / "twin"


def rows(out: Path, name: str) -> list[dict[str, str]]:
    return read(out / "salesforce" / f"{name}.csv")[1]


@pytest.mark.skipif(not DESCRIBES.is_dir(), reason="../shared/reference is not on this machine")
def test_a_twin_of_a_real_orgs_describe_holds_every_field_it_lists(tmp_path: Path) -> None:
    manifest = generate(tmp_path / "twin", scale=0.02, describe=DESCRIBES)
    described = read_folder(DESCRIBES)
    assert field_problems(tmp_path / "twin", described) == []
    # Event is an object the built-in org does not make: it hangs under contacts (WhoId), its other lookups
    # point at generated records, and the twin describes it as the org does.
    events = rows(tmp_path / "twin", "Event")
    contacts = {r["Id"] for r in rows(tmp_path / "twin", "Contact")}
    assert events and {e["WhoId"] for e in events} <= contacts
    written = json.loads((tmp_path / "twin" / "describe" / "Event.json").read_text(encoding="utf-8"))
    assert written["fields"] == described.objects["Event"]["fields"]
    # The CRM ↔ ERP link stays, described as an external Id; the built-in fields the org lacks are gone.
    account = json.loads((tmp_path / "twin" / "describe" / "Account.json").read_text(encoding="utf-8"))
    link = next(f for f in account["fields"] if f["name"] == "ERP_Customer_Number__c")
    assert link["externalId"] and link["type"] == "string"
    header = read(tmp_path / "twin" / "salesforce" / "Account.csv")[0]
    assert "CustomerSegment__c" not in header and "ERP_Customer_Number__c" in header
    assert manifest.describe is not None
    assert set(manifest.describe["files"]) == {p.name for p in DESCRIBES.glob("*.json")}


def test_a_foreign_twin_holds_every_field_and_keeps_what_stages_mean(foreign: tuple[Path, Path]) -> None:
    folder, out = foreign
    assert field_problems(out, read_folder(folder)) == []
    meaning = {name: (closed, won, forecast, probability) for name, closed, won, forecast, probability in STAGES}
    deals = rows(out, "Opportunity")
    assert {d["StageName"] for d in deals} == set(meaning)  # every stage of the org, and only those
    for d in deals:
        closed, won, forecast, probability = meaning[d["StageName"]]
        assert (d["IsClosed"], d["IsWon"]) == (str(closed).lower(), str(won).lower())
        assert (d["ForecastCategoryName"], int(d["Probability"])) == (forecast, probability)
    # OpportunityHistory is not described, but its stages are the org's too.
    assert {h["StageName"] for h in rows(out, "OpportunityHistory")} <= set(meaning)
    # A master-detail chain: visits under accounts, notes under visits, each created after its parent.
    accounts = {a["Id"]: a for a in rows(out, "Account")}
    visits = {v["Id"]: v for v in rows(out, "Site_Visit__c")}
    notes = rows(out, "Visit_Note__c")
    assert len(visits) > len(accounts) / 4 and len(notes) > len(visits) / 4
    assert all(v["CreatedDate"] >= accounts[v["Account__c"]]["CreatedDate"] for v in visits.values())
    assert all(n["CreatedDate"] >= visits[n["Site_Visit__c"]]["CreatedDate"] for n in notes)
    # A custom object no generated record owns stands alone, in place before the history, and accounts use it.
    regions = rows(out, "Region__c")
    assert regions and all(r["CreatedDate"] < "2025-06-30" for r in regions)
    assert {a["Region__c"] for a in accounts.values()} - {""} <= {r["Id"] for r in regions}
    assert all(v["Name"].startswith("A-") for v in visits.values())  # an auto-number


def test_record_types_queues_and_users_who_left_are_the_orgs(foreign: tuple[Path, Path]) -> None:
    """Each active record type a describe lists becomes a RecordType record with the org's own Id, and the
    records of its object carry one (the default mapping most often); an object whose owner may be a Group
    has queues, and some of its records wait in one."""
    folder, out = foreign
    described = read_folder(folder)
    types = {r["Id"]: r for r in rows(out, "RecordType")}
    expected = {
        i["recordTypeId"]: (name, i["name"])
        for name, d in described.objects.items()
        for i in d["recordTypeInfos"]
        if not i["master"]
    }
    assert {k: (r["SobjectType"], r["Name"]) for k, r in types.items()} == expected
    for name in ("Opportunity", "Case"):
        infos = [i for i in described.objects[name]["recordTypeInfos"] if not i["master"]]
        chosen = [r["RecordTypeId"] for r in rows(out, name)]
        assert set(chosen) == {i["recordTypeId"] for i in infos}, name
        default = next(i["recordTypeId"] for i in infos if i["defaultRecordTypeMapping"])
        assert chosen.count(default) > 0.6 * len(chosen), name
    queues = {g["Id"]: g for g in rows(out, "Group")}
    assert {g["Type"] for g in queues.values()} == {"Queue"} and len(queues) == 2
    owners = [c["OwnerId"] for c in rows(out, "Case")]
    queued = sum(o in queues for o in owners) / len(owners)
    assert 0.05 < queued < 0.3
    assert all(o[:3] == "005" for o in owners if o not in queues)  # the rest are users
    assert all(a["OwnerId"][:3] == "005" for a in rows(out, "Account"))  # an account's owner is never a queue
    # Some users have left: inactive, and still the owners of what they owned.
    users = {u["Id"]: u["IsActive"] for u in rows(out, "User")}
    gone = {u for u, active in users.items() if active == "false"}
    assert 0 < len(gone) < len(users) / 3
    assert gone & {a["OwnerId"] for a in rows(out, "Account")}


def test_a_multi_currency_twin_keeps_each_account_in_one_currency(foreign: tuple[Path, Path]) -> None:
    """Three currencies: an account and its deals in one of them (the corporate one most often), a deal's line
    items and history in the deal's, and the org's rates written as CurrencyType records."""
    _, out = foreign
    rates = {r["IsoCode"]: (float(r["ConversionRate"]), r["IsCorporate"]) for r in rows(out, "CurrencyType")}
    assert rates == {code: (rate, str(code == "EUR").lower()) for code, rate in CURRENCIES.items()}
    accounts = {a["Id"]: a["CurrencyIsoCode"] for a in rows(out, "Account")}
    deals = {d["Id"]: d for d in rows(out, "Opportunity")}
    assert all(d["CurrencyIsoCode"] == accounts[d["AccountId"]] for d in deals.values() if d["AccountId"])
    share = sum(code == "EUR" for code in accounts.values()) / len(accounts)
    assert 0.45 < share < 0.75 and set(accounts.values()) == set(CURRENCIES)
    for name in ("OpportunityLineItem", "OpportunityHistory"):
        assert all(r["CurrencyIsoCode"] == deals[r["OpportunityId"]]["CurrencyIsoCode"] for r in rows(out, name))
    # A deal's lines still add up to its amount in its own currency, to the cent per line.
    lines: dict[str, list[float]] = {}
    for line in rows(out, "OpportunityLineItem"):
        lines.setdefault(line["OpportunityId"], []).append(float(line["TotalPrice"]))
    for deal_id, totals in lines.items():
        if deals[deal_id]["Amount"]:
            assert abs(sum(totals) - float(deals[deal_id]["Amount"])) <= 0.01 * len(totals), deal_id
    written = json.loads((out / "describe" / "CurrencyType.json").read_text())["records"]
    assert {r["IsoCode"]: r["ConversionRate"] for r in written} == CURRENCIES


def test_the_same_describe_seed_and_options_give_the_same_files(foreign: tuple[Path, Path], tmp_path: Path) -> None:
    folder, first = foreign
    generate(tmp_path / "again", scale=0.02, describe=folder)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "manifest.json":  # it names the describe folder, which differs
            assert (first / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes(), rel
    other = generate(tmp_path / "seed7", scale=0.02, seed=7, describe=folder)
    assert (
        other.objects["salesforce/Site_Visit__c"]
        != json.loads((first / "manifest.json").read_text())["objects"]["salesforce/Site_Visit__c"]
    )


def test_a_changes_export_of_a_twin_adds_up_to_its_next_snapshot(foreign: tuple[Path, Path], tmp_path: Path) -> None:
    """The snapshot at D plus the day folders after D are the snapshot at D+3, for objects only the twin
    has: drawn values depend on the record, never on the as-of date."""
    folder, _ = foreign
    start, day, later = AS_OF - dt.timedelta(days=365), AS_OF, AS_OF + dt.timedelta(days=3)
    common = {"scale": 0.02, "describe": folder, "start": start}
    generate(tmp_path / "d", as_of=day, **common)
    generate(tmp_path / "d3", as_of=later, **common)
    generate(tmp_path / "changes", as_of=later, export="changes", since=day, **common)
    for name in ("Site_Visit__c", "Visit_Note__c", "Account"):
        merged = {r["Id"]: r for r in rows(tmp_path / "d", name)}
        folders = sorted(p for p in (tmp_path / "changes").iterdir() if p.is_dir() and p.name != "describe")
        assert [p.name for p in folders] == [(day + dt.timedelta(days=i)).isoformat() for i in (1, 2, 3)]
        for f in folders:
            path = f / "salesforce" / f"{name}.csv"
            if path.exists():
                merged.update({r["Id"]: r for r in read(path)[1]})
        assert merged == {r["Id"]: r for r in rows(tmp_path / "d3", name)}, name


def test_describes_the_twin_cannot_use_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = foreign_describe(tmp_path / "no-stages", stages=False)
    opportunity = json.loads((folder / "Opportunity_describe.json").read_text())
    with pytest.raises(GenerateError, match=r"which stage is won .* OpportunityStage\.json"):
        generate(tmp_path / "out", scale=0.01, describe=folder)
    # Stage names that say what they mean need no OpportunityStage records.
    stage = next(f for f in opportunity["fields"] if f["name"] == "StageName")
    stage["picklistValues"] = [{"value": v, "active": True} for v in ("Offen", "Deal Won", "Deal Lost")]
    (folder / "Opportunity_describe.json").write_text(json.dumps(opportunity))
    generate(tmp_path / "out", scale=0.01, describe=folder)
    assert {d["StageName"] for d in rows(tmp_path / "out", "Opportunity")} == {"Offen", "Deal Won", "Deal Lost"}

    visit = json.loads((folder / "Site_Visit__c_describe.json").read_text())
    del visit["keyPrefix"]
    (folder / "Site_Visit__c_describe.json").write_text(json.dumps(visit))
    with pytest.raises(GenerateError, match="Site_Visit__c: its describe has no keyPrefix"):
        generate(tmp_path / "out2", scale=0.01, describe=folder)
    (folder / "Site_Visit__c_describe.json").write_text("{not json")
    code = main(["generate", "--scale", "0.01", "--describe", str(folder), "--out", str(tmp_path / "o3"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Site_Visit__c_describe.json: not readable JSON" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out2").exists() and not (tmp_path / "o3").exists()  # nothing half-written
    with pytest.raises(GenerateError, match="does not exist"):
        generate(tmp_path / "o4", scale=0.01, describe=tmp_path / "nowhere")


def test_the_built_in_org_is_unchanged_by_the_twin_code(tmp_path: Path) -> None:
    """No describe: no describe folder, no manifest key, and the files every other test pins."""
    manifest = generate(tmp_path / "org", scale=0.01)
    assert manifest.describe is None and not (tmp_path / "org" / "describe").exists()
    assert "describe" not in json.loads((tmp_path / "org" / "manifest.json").read_text())
    with (tmp_path / "org" / "salesforce" / "Account.csv").open(newline="") as f:
        assert "CustomerSegment__c" in next(csv.reader(f))
