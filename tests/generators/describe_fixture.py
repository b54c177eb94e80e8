"""A describe folder of an org unlike the built-in one, written by hand: French stages with their
OpportunityStage records, three currencies (euro corporate) with their CurrencyType records, record types,
cases that queues may own, a restricted picklist, custom objects in a master-detail chain, a custom object no
generated record owns, a lookup to it from Account, and fields of every common type."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

RECORD_TYPES = ("Vente directe", "Partenaire", "Support", "Réclamation")
CURRENCIES = {"EUR": 1.0, "CHF": 0.95, "USD": 1.08}  # units per euro, the corporate currency
STAGES = [  # (ApiName, IsClosed, IsWon, ForecastCategoryName, DefaultProbability)
    ("Prospection", False, False, "Pipeline", 10),
    ("Qualification", False, False, "Pipeline", 25),
    ("Proposition", False, False, "Best Case", 60),
    ("Négociation", False, False, "Commit", 80),
    ("Gagnée", True, True, "Closed", 100),
    ("Perdue", True, False, "Omitted", 0),
]


def f(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """One describe field entry, with what a real one says by default."""
    entry: dict[str, Any] = {
        "name": name,
        "label": name.removesuffix("__c").replace("_", " "),
        "type": kind,
        "nillable": True,
        "createable": True,
        "updateable": True,
        "calculated": False,
        "unique": False,
        "externalId": False,
        "autoNumber": False,
        "nameField": False,
        "custom": name.endswith("__c"),
        "length": 255 if kind in ("string", "picklist", "email", "phone", "url") else 0,
        "precision": 0,
        "scale": 0,
        "digits": 0,
        "referenceTo": [],
        "picklistValues": [],
        "restrictedPicklist": False,
        "deprecatedAndHidden": False,
    }
    return entry | extra


def picklist(*values: str, inactive: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{"value": v, "label": v, "active": True, "defaultValue": False} for v in values] + [
        {"value": v, "label": v, "active": False, "defaultValue": False} for v in inactive
    ]


def currency() -> dict[str, Any]:
    values = [{"value": code, "label": code, "active": True, "defaultValue": code == "EUR"} for code in CURRENCIES]
    return f("CurrencyIsoCode", "picklist", nillable=False, restrictedPicklist=True, picklistValues=values)


def system(owner: bool = True) -> list[dict[str, Any]]:
    fields = [
        f("IsDeleted", "boolean", nillable=False, createable=False),
        f("CreatedDate", "datetime", nillable=False, createable=False),
        f("CreatedById", "reference", nillable=False, createable=False, referenceTo=["User"]),
        f("LastModifiedDate", "datetime", nillable=False, createable=False),
        f("LastModifiedById", "reference", nillable=False, createable=False, referenceTo=["User"]),
        f("SystemModstamp", "datetime", nillable=False, createable=False),
    ]
    return ([f("OwnerId", "reference", nillable=False, referenceTo=["User"])] if owner else []) + fields


def record_types(*names: str) -> list[dict[str, Any]]:
    """recordTypeInfos: the first name the default, then the others, then the master one every object has."""
    infos = [
        {"name": n, "developerName": n.replace(" ", "_"), "recordTypeId": rt_id(n), "active": True,
         "available": True, "defaultRecordTypeMapping": i == 0, "master": False}
        for i, n in enumerate(names)
    ]  # fmt: skip
    master = {"name": "Master", "developerName": "Master", "recordTypeId": "012000000000000AAA", "master": True}
    return [*infos, master | {"active": True, "available": True, "defaultRecordTypeMapping": False}]


def rt_id(name: str) -> str:
    from tests.silver.test_foreign_org import sfid

    return sfid("012", 100 + RECORD_TYPES.index(name))


def sobject(name: str, prefix: str, fields: list[dict[str, Any]], types: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "name": name,
        "label": name.removesuffix("__c").replace("_", " "),
        "keyPrefix": prefix,
        "custom": name.endswith("__c"),
        "queryable": True,
        "createable": True,
        "fields": [f("Id", "id", nillable=False, createable=False, length=18), *fields],
        "recordTypeInfos": record_types(*types),
    }


def foreign_describe(folder: Path, stages: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    objects = [
        sobject(
            "Account",
            "001",
            [
                f("Name", "string", nillable=False, nameField=True),
                f("Type", "picklist", picklistValues=picklist("Client", "Partenaire", "Prospect")),
                f("Industry", "picklist", picklistValues=picklist("Banque", "Technologie", "Santé")),
                f("Phone", "phone", length=40),
                f("AnnualRevenue", "currency", precision=18, scale=0),
                f("BillingCity", "string", length=40),
                f("BillingCountry", "string", length=80),
                f("Region__c", "reference", referenceTo=["Region__c"]),
                f(
                    "Tier__c",
                    "picklist",
                    nillable=False,
                    restrictedPicklist=True,
                    picklistValues=picklist("Or", "Argent", "Bronze", inactive=("Platine",)),
                ),
                f("Segments__c", "multipicklist", picklistValues=picklist("PME", "ETI", "Grand compte", "Public")),
                f("Score__c", "double", precision=5, scale=1),
                f("Website", "url"),
                f("Onboarded__c", "date"),
                f("Health__c", "percent", precision=3, scale=0),
                f("Legacy_Code__c", "string", length=12, unique=True, externalId=True),
                currency(),
                f("Billing", "address", compoundFieldName=None),
                *system(),
            ],
        ),
        sobject(
            "Opportunity",
            "006",
            [
                f("AccountId", "reference", referenceTo=["Account"]),
                f("Name", "string", nillable=False, length=120, nameField=True),
                f("StageName", "picklist", nillable=False, picklistValues=picklist(*(s[0] for s in STAGES))),
                f("Amount", "currency", precision=18, scale=2),
                f("Probability", "percent", precision=3, scale=0),
                f("CloseDate", "date", nillable=False),
                f("IsClosed", "boolean", nillable=False, createable=False),
                f("IsWon", "boolean", nillable=False, createable=False),
                f(
                    "ForecastCategoryName",
                    "picklist",
                    picklistValues=picklist("Omitted", "Pipeline", "Best Case", "Commit", "Closed"),
                ),
                f("Motif_Perte__c", "picklist", picklistValues=picklist("Prix", "Concurrent", "Calendrier")),
                f("RecordTypeId", "reference", referenceTo=["RecordType"]),
                currency(),
                *system(),
            ],
            types=("Vente directe", "Partenaire"),
        ),
        sobject(
            "Case",
            "500",
            [
                f("CaseNumber", "string", nillable=False, createable=False, length=30, autoNumber=True),
                f("AccountId", "reference", referenceTo=["Account"]),
                f("ContactId", "reference", referenceTo=["Contact"]),
                f("Status", "picklist", nillable=False, picklistValues=picklist("New", "Working", "Closed")),
                f("Subject", "string"),
                f("IsClosed", "boolean", nillable=False, createable=False),
                f("ClosedDate", "datetime", createable=False),
                f("RecordTypeId", "reference", referenceTo=["RecordType"]),
                *system()[1:],
                f("OwnerId", "reference", nillable=False, referenceTo=["Group", "User"]),
            ],
            types=("Support", "Réclamation"),
        ),
        sobject(
            "Site_Visit__c",
            "a0V",
            [
                f("Name", "string", nillable=False, length=80, nameField=True, autoNumber=True, createable=False),
                f("Account__c", "reference", nillable=False, referenceTo=["Account"], relationshipOrder=0),
                f("Contact__c", "reference", referenceTo=["Contact"]),
                f("Visit_Date__c", "date", nillable=False),
                f(
                    "Outcome__c",
                    "picklist",
                    restrictedPicklist=True,
                    picklistValues=picklist("Positive", "Neutre", "Négative"),
                ),
                f("Score__c", "double", precision=5, scale=1),
                f("Visits__c", "double", precision=3, scale=0),
                f("Notes__c", "textarea", length=1000),
                f("Visit_Key__c", "string", length=20, unique=True, externalId=True),
                f("Contact_Email__c", "email", length=80),
                f("Start__c", "time"),
                f("Done__c", "boolean", nillable=False),
                *system(owner=False),
            ],
        ),
        sobject(
            "Visit_Note__c",
            "a0W",
            [
                f("Name", "string", length=80, nameField=True),
                f("Site_Visit__c", "reference", nillable=False, referenceTo=["Site_Visit__c"], relationshipOrder=0),
                f("Body__c", "textarea", length=500, nillable=False),
                *system(owner=False),
            ],
        ),
        sobject(
            "Region__c",
            "a0R",
            [
                f("Name", "string", nillable=False, length=80, nameField=True),
                f("Code__c", "string", length=6, unique=True, externalId=True, nillable=False),
                *system(),
            ],
        ),
    ]
    for d in objects:
        (folder / f"{d['name']}_describe.json").write_text(json.dumps(d), encoding="utf-8")
    if stages:
        records = [
            {"ApiName": n, "MasterLabel": n, "IsActive": True, "IsClosed": c, "IsWon": w, "SortOrder": i,
             "ForecastCategoryName": fc, "DefaultProbability": p}
            for i, (n, c, w, fc, p) in enumerate(STAGES)
        ]  # fmt: skip
        (folder / "OpportunityStage.json").write_text(json.dumps({"records": records}), encoding="utf-8")
        rates = [
            {"IsoCode": code, "ConversionRate": rate, "IsCorporate": code == "EUR", "IsActive": True}
            for code, rate in CURRENCIES.items()
        ]
        (folder / "CurrencyType.json").write_text(json.dumps(rates), encoding="utf-8")
    return folder


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV file's header and records."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)
