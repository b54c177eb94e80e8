"""The object catalogue: every object the pipeline knows, declared once, and the names derived from it.

Each object of a source system (`ObjectRef`) is a `Table`: its key, its cursor (the column whose
latest value wins, and by which a live source reads incrementally) and its columns, each with its
source name, type, whether it is required (`!`) and the object it refers to (`>Object`). `TABLES` is
in load order, every parent before its children. Every layer reads it: connectors (which objects to
extract, by which cursor), bronze (the declared spelling of each header), silver (types and checks),
the mock org (describe metadata) and the generator's dirty mode (which columns to spoil).

A column's silver name is its snake_case source name (`StageName` → `stage_name`, custom fields
lose `__c`); a Salesforce `Id` becomes `<table>_id`. Types: id (Salesforce Id, 15 or 18 characters,
stored as 18), key (a business key such as a customer number or SKU: trimmed, upper-case), text,
email (lower-case), phone (digits, `+` and country code), country (a name or code, stored as the
name plus an ISO `<column>_code`), bool, int, float, money, date, ts (UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

System = Literal["salesforce", "erp"]

# Bronze's own columns. A source column of one of these names is renamed on the way in (the reader
# records how), never dropped: `_line_number`, `_issue` and `_raw` come from the file reader itself.
RESERVED_COLUMNS = (
    "_batch_id",
    "_ingested_at",
    "_source_uri",
    "_row_number",
    "_row_hash",
    "_line_number",
    "_issue",
    "_raw",
)


def table_name(name: str) -> str:
    """An object's warehouse table name: `OpportunityLineItem` → `opportunity_line_item`. A custom object keeps
    its `__c` (`Branch__c` → `branch__c`, `ns__Site__c` → `ns__site__c`), so it never shares a name with a
    standard object (`Order__c` and `Order`)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True, order=True)
class ObjectRef:
    """One object of one source system: (`salesforce`, `Opportunity`) or (`erp`, `sales_orders`)."""

    system: System
    name: str

    @property
    def table(self) -> str:
        """The warehouse table name: `opportunity`, `opportunity_line_item`, `sales_orders`, `branch__c`."""
        return table_name(self.name)

    def __str__(self) -> str:
        return f"{self.system}/{self.name}"


TYPES = ("id", "key", "text", "email", "phone", "country", "bool", "int", "float", "money", "date", "ts")
SQL_TYPES = {
    "id": "TEXT",
    "key": "TEXT",
    "text": "TEXT",
    "email": "TEXT",
    "phone": "TEXT",
    "country": "TEXT",
    "bool": "BOOLEAN",
    "int": "BIGINT",
    "float": "DOUBLE PRECISION",
    "money": "NUMERIC(18, 2)",
    "date": "DATE",
    "ts": "TIMESTAMP WITH TIME ZONE",
}


@dataclass(frozen=True)
class Column:
    source: str
    name: str
    type: str
    required: bool
    parent: str | None  # object name in the same system


@dataclass(frozen=True)
class Table:
    ref: ObjectRef
    key: tuple[str, ...]  # source names
    modstamp: str  # the cursor: source name of the column whose latest value wins and that live sources read by
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return self.ref.table

    @cached_property
    def by_source(self) -> dict[str, Column]:
        return {c.source: c for c in self.columns}

    @property
    def key_columns(self) -> list[str]:
        return [self.by_source[k].name for k in self.key]

    @property
    def modstamp_column(self) -> str:
        return self.by_source[self.modstamp].name

    def output_columns(self) -> list[tuple[str, str]]:
        """Silver columns and SQL types, a country's ISO code right after its name."""
        out: list[tuple[str, str]] = []
        for c in self.columns:
            out.append((c.name, SQL_TYPES[c.type]))
            if c.type == "country":
                out.append((f"{c.name}_code", "TEXT"))
        return out


def snake(source: str, table: str) -> str:
    if source == "Id":
        return f"{table}_id"
    base = source.removesuffix("__c")
    base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", base)
    return base.replace("__", "_").lower()


def table(system: System, name: str, key: str, modstamp: str, spec: str) -> Table:
    ref = ObjectRef(system, name)
    columns = []
    for token in spec.split():
        m = re.fullmatch(r"([A-Za-z0-9_]+):([a-z]+)(!?)(?:>([A-Za-z0-9_]+))?", token)
        if not m or m.group(2) not in TYPES:
            raise ValueError(f"{system}/{name}: bad column spec {token!r}")
        source, kind, required, parent = m.groups()
        columns.append(Column(source, snake(source, ref.table), kind, bool(required), parent))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ValueError(f"{system}/{name}: two columns share a silver name")
    return Table(ref, tuple(key.split()), modstamp, tuple(columns))


