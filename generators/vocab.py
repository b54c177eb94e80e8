"""Salesforce picklists and ERP vocabularies, as typed constants (docs/generator.md, "Salesforce shape")."""

from __future__ import annotations

from typing import Final

from fauxforce.core import salesforce

# StageName → (Probability, ForecastCategoryName, IsClosed, IsWon); open stages in pipeline order.
STAGES: Final = salesforce.STAGES
N_OPEN_STAGES: Final = 8
CLOSED_WON: Final = 8
CLOSED_LOST: Final = 9

ACCOUNT_TYPES: Final = (
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Other",
)
ACCOUNT_TYPE_WEIGHTS: Final = (0.30, 0.34, 0.14, 0.08, 0.05, 0.05, 0.04)
# Types that buy from us and so exist in the ERP as customers.
BUYING_TYPES: Final = frozenset({1, 2, 3})

RATINGS: Final = ("Hot", "Warm", "Cold")
SOURCES: Final = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
OWNERSHIP: Final = ("Public", "Private", "Subsidiary", "Other")
LEAD_STATUSES: Final = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted")
CASE_STATUSES: Final = ("New", "Working", "Escalated", "Closed")
CASE_PRIORITIES: Final = ("High", "Medium", "Low")
CASE_ORIGINS: Final = ("Phone", "Email", "Web")
CASE_TYPES: Final = ("Mechanical", "Electrical", "Electronic", "Structural", "Other")
CASE_REASONS: Final = (
    "Installation",
    "Equipment Complexity",
    "Performance",
    "Breakdown",
    "Equipment Design",
    "Feedback",
    "Other",
)
CASE_SUBJECTS: Final = (
    "Unit does not power on",
    "Installation questions",
    "Error code on start-up",
    "Replacement part request",
    "Performance lower than specified",
    "Invoice discrepancy",
    "Firmware update failed",
    "Training request",
    "Noise during operation",
    "Shipment arrived damaged",
)
OPPORTUNITY_TYPES: Final = (
    "New Customer",
    "Existing Customer - Upgrade",
    "Existing Customer - Replacement",
    "Existing Customer - Downgrade",
)
CONTACT_ROLES: Final = (
    "Business User",
    "Decision Maker",
    "Economic Buyer",
    "Economic Decision Maker",
    "Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Technical Buyer",
    "Other",
)
SALUTATIONS: Final = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
CAMPAIGN_TYPES: Final = ("Conference", "Webinar", "Email", "Advertisement", "Direct Mail", "Partners", "Other")
CAMPAIGN_STATUSES: Final = ("Planned", "In Progress", "Completed")

INDUSTRIES: Final = (
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Other",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
)

# Company-name descriptor → industry, so a name hints at what the company does.
DESCRIPTORS: Final[tuple[tuple[str, str], ...]] = (
    ("Farms", "Agriculture"),
    ("Agritech", "Agriculture"),
    ("Apparel", "Apparel"),
    ("Outfitters", "Apparel"),
    ("Bank", "Banking"),
    ("Bancorp", "Banking"),
    ("Biosciences", "Biotechnology"),
    ("Therapeutics", "Biotechnology"),
    ("Chemicals", "Chemicals"),
    ("Polymers", "Chemicals"),
    ("Telecom", "Communications"),
    ("Networks", "Communications"),
    ("Builders", "Construction"),
    ("Construction", "Construction"),
    ("Consulting", "Consulting"),
    ("Advisors", "Consulting"),
    ("Academy", "Education"),
    ("Learning", "Education"),
    ("Electronics", "Electronics"),
    ("Semiconductors", "Electronics"),
    ("Energy", "Energy"),
    ("Power", "Energy"),
    ("Engineering", "Engineering"),
    ("Dynamics", "Engineering"),
    ("Studios", "Entertainment"),
    ("Entertainment", "Entertainment"),
    ("Environmental", "Environmental"),
    ("Recycling", "Environmental"),
    ("Capital", "Finance"),
    ("Financial", "Finance"),
    ("Foods", "Food & Beverage"),
    ("Brewing", "Food & Beverage"),
    ("Public Services", "Government"),
    ("Health", "Healthcare"),
    ("Medical", "Healthcare"),
    ("Hotels", "Hospitality"),
    ("Resorts", "Hospitality"),
    ("Insurance", "Insurance"),
    ("Assurance", "Insurance"),
    ("Machinery", "Machinery"),
    ("Tools", "Machinery"),
    ("Manufacturing", "Manufacturing"),
    ("Industries", "Manufacturing"),
    ("Fabrication", "Manufacturing"),
    ("Media", "Media"),
    ("Publishing", "Media"),
    ("Foundation", "Not For Profit"),
    ("Trust", "Not For Profit"),
    ("Holdings", "Other"),
    ("Group", "Other"),
    ("Outdoors", "Recreation"),
    ("Sports", "Recreation"),
    ("Retail", "Retail"),
    ("Stores", "Retail"),
    ("Shipping", "Shipping"),
    ("Freight", "Shipping"),
    ("Technologies", "Technology"),
    ("Software", "Technology"),
    ("Systems", "Technology"),
    ("Analytics", "Technology"),
    ("Labs", "Technology"),
    ("Communications", "Telecommunications"),
    ("Wireless", "Telecommunications"),
    ("Logistics", "Transportation"),
    ("Transport", "Transportation"),
    ("Motors", "Transportation"),
    ("Utilities", "Utilities"),
    ("Water", "Utilities"),
)
NAME_PREFIXES: Final = (
    "Global",
    "United",
    "Northern",
    "Pacific",
    "Atlantic",
    "First",
    "Summit",
    "Pioneer",
    "Blue",
    "Silver",
    "Evergreen",
    "Apex",
    "Golden",
    "Red",
    "Western",
    "Eastern",
    "Metro",
    "Prime",
    "Vertex",
    "Coastal",
)

