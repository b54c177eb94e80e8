"""Every integrity rule of docs/generator.md ("Integrity rules"), checked on a generated org read from its CSV files."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from fauxforce.core.salesforce import KEY_PREFIXES, is_valid
from fauxforce.generators import geo, vocab
from fauxforce.generators import org as generator
from tests.conftest import AS_OF, Org, ts

CUT = pd.Timestamp(AS_OF, tz="UTC") + pd.Timedelta(days=1)
SF_OBJECTS = [
    "User",
    "Account",
    "Contact",
    "Lead",
    "Campaign",
    "Opportunity",
    "OpportunityContactRole",
    "OpportunityHistory",
    "Product2",
    "Pricebook2",
    "PricebookEntry",
    "OpportunityLineItem",
    "Case",
]
ERP_TABLES = [
    "customers",
    "suppliers",
    "products",
    "warehouses",
    "inventory",
    "inventory_transactions",
    "purchase_orders",
    "purchase_order_lines",
    "sales_orders",
    "sales_order_lines",
    "invoices",
    "payments",
    "returns",
]

FOREIGN_KEYS = [
    ("Account", "ParentId", "Account", "Id"),
    ("Contact", "AccountId", "Account", "Id"),
    ("Contact", "ReportsToId", "Contact", "Id"),
    ("Opportunity", "AccountId", "Account", "Id"),
    ("Opportunity", "CampaignId", "Campaign", "Id"),
    ("Opportunity", "Pricebook2Id", "Pricebook2", "Id"),
    ("OpportunityLineItem", "OpportunityId", "Opportunity", "Id"),
    ("OpportunityLineItem", "PricebookEntryId", "PricebookEntry", "Id"),
    ("OpportunityLineItem", "Product2Id", "Product2", "Id"),
    ("OpportunityContactRole", "OpportunityId", "Opportunity", "Id"),
    ("OpportunityContactRole", "ContactId", "Contact", "Id"),
    ("OpportunityHistory", "OpportunityId", "Opportunity", "Id"),
    ("Case", "AccountId", "Account", "Id"),
    ("Case", "ContactId", "Contact", "Id"),
    ("Lead", "ConvertedAccountId", "Account", "Id"),
    ("Lead", "ConvertedContactId", "Contact", "Id"),
    ("Lead", "ConvertedOpportunityId", "Opportunity", "Id"),
    ("PricebookEntry", "Pricebook2Id", "Pricebook2", "Id"),
    ("PricebookEntry", "Product2Id", "Product2", "Id"),
    ("User", "ManagerId", "User", "Id"),
    ("erp/products", "supplier_id", "erp/suppliers", "supplier_id"),
    ("erp/sales_orders", "customer_number", "erp/customers", "customer_number"),
    ("erp/sales_orders", "warehouse_code", "erp/warehouses", "warehouse_code"),
    ("erp/sales_order_lines", "so_number", "erp/sales_orders", "so_number"),
    ("erp/sales_order_lines", "sku", "erp/products", "sku"),
    ("erp/invoices", "so_number", "erp/sales_orders", "so_number"),
    ("erp/invoices", "customer_number", "erp/customers", "customer_number"),
    ("erp/payments", "invoice_number", "erp/invoices", "invoice_number"),
    ("erp/returns", "so_number", "erp/sales_orders", "so_number"),
    ("erp/returns", "sku", "erp/products", "sku"),
    ("erp/inventory", "sku", "erp/products", "sku"),
    ("erp/inventory", "warehouse_code", "erp/warehouses", "warehouse_code"),
    ("erp/inventory_transactions", "sku", "erp/products", "sku"),
    ("erp/inventory_transactions", "warehouse_code", "erp/warehouses", "warehouse_code"),
    ("erp/purchase_orders", "supplier_id", "erp/suppliers", "supplier_id"),
    ("erp/purchase_order_lines", "po_number", "erp/purchase_orders", "po_number"),
    ("erp/purchase_order_lines", "sku", "erp/products", "sku"),
    # across the two systems
    ("Account", "ERP_Customer_Number__c", "erp/customers", "customer_number"),
    ("erp/sales_orders", "opportunity_id", "Opportunity", "Id"),
    ("Product2", "ProductCode", "erp/products", "sku"),
]
PRIMARY_KEYS = {name: ["Id"] for name in SF_OBJECTS} | {
    "erp/customers": ["customer_number"],
    "erp/suppliers": ["supplier_id"],
    "erp/products": ["sku"],
    "erp/warehouses": ["warehouse_code"],
    "erp/inventory": ["sku", "warehouse_code"],
    "erp/inventory_transactions": ["transaction_id"],
    "erp/purchase_orders": ["po_number"],
    "erp/purchase_order_lines": ["po_number", "line_number"],
    "erp/sales_orders": ["so_number"],
    "erp/sales_order_lines": ["so_number", "line_number"],
    "erp/invoices": ["invoice_number"],
    "erp/payments": ["payment_id"],
    "erp/returns": ["return_number"],
}


@pytest.fixture(scope="module", params=["whole blocks", "blocks in chunks"])
def org(request: pytest.FixtureRequest, org: Org, tmp_path_factory: pytest.TempPathFactory) -> Org:
    """Every rule holds for the org of the suite (each 30-day block made whole) and for one whose blocks are
    split into chunks of at most 20 accounts, each with its own random streams, as large scales are."""
    if request.param == "whole blocks":
        return org
    out = tmp_path_factory.mktemp("chunked") / "landing"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator, "MAX_BLOCK_ACCOUNTS", 20)
        manifest = generator.generate_org(generator.Options(out=out, seed=7, scale=0.05, as_of=AS_OF))
    assert manifest.files != org.manifest.files  # other streams: the chunks were made
    return Org(out, manifest)


def test_every_object_is_written_and_not_empty(org: Org) -> None:
    for name in SF_OBJECTS + [f"erp/{t}" for t in ERP_TABLES]:
        assert len(org[name]) > 0, name


@pytest.mark.parametrize(("table", "key"), list(PRIMARY_KEYS.items()))
def test_primary_keys_are_unique_and_present(org: Org, table: str, key: list[str]) -> None:
    df = org[table]
    assert df[key].notna().all().all()
    assert not df.duplicated(key).any()


@pytest.mark.parametrize(("child", "column", "parent", "parent_column"), FOREIGN_KEYS)
def test_every_foreign_key_resolves(org: Org, child: str, column: str, parent: str, parent_column: str) -> None:
    values = org[child][column].dropna()
    orphans = values[~values.isin(set(org[parent][parent_column]))]
    assert orphans.empty, f"{child}.{column}: {len(orphans)} orphans, e.g. {orphans.head(3).tolist()}"


@pytest.mark.parametrize("name", SF_OBJECTS)
def test_ids_have_key_prefix_and_checksum(org: Org, name: str) -> None:
    ids = org[name]["Id"]
    assert ids.str.startswith(KEY_PREFIXES[name]).all()
    assert ids.map(is_valid).all()


@pytest.mark.parametrize("name", SF_OBJECTS)
def test_user_lookups_resolve(org: Org, name: str) -> None:
    users = set(org["User"]["Id"])
    for column in ("OwnerId", "CreatedById", "LastModifiedById"):
        if column in org[name]:
            assert org[name][column].dropna().isin(users).all(), column


def test_stage_determines_probability_forecast_and_flags(org: Org) -> None:
    expected = {s[0]: (f"{s[1]}", s[2], str(s[3]).lower(), str(s[4]).lower()) for s in vocab.STAGES}
    opp = org["Opportunity"]
    got = opp[["StageName", "Probability", "ForecastCategoryName", "IsClosed", "IsWon"]].drop_duplicates()
    for row in got.itertuples(index=False):
        prob, forecast, closed, won = expected[row.StageName]
        assert (float(row.Probability), row.ForecastCategoryName, row.IsClosed, row.IsWon) == (
            float(prob),
            forecast,
            closed,
            won,
        )
    assert set(opp["StageName"]) >= {"Closed Won", "Closed Lost", "Prospecting"}


def test_closed_deals_have_past_close_dates(org: Org) -> None:
    opp = org["Opportunity"]
    closed = opp[opp["IsClosed"] == "true"]
    assert (pd.to_datetime(closed["CloseDate"]).dt.date <= AS_OF).all()


@pytest.mark.parametrize("name", SF_OBJECTS)
def test_system_timestamps_are_ordered_and_not_after_as_of(org: Org, name: str) -> None:
    df = org[name]
    created = ts(df["CreatedDate"])
    modstamp = ts(df["SystemModstamp"])
    assert (modstamp < CUT).all()
    assert (created <= modstamp).all()
    if "LastModifiedDate" in df:
        modified = ts(df["LastModifiedDate"])
        assert (created <= modified).all() and (modified <= modstamp).all()


@pytest.mark.parametrize("name", ERP_TABLES)
def test_erp_timestamps_are_ordered_and_not_after_as_of(org: Org, name: str) -> None:
    df = org[f"erp/{name}"]
    created = pd.to_datetime(df["created_at"]).dt.tz_localize("UTC")
    updated = pd.to_datetime(df["updated_at"]).dt.tz_localize("UTC")
    assert (created <= updated).all() and (updated < CUT).all()


def _created(org: Org, name: str, key: str = "Id") -> pd.Series:
    df = org[name]
    column = "CreatedDate" if "CreatedDate" in df else "created_at"
    return pd.Series(
        ts(df[column]).to_numpy()
        if column == "CreatedDate"
        else pd.to_datetime(df[column]).dt.tz_localize("UTC").to_numpy(),
        index=df[key],
    )


@pytest.mark.parametrize(
    ("child", "column", "parent"),
    [
        ("Account", "ParentId", "Account"),
        ("Contact", "AccountId", "Account"),
        ("Opportunity", "AccountId", "Account"),
        ("Opportunity", "CampaignId", "Campaign"),
        ("OpportunityLineItem", "OpportunityId", "Opportunity"),
        ("OpportunityContactRole", "OpportunityId", "Opportunity"),
        ("OpportunityContactRole", "ContactId", "Contact"),
        ("OpportunityHistory", "OpportunityId", "Opportunity"),
        ("Case", "AccountId", "Account"),
        ("Case", "ContactId", "Contact"),
    ],
)
def test_children_are_created_after_parents(org: Org, child: str, column: str, parent: str) -> None:
    df = org[child].dropna(subset=[column])
    child_at = ts(df["CreatedDate"]).to_numpy()
    parent_at = _created(org, parent).loc[df[column]].to_numpy()
    assert (child_at >= parent_at).all()


@pytest.mark.parametrize("name", ["Account", "Contact", "Lead", "Opportunity", "Case", "Campaign"])
def test_records_are_owned_by_users_already_in_post(reference_org: Org, name: str) -> None:
    """A rep who joins during the history owns nothing created before she joined."""
    df = reference_org[name]
    joined = _created(reference_org, "User")
    for column in ("OwnerId", "CreatedById"):
        assert (ts(df["CreatedDate"]).to_numpy() >= joined.loc[df[column]].to_numpy()).all(), column
    users = reference_org["User"]
    assert (ts(users["CreatedDate"]) > pd.Timestamp(reference_org.manifest.start, tz="UTC")).sum() >= 20


def test_converted_leads_precede_what_they_became(org: Org) -> None:
    lead = org["Lead"]
    converted = lead[lead["IsConverted"] == "true"]
    assert len(converted) > 0
    assert (converted["Status"] == "Closed - Converted").all()
    account_at = _created(org, "Account").loc[converted["ConvertedAccountId"]].to_numpy()
    assert (ts(converted["CreatedDate"]).to_numpy() <= account_at).all()
    contact_account = org["Contact"].set_index("Id")["AccountId"].loc[converted["ConvertedContactId"]]
    assert (contact_account.to_numpy() == converted["ConvertedAccountId"].to_numpy()).all()
    unconverted = lead[lead["IsConverted"] == "false"]
    assert unconverted["ConvertedAccountId"].isna().all() and (unconverted["Status"] != "Closed - Converted").all()


def test_line_items_sum_to_amount(org: Org) -> None:
    lines = org["OpportunityLineItem"]
    total = lines["TotalPrice"].map(lambda v: round(float(v) * 100)).groupby(lines["OpportunityId"]).sum()
    opp = org["Opportunity"].set_index("Id")
    amount = opp["Amount"].map(lambda v: round(float(v) * 100))
    assert (total.reindex(amount.index).fillna(0) == amount).all()
    qty_x_price = lines["Quantity"].astype(float) * lines["UnitPrice"].astype(float)
    assert np.allclose(qty_x_price, lines["TotalPrice"].astype(float))


def test_opportunity_history_is_the_stage_path(org: Org) -> None:
    hist = org["OpportunityHistory"].assign(at=lambda d: ts(d["CreatedDate"]))
    last = hist.sort_values(["OpportunityId", "at"]).groupby("OpportunityId").tail(1).set_index("OpportunityId")
    opp = org["Opportunity"].set_index("Id")
    assert (last["StageName"].reindex(opp.index) == opp["StageName"]).all()
    first = hist.sort_values(["OpportunityId", "at"]).groupby("OpportunityId").head(1)
    assert (first["StageName"] == "Prospecting").all()


def _cents(series: pd.Series) -> pd.Series:
    return series.map(lambda v: round(float(v) * 100))


def test_each_closed_won_deal_is_one_sales_order_with_the_same_products(org: Org) -> None:
    opp = org["Opportunity"]
    won = opp[opp["IsWon"] == "true"].set_index("Id")
    orders = org["erp/sales_orders"]
    linked = orders.dropna(subset=["opportunity_id"])
    assert not linked["opportunity_id"].duplicated().any()
    assert set(linked["opportunity_id"]) == set(won.index)
    linked = linked.set_index("opportunity_id")
    assert (pd.to_datetime(linked["order_date"]) >= pd.to_datetime(won.loc[linked.index, "CloseDate"])).all()
    accounts = org["Account"].set_index("Id")
    assert (
        accounts.loc[won.loc[linked.index, "AccountId"], "ERP_Customer_Number__c"].to_numpy()
        == linked["customer_number"].to_numpy()
    ).all()
    oli = org["OpportunityLineItem"]
    crm_lines = sorted(
        zip(
            oli["OpportunityId"],
            oli["ProductCode"],
            oli["Quantity"].astype(float),
            _cents(oli["UnitPrice"]),
            strict=True,
        )
    )
    crm_lines = [line for line in crm_lines if line[0] in won.index]
    sol = (
        org["erp/sales_order_lines"]
        .merge(orders[["so_number", "opportunity_id"]], on="so_number")
        .dropna(subset=["opportunity_id"])
    )
    erp_lines = sorted(
        zip(sol["opportunity_id"], sol["sku"], sol["quantity"].astype(float), _cents(sol["unit_price"]), strict=True)
    )
    assert crm_lines == erp_lines


TAX_RATES = {"US": 0.0, "CA": 0.05, "GB": 0.20, "DE": 0.19, "FR": 0.20, "AU": 0.10}  # standard VAT/GST


def test_invoices_match_orders_and_payments_match_invoices(org: Org) -> None:
    orders = org["erp/sales_orders"].set_index("so_number")
    lines = org["erp/sales_order_lines"]
    assert (
        _cents(lines["line_total"]).groupby(lines["so_number"]).sum().reindex(orders.index)
        == _cents(orders["order_total"])
    ).all()
    invoices = org["erp/invoices"]
    shipped = orders[orders["status"] != "open"]
    assert set(invoices["so_number"]) == set(shipped.index) and not invoices["so_number"].duplicated().any()
    # an invoice bills the order plus the VAT/GST of the customer's country: invoiced ≠ won where tax applies
    net = _cents(orders.loc[invoices["so_number"], "order_total"]).to_numpy()
    tax = _cents(invoices["tax_amount"]).to_numpy()
    assert (_cents(invoices["amount"]).to_numpy() == net + tax).all()
    customers = org["erp/customers"].set_index("customer_number")
    rate = customers.loc[invoices["customer_number"], "country"].map(TAX_RATES).to_numpy()
    assert (np.abs(tax - net * rate) <= 0.5).all()
    assert set(customers["country"]) == set(TAX_RATES) and (tax > 0).mean() > 0.3
    pay = org["erp/payments"]
    paid = _cents(pay["amount"]).groupby(pay["invoice_number"]).sum()
    inv = invoices.set_index("invoice_number")
    assert (paid.reindex(inv.index).fillna(0) == _cents(inv["amount_paid"])).all()
    assert (_cents(inv["amount_paid"]) <= _cents(inv["amount"])).all()
    assert set(inv["status"]) >= {"open", "paid"}


def test_inventory_equals_its_transactions_and_never_goes_negative(org: Org) -> None:
    tx = org["erp/inventory_transactions"].assign(
        qty=lambda d: d["quantity"].astype(int), at=lambda d: pd.to_datetime(d["created_at"])
    )
    inv = org["erp/inventory"].set_index(["sku", "warehouse_code"])
    total = tx.groupby(["sku", "warehouse_code"])["qty"].sum()
    assert (total.reindex(inv.index).fillna(0) == inv["quantity_on_hand"].astype(int)).all()
    ordered = tx.sort_values(["sku", "warehouse_code", "at", "qty"], ascending=[True, True, True, False])
    running = ordered.groupby(["sku", "warehouse_code"])["qty"].cumsum()
    assert (running >= 0).all(), f"{(running < 0).sum()} moments of negative stock"
    assert set(tx["transaction_type"]) == {"opening", "receipt", "sale", "return"}


def test_returns_never_exceed_shipped_and_come_after_shipping(org: Org) -> None:
    returns = org["erp/returns"]
    lines = org["erp/sales_order_lines"].set_index(["so_number", "line_number"])
    shipped_qty = lines.loc[list(zip(returns["so_number"], returns["line_number"], strict=True)), "quantity"].astype(
        int
    )
    assert (returns["quantity"].astype(int).to_numpy() <= shipped_qty.to_numpy()).all()
    returned = returns.groupby(["so_number", "line_number"])["quantity"].apply(lambda q: q.astype(int).sum())
    assert (returned.to_numpy() <= lines.loc[returned.index, "quantity"].astype(int).to_numpy()).all()
    orders = org["erp/sales_orders"].set_index("so_number")
    shipped_at = pd.to_datetime(orders.loc[returns["so_number"], "shipped_at"]).to_numpy()
    assert (pd.to_datetime(returns["created_at"]).to_numpy() > shipped_at).all()


def test_crm_and_erp_overlap_only_in_part_with_names_that_differ(org: Org) -> None:
    accounts = org["Account"]
    customers = org["erp/customers"]
    linked = accounts.dropna(subset=["ERP_Customer_Number__c"])
    assert accounts.loc[accounts["Type"] == "Prospect", "ERP_Customer_Number__c"].isna().all()
    erp_only = ~customers["customer_number"].isin(set(linked["ERP_Customer_Number__c"]))
    assert 0.15 < erp_only.mean() < 0.5
    pairs = linked.merge(customers, left_on="ERP_Customer_Number__c", right_on="customer_number")
    same = pairs["Name"] == pairs["customer_name"]
    assert 0.3 < same.mean() < 0.7
    loose = pairs["customer_name"].str.upper().str.replace(r"[^A-Z]", "", regex=True).str[:6]
    assert (loose == pairs["Name"].str.upper().str.replace(r"[^A-Z]", "", regex=True).str[:6]).mean() > 0.95


def test_addresses_are_consistent(org: Org) -> None:
    patterns = {c[1]: re.compile("^" + c[3].replace("#", r"\d").replace("@", "[A-Z]") + "$") for c in geo.CITIES}
    for frame, prefix in ((org["Account"], "Billing"), (org["Account"], "Shipping"), (org["Lead"], "")):
        city, state = frame[f"{prefix}City"], frame[f"{prefix}State"]
        country, postal = frame[f"{prefix}Country"], frame[f"{prefix}PostalCode"]
        assert (frame.groupby(city)[[state.name, country.name]].nunique() == 1).all().all()
        assert all(patterns[c].match(p) for c, p in zip(city, postal, strict=True))
    assert org["Account"]["BillingCountry"].nunique() == len(geo.COUNTRIES)


def test_contact_emails_are_on_the_account_domain(org: Org) -> None:
    contacts = org["Contact"].merge(org["Account"][["Id", "Website"]], left_on="AccountId", right_on="Id")
    domains = contacts["Website"].str.removeprefix("https://www.")
    assert (contacts["Email"].str.split("@").str[1] == domains).all()
    assert contacts["Email"].str.fullmatch(r"[a-z0-9.]+@[a-z0-9.]+").all()


def test_deals_are_believable(org: Org) -> None:
    opp = org["Opportunity"]
    closed = opp[opp["IsClosed"] == "true"]
    win_rate = (closed["IsWon"] == "true").mean()
    assert 0.15 < win_rate < 0.5
    cycle = (
        pd.to_datetime(closed["CloseDate"]) - ts(closed["CreatedDate"]).dt.tz_localize(None).dt.normalize()
    ).dt.days
    assert 20 <= cycle.median() <= 120
    by_account = opp.assign(amount=opp["Amount"].astype(float)).groupby("AccountId")["amount"].mean()
    size = org["Account"].set_index("Id")["NumberOfEmployees"].astype(float).loc[by_account.index]
    assert by_account.rank().corr(size.rank()) > 0.3  # Spearman: Pearson on ranks


def test_soft_deletes_exist_and_deleted_contacts_are_unreferenced(org: Org) -> None:
    for name in ("Lead", "Case", "Contact"):
        assert (org[name]["IsDeleted"] == "true").sum() > 0, name
    contacts = org["Contact"]
    deleted = set(contacts.loc[contacts["IsDeleted"] == "true", "Id"])
    for child, column in (
        ("OpportunityContactRole", "ContactId"),
        ("Case", "ContactId"),
        ("Lead", "ConvertedContactId"),
    ):
        assert not org[child][column].isin(deleted).any()


def test_salesforce_shape_and_bulk_csv_formats(org: Org) -> None:
    widths = {"Account": 29, "Contact": 24, "Opportunity": 22}
    for name, width in widths.items():
        assert len(org[name].columns) >= width
    custom = {
        "Account": ["CustomerSegment__c", "GeographicRegion__c", "AccountStatus__c", "ERP_Customer_Number__c"],
        "Contact": ["ContactRole__c", "ContactLevel__c", "EngagementScore__c"],
        "Opportunity": ["DealSize__c", "ProductInterest__c", "Budget__c", "Timeline__c"],
    }
    for name, columns in custom.items():
        assert set(columns) <= set(org[name].columns)
    for name in ("Account", "Opportunity", "Case"):
        df = org[name]
        assert df["CreatedDate"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z").all()
        assert df["IsDeleted"].isin({"true", "false"}).all()
    header = (org.root / "salesforce" / "Account.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith('"Id","IsDeleted","Name"')
    assert org["erp/sales_orders"]["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()


def test_manifest_counts_and_checksums_match_the_files(org: Org) -> None:
    import hashlib

    for key, counts in org.manifest.objects.items():
        assert len(org[key]) == counts["rows"], key
        if "IsDeleted" in org[key]:
            assert (org[key]["IsDeleted"] == "false").sum() == counts["live_rows"]
    for path, digest in org.manifest.files.items():
        assert hashlib.sha256((org.root / path).read_bytes()).hexdigest() == digest


@pytest.mark.slow
def test_reference_volume_and_distinct_names(reference_org: Org) -> None:
    rows = {k: v["rows"] for k, v in reference_org.manifest.objects.items()}
    for name, target in (("Account", 20_000), ("Contact", 60_000), ("Opportunity", 100_000)):
        assert abs(rows[f"salesforce/{name}"] - target) <= 0.05 * target, (name, rows[f"salesforce/{name}"])
    names = reference_org["Account"]["Name"]
    assert names.nunique() / len(names) >= 0.9


def test_salutations_fit_first_names_and_phones_are_well_formed(org: Org) -> None:
    from faker.providers.person.en_US import Provider

    female_only = set(Provider.first_names_female) - set(Provider.first_names_male)
    male_only = set(Provider.first_names_male) - set(Provider.first_names_female)
    us = org["Contact"][org["Contact"]["MailingCountry"] == "United States"]
    assert not us.loc[us["Salutation"] == "Mr.", "FirstName"].isin(female_only).any()
    assert not us.loc[us["Salutation"].isin(["Ms.", "Mrs."]), "FirstName"].isin(male_only).any()
    north_america = org["Account"]["BillingCountry"].isin(["United States", "Canada"])
    assert org["Account"].loc[north_america, "Phone"].str.fullmatch(r"\(\d{3}\) [2-9]\d{2}-\d{4}").all()