# A Salesforce describe type → silver's type, for fields the catalogue does not declare (see
# fauxforce.silver.infer); anything else (string, picklist, textarea, url, time, …) is text.
DESCRIBE_TYPES = {
    "id": "id",
    "reference": "id",
    "email": "email",
    "phone": "phone",
    "boolean": "bool",
    "int": "int",
    "double": "float",
    "percent": "float",
    "currency": "money",
    "date": "date",
    "datetime": "ts",
}


SF_AUDIT = "CreatedDate:ts! CreatedById:id>User LastModifiedDate:ts LastModifiedById:id>User SystemModstamp:ts!"
SF_SYSTEM = f"OwnerId:id>User {SF_AUDIT}"


def sf(name: str, spec: str) -> Table:
    return table("salesforce", name, "Id", "SystemModstamp", spec)


def erp(name: str, key: str, spec: str) -> Table:
    return table("erp", name, key, "updated_at", spec + " created_at:ts! updated_at:ts!")


# In load order: every parent before its children.
TABLES: tuple[Table, ...] = (
    sf(
        "User",
        f"""Id:id! Username:text! LastName:text! FirstName:text Name:text CompanyName:text Department:text
       Title:text Email:email! Alias:text IsActive:bool! TimeZoneSidKey:text LocaleSidKey:text EmailEncodingKey:text
       LanguageLocaleKey:text UserType:text ManagerId:id>User Country:country {SF_AUDIT}""",
    ),
    sf(
        "Product2",
        f"""Id:id! Name:text! ProductCode:text Description:text IsActive:bool! Family:text IsDeleted:bool!
       {SF_AUDIT}""",
    ),
    sf(
        "Pricebook2",
        f"""Id:id! Name:text! IsActive:bool! IsStandard:bool Description:text IsDeleted:bool!
       {SF_AUDIT}""",
    ),
    sf(
        "PricebookEntry",
        f"""Id:id! Name:text Pricebook2Id:id!>Pricebook2 Product2Id:id!>Product2 ProductCode:text
       UnitPrice:money! IsActive:bool! UseStandardPrice:bool IsDeleted:bool! {SF_AUDIT}""",
    ),
    sf(
        "Campaign",
        f"""Id:id! IsDeleted:bool! Name:text! Type:text Status:text StartDate:date EndDate:date
       BudgetedCost:money ActualCost:money ExpectedRevenue:money NumberSent:int IsActive:bool {SF_SYSTEM}""",
    ),
    sf(
        "Account",
        f"""Id:id! IsDeleted:bool! Name:text! Type:text ParentId:id>Account BillingStreet:text
       BillingCity:text BillingState:text BillingPostalCode:text BillingCountry:country BillingLatitude:float
       BillingLongitude:float ShippingStreet:text ShippingCity:text ShippingState:text ShippingPostalCode:text
       ShippingCountry:country Phone:phone Fax:phone AccountNumber:text Website:text Sic:text Industry:text
       AnnualRevenue:money NumberOfEmployees:int Ownership:text TickerSymbol:text Description:text Rating:text
       Site:text {SF_SYSTEM} AccountSource:text YearStarted:text CustomerSegment__c:text GeographicRegion__c:text
       AccountStatus__c:text ERP_Customer_Number__c:key""",
    ),
    sf(
        "Contact",
        f"""Id:id! IsDeleted:bool! AccountId:id>Account LastName:text! FirstName:text Salutation:text
       Name:text MailingStreet:text MailingCity:text MailingState:text MailingPostalCode:text MailingCountry:country
       Phone:phone MobilePhone:phone ReportsToId:id>Contact Email:email Title:text Department:text LeadSource:text
       Birthdate:date {SF_SYSTEM} ContactRole__c:text ContactLevel__c:text EngagementScore__c:int""",
    ),
    sf(
        "Opportunity",
        f"""Id:id! IsDeleted:bool! AccountId:id>Account IsPrivate:bool Name:text! Description:text
       StageName:text! Amount:money Probability:float ExpectedRevenue:money TotalOpportunityQuantity:float
       CloseDate:date! Type:text NextStep:text LeadSource:text IsClosed:bool! IsWon:bool! ForecastCategory:text
       ForecastCategoryName:text CampaignId:id>Campaign HasOpportunityLineItem:bool Pricebook2Id:id>Pricebook2
       {SF_SYSTEM} LastStageChangeDate:ts FiscalQuarter:int FiscalYear:int CurrencyIsoCode:text DealSize__c:text
       ProductInterest__c:text Budget__c:money Timeline__c:text""",
    ),
    sf(
        "OpportunityLineItem",
        f"""Id:id! OpportunityId:id!>Opportunity SortOrder:int
       PricebookEntryId:id>PricebookEntry Product2Id:id>Product2 ProductCode:text Name:text Quantity:float!
       TotalPrice:money! UnitPrice:money! ListPrice:money ServiceDate:date Description:text IsDeleted:bool!
       {SF_AUDIT}""",
    ),
    sf(
        "OpportunityContactRole",
        f"""Id:id! OpportunityId:id!>Opportunity ContactId:id!>Contact Role:text
       IsPrimary:bool {SF_AUDIT} IsDeleted:bool!""",
    ),
    sf(
        "OpportunityHistory",
        """Id:id! OpportunityId:id!>Opportunity CreatedById:id>User CreatedDate:ts!
       StageName:text! Amount:money ExpectedRevenue:money CloseDate:date Probability:float ForecastCategory:text
       SystemModstamp:ts! IsDeleted:bool!""",
    ),
    sf(
        "Case",
        f"""Id:id! IsDeleted:bool! CaseNumber:text! ContactId:id>Contact AccountId:id>Account Type:text
       Status:text! Reason:text Origin:text Subject:text Priority:text IsClosed:bool! ClosedDate:ts
       IsEscalated:bool {SF_SYSTEM}""",
    ),
    sf(
        "Lead",
        f"""Id:id! IsDeleted:bool! LastName:text! FirstName:text Salutation:text Name:text Title:text
       Company:text! Street:text City:text State:text PostalCode:text Country:country Phone:phone MobilePhone:phone
       Email:email Website:text LeadSource:text Status:text! Industry:text Rating:text AnnualRevenue:money
       NumberOfEmployees:int IsConverted:bool! ConvertedDate:date ConvertedAccountId:id>Account
       ConvertedContactId:id>Contact ConvertedOpportunityId:id>Opportunity IsUnreadByOwner:bool {SF_SYSTEM}""",
    ),
    erp(
        "suppliers",
        "supplier_id",
        """supplier_id:key! supplier_name:text! country:country lead_time_days:int
        payment_terms:text""",
    ),
    erp("warehouses", "warehouse_code", """warehouse_code:key! warehouse_name:text! city:text country:country"""),
    erp(
        "products",
        "sku",
        """sku:key! product_name:text! family:text category:text unit_cost:money
        list_price:money supplier_id:key>suppliers is_stocked:int weight_kg:float""",
    ),
    erp(
        "customers",
        "customer_number",
        """customer_number:key! customer_name:text! channel:text
        address_line1:text city:text state:text postal_code:text country:country phone:phone email:email
        payment_terms:text credit_limit:money currency:text status:text""",
    ),
    erp(
        "sales_orders",
        "so_number",
        """so_number:key! customer_number:key!>customers opportunity_id:id
        order_date:date! warehouse_code:key>warehouses currency:text order_total:money! status:text!
        shipped_at:ts""",
    ),
    erp(
        "sales_order_lines",
        "so_number line_number",
        """so_number:key!>sales_orders line_number:int!
        sku:key!>products quantity:int! unit_price:money! line_total:money!""",
    ),
    erp(
        "invoices",
        "invoice_number",
        """invoice_number:key! so_number:key!>sales_orders
        customer_number:key!>customers invoice_date:date! due_date:date currency:text amount:money!
        tax_amount:money amount_paid:money status:text!""",
    ),
    erp(
        "payments",
        "payment_id",
        """payment_id:key! invoice_number:key!>invoices customer_number:key>customers
        payment_date:date! amount:money! method:text""",
    ),
    erp(
        "returns",
        "return_number",
        """return_number:key! so_number:key!>sales_orders line_number:int!
        sku:key!>products quantity:int! reason:text return_date:date! refund_amount:money restocked:int""",
    ),
    erp(
        "purchase_orders",
        "po_number",
        """po_number:key! supplier_id:key!>suppliers
        warehouse_code:key!>warehouses order_date:date! expected_date:date currency:text order_total:money
        status:text! received_at:ts""",
    ),
    erp(
        "purchase_order_lines",
        "po_number line_number",
        """po_number:key!>purchase_orders line_number:int!
        sku:key!>products quantity_ordered:int! quantity_received:int unit_cost:money line_total:money""",
    ),
    erp(
        "inventory_transactions",
        "transaction_id",
        """transaction_id:key! sku:key!>products
        warehouse_code:key!>warehouses transaction_type:text! quantity:int! reference:text""",
    ),
    erp(
        "inventory",
        "sku warehouse_code",
        """sku:key!>products warehouse_code:key!>warehouses
        quantity_on_hand:int! quantity_allocated:int reorder_point:int reorder_quantity:int""",
    ),
)
BY_REF: dict[ObjectRef, Table] = {t.ref: t for t in TABLES}
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}  # warehouse table name → table


def objects(system: System) -> list[Table]:
    """The declared objects of one source system, in load order."""
    return [t for t in TABLES if t.ref.system == system]