DEPARTMENTS: Final = ("Executive", "Finance", "Operations", "IT", "Procurement", "Engineering", "Sales", "Marketing")
TITLES_BY_LEVEL: Final[tuple[tuple[str, ...], ...]] = (
    ("CEO", "CFO", "COO", "CTO", "CIO"),
    ("VP Operations", "VP Finance", "VP Engineering", "VP Procurement", "VP IT"),
    ("Director of Operations", "Director of IT", "Procurement Director", "Engineering Director"),
    ("Operations Manager", "IT Manager", "Purchasing Manager", "Project Manager", "Plant Manager"),
    ("Buyer", "Engineer", "Analyst", "Coordinator", "Specialist"),
)
CONTACT_LEVELS: Final = ("C-Level", "VP", "Director", "Manager", "Individual Contributor")
CONTACT_LEVEL_WEIGHTS: Final = (0.08, 0.12, 0.20, 0.30, 0.30)
CONTACT_ROLE_C: Final = ("Decision Maker", "Influencer", "Technical Evaluator", "End User", "Champion")

CUSTOMER_SEGMENTS: Final = ("Enterprise", "Mid-Market", "SMB")
ACCOUNT_STATUSES: Final = ("Active", "Inactive", "On Hold")
REGIONS_BY_COUNTRY: Final[dict[str, str]] = {
    "US": "NA",
    "CA": "NA",
    "GB": "EMEA",
    "DE": "EMEA",
    "FR": "EMEA",
    "AU": "APAC",
}
DEAL_SIZES: Final = ("Small", "Medium", "Large", "Strategic")
TIMELINES: Final = ("Immediate", "This Quarter", "Next Quarter", "This Year", "Next Year")

# ERP
PRODUCT_FAMILIES: Final = ("Hardware", "Software", "Services", "Support", "Spare Parts")
FAMILY_CATEGORY: Final[dict[str, tuple[str, ...]]] = {
    "Hardware": ("Generators", "Controllers", "Sensors", "Pumps"),
    "Software": ("Monitoring", "Analytics", "Fleet Management"),
    "Services": ("Installation", "Training", "Consulting"),
    "Support": ("Standard Support", "Premium Support"),
    "Spare Parts": ("Filters", "Belts", "Boards", "Seals"),
}
WAREHOUSES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("WH-01", "Newark Distribution Center", "Newark", "US"),
    ("WH-02", "Dallas Distribution Center", "Dallas", "US"),
    ("WH-03", "Reno Distribution Center", "Reno", "US"),
    ("WH-04", "Rotterdam Hub", "Rotterdam", "NL"),
    ("WH-05", "Sydney Hub", "Sydney", "AU"),
)
# The warehouse that serves each customer country.
WAREHOUSE_BY_COUNTRY: Final[dict[str, tuple[int, ...]]] = {
    "US": (0, 1, 2),
    "CA": (0, 2),
    "GB": (3,),
    "DE": (3,),
    "FR": (3,),
    "AU": (4,),
}
PAYMENT_TERMS: Final = ("NET15", "NET30", "NET45", "NET60")
PAYMENT_TERM_DAYS: Final = (15, 30, 45, 60)
PAYMENT_METHODS: Final = ("wire", "ach", "card", "check")
RETURN_REASONS: Final = ("damaged", "defective", "wrong_item", "not_needed", "late_delivery")
SUPPLIER_SUFFIXES: Final = ("Components", "Supply", "Industrial", "Parts", "Manufacturing", "Electronics")
