"""`fauxforce profile`: a generated org scored against a describe folder or an export of real records. A twin
scores full marks against the describe it was made from, the built-in org does not, a broken value is found,
and a real export scores full marks against itself."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from fauxforce.cli import main
from fauxforce.core.describe import read_folder
from fauxforce.generators.org import generate
from fauxforce.profile import field_problems, overall, profile
from tests.generators.describe_fixture import foreign_describe, read
from tests.silver.test_realworld import DEMO


@pytest.fixture(scope="module")
def orgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("profile")
    folder = foreign_describe(root / "describe")
    generate(root / "twin", scale=0.01, describe=folder)
    generate(root / "built-in", scale=0.01)
    return {"describe": folder, "twin": root / "twin", "built-in": root / "built-in"}


def test_a_twin_scores_full_marks_against_its_describe_and_the_built_in_org_does_not(orgs: dict[str, Path]) -> None:
    kind, twin = profile(orgs["twin"], orgs["describe"])
    assert kind == "describe"
    assert {p.name for p in twin} == set(read_folder(orgs["describe"]).objects)
    assert all(p.score == 100 and p.present == p.expected == p.agree for p in twin), [
        (p.name, p.problems[:3]) for p in twin if p.score < 100
    ]
    _, built_in = profile(orgs["built-in"], orgs["describe"])
    scores = {p.name: p for p in built_in}
    assert scores["Site_Visit__c"].score == 0 and scores["Site_Visit__c"].problems == ["Site_Visit__c: no file"]
    assert "Tier__c" in scores["Account"].missing and 0 < scores["Account"].score < 100
    assert overall(built_in) < 60 < overall(twin) == 100


def test_broken_values_are_found_field_by_field(orgs: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(orgs["twin"], broken)
    path = broken / "salesforce" / "Account.csv"
    header, rows = read(path)
    rows[0]["Tier__c"] = "Platine"  # an inactive value of a restricted picklist
    rows[1]["Name"] = ""  # a required field
    rows[2]["Score__c"] = "12.345"  # beyond scale 1
    rows[3]["Region__c"] = "a0R5g0000000999EAA"  # a lookup to no record
    rows[4]["Legacy_Code__c"] = rows[5]["Legacy_Code__c"]  # a unique field repeated
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    problems = field_problems(broken, read_folder(orgs["describe"]))
    assert sorted(p.split(":")[0] for p in problems) == [
        "Account.Legacy_Code__c",
        "Account.Name",
        "Account.Region__c",
        "Account.Score__c",
        "Account.Tier__c",
    ]
    assert any("not in its picklist: ['Platine']" in p for p in problems)
    account = next(p for p in profile(broken, orgs["describe"])[1] if p.name == "Account")
    assert account.agree == account.expected - 5 and account.score < 100


@pytest.mark.skipif(not DEMO.is_dir(), reason="../shared/realworld is not on this machine")
def test_against_a_real_export_every_object_is_scored(orgs: dict[str, Path]) -> None:
    kind, itself = profile(DEMO, DEMO)
    assert kind == "records" and all(p.score == 100 for p in itself)
    _, built_in = profile(orgs["built-in"], DEMO)
    scores = {p.name: p for p in built_in}
    assert {p.name for p in built_in} == {f.stem for f in DEMO.glob("*.csv")}
    assert scores["Branch__c"].score == 0 and scores["Branch__c"].present == 0  # an object the org lacks
    opportunity = scores["Opportunity"]
    assert 0 < opportunity.score < 100 and opportunity.ks is not None and 0 < opportunity.ks <= 1
    assert opportunity.null_gap is not None and opportunity.fan_out is not None


def test_the_command_prints_a_table_or_json_and_bad_folders_are_one_line(
    orgs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", str(orgs["twin"]), "--reference", str(orgs["describe"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["object", "fields", "valid", "picklists", "score"]
    assert lines[-1] == "overall score 100.0 (objects weighted by their fields)"
    assert main(["profile", str(orgs["built-in"]), "--reference", str(orgs["describe"]), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["against"] == "describe" and figures["score"] < 60
    (tmp_path / "empty").mkdir()
    for args in (["--reference", str(tmp_path / "nowhere")], ["--reference", str(tmp_path / "empty")]):
        assert main(["profile", str(orgs["twin"]), *args]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("fauxforce profile: error:")
    assert main(["profile", str(tmp_path / "empty"), "--reference", str(orgs["describe"])]) == 2
    assert "holds no Salesforce export" in capsys.readouterr().err
