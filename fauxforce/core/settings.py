"""One settings object for the whole project, read from the environment and a `.env` file, and the one
function that fills a run's unset arguments from it (`resolve`).

Every entry point (the CLI, each flow when it is run on its own or by a deployment) calls `resolve` with
the arguments it was given; `None` means "from the settings". A flow that starts subflows passes them the
resolved values, so a whole run sees one set of values. `.env.example` lists every setting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DATA_DIR = Path("data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore")

    # Where generated exports land and where the embedded warehouse lives.
    landing_dir: Path = Field(DATA_DIR / "landing", validation_alias="FAUXFORCE_LANDING_DIR")
    warehouse_url: str = Field(f"duckdb:///{DATA_DIR / 'warehouse.duckdb'}", validation_alias="FAUXFORCE_WAREHOUSE_URL")
    crm_source: Literal["csv", "salesforce"] = Field("csv", validation_alias="FAUXFORCE_CRM_SOURCE")
    # Where ERP data comes from: csv (the landing folder's erp/ files) or erp-sql (the database at FAUXFORCE_ERP_URL).
    erp_source: Literal["csv", "erp-sql"] = Field("csv", validation_alias="FAUXFORCE_ERP_SOURCE")
    erp_url: str | None = Field(None, validation_alias="FAUXFORCE_ERP_URL")
    # CSV files: detected per file unless forced here (a Python codec name; one of , ; tab |).
    csv_encoding: str | None = Field(None, validation_alias="FAUXFORCE_CSV_ENCODING")
    csv_delimiter: str | None = Field(None, validation_alias="FAUXFORCE_CSV_DELIMITER")
    # Gold's fiscal calendar: the month the fiscal year starts (1 = January, Salesforce's default).
    fiscal_year_start_month: int = Field(1, ge=1, le=12, validation_alias="FAUXFORCE_FISCAL_YEAR_START_MONTH")
    # Silver's validation policy: rules `[object:]check=action` over the defaults (fauxforce.core.policy).
    validation: str | None = Field(None, validation_alias="FAUXFORCE_VALIDATION")
    # The HTML report each pipeline run writes after gold (`none` for no report); unset: report.html beside
    # a DuckDB warehouse file, else data/report.html.
    report: str | None = Field(None, validation_alias="FAUXFORCE_REPORT")
    # A DuckDB warehouse only: a copy of the file each run refreshes for readers, who may keep it open while
    # runs go on (README, "Reading the warehouse safely"). Unset: no copy.
    reader_copy: Path | None = Field(None, validation_alias="FAUXFORCE_READER_COPY")
    # Maintenance windows of the warehouse, the CRM or the ERP (fauxforce.core.maintenance), e.g.
    # "warehouse=sun 02:00-04:00;crm=2026-12-06T22:00/2026-12-07T02:00"; a run in one ends Cancelled.
    maintenance: str | None = Field(None, validation_alias="FAUXFORCE_MAINTENANCE")
    # Where `fauxforce run` runs its flows when no Prefect API is configured (PREFECT_API_URL): `local`, a
    # Prefect server it starts once on 127.0.0.1 and reuses until it has been idle this many minutes
    # (fauxforce.core.local_server), or `temporary`, Prefect's own server started and stopped by every run.
    prefect_server: Literal["local", "temporary"] = Field("local", validation_alias="FAUXFORCE_PREFECT_SERVER")
    prefect_server_idle: float = Field(30.0, gt=0, validation_alias="FAUXFORCE_PREFECT_SERVER_IDLE")

    # Live Salesforce (any one of simple-salesforce's auth modes).
    salesforce_username: str | None = Field(None, validation_alias="SALESFORCE_USERNAME")
    salesforce_password: SecretStr | None = Field(None, validation_alias="SALESFORCE_PASSWORD")
    salesforce_security_token: SecretStr | None = Field(None, validation_alias="SALESFORCE_SECURITY_TOKEN")
    salesforce_domain: str = Field("login", validation_alias="SALESFORCE_DOMAIN")
    salesforce_consumer_key: str | None = Field(None, validation_alias="SALESFORCE_CONSUMER_KEY")
    salesforce_consumer_secret: SecretStr | None = Field(None, validation_alias="SALESFORCE_CONSUMER_SECRET")
    salesforce_private_key_file: Path | None = Field(None, validation_alias="SALESFORCE_PRIVATE_KEY_FILE")
    salesforce_instance_url: str | None = Field(None, validation_alias="SALESFORCE_INSTANCE_URL")
    salesforce_session_id: SecretStr | None = Field(None, validation_alias="SALESFORCE_SESSION_ID")
    salesforce_api_version: str = Field("62.0", validation_alias="SALESFORCE_API_VERSION")
    salesforce_ca_bundle: Path | None = Field(None, validation_alias="SALESFORCE_CA_BUNDLE")
    # How the salesforce connector reads each object: REST paging up to this many matching records, Bulk
    # API 2.0 above; and per-object choices that override it, e.g. "OpportunityHistory=bulk,User=rest".
    salesforce_bulk_threshold: int = Field(10_000, ge=0, validation_alias="FAUXFORCE_SALESFORCE_BULK_THRESHOLD")
    salesforce_api: str | None = Field(None, validation_alias="FAUXFORCE_SALESFORCE_API")
    # Which objects the salesforce connector reads: patterns, `!pattern` to leave out, `default` for the
    # default set (the sales objects, activities and every custom object), e.g. "default,Quote*,!Campaign*".
    salesforce_objects: str | None = Field(None, validation_alias="FAUXFORCE_SALESFORCE_OBJECTS")
    # The external id field `load-org` upserts each object by (a Text(18) field marked External ID and Unique),
    # with per-object exceptions, e.g. "Fauxforce_Id__c,Account=Legacy_Id__c".
    salesforce_external_id: str = Field("Fauxforce_Id__c", validation_alias="FAUXFORCE_SALESFORCE_EXTERNAL_ID")
    # The mapping `fauxforce sync` and the sync-to-salesforce deployment write gold to Salesforce by.
    sync_mapping: Path = Field(Path("sync.yaml"), validation_alias="FAUXFORCE_SYNC_MAPPING")
    # A Prefect Secret block holding a JSON object of SALESFORCE_* settings (they override the ones above).
    salesforce_secret_block: str | None = Field(None, validation_alias="SALESFORCE_SECRET_BLOCK")
    # Where to log in instead of https://<domain>.salesforce.com (the mock org, or a proxy in front of Salesforce).
    salesforce_login_url: str | None = Field(None, validation_alias="SALESFORCE_LOGIN_URL")


class SettingsError(ValueError):
    """A setting (environment or `.env`) is unusable: one line naming the variable and what it takes."""


def get_settings() -> Settings:
    """The settings, or a `SettingsError` that names each unusable variable (never a secret's value)."""
    try:
        return Settings()
    except ValidationError as e:
        raise SettingsError("; ".join(_describe(error) for error in e.errors())) from None
    except UnicodeDecodeError as e:
        where = f"byte {e.object[e.start]:#04x} at offset {e.start}"
        raise SettingsError(f".env is not UTF-8 text ({where}); save it as UTF-8") from None


def _describe(error: Any) -> str:
    name = str(error["loc"][0]) if error.get("loc") else "a setting"
    secret = any(word in name for word in ("PASSWORD", "SECRET", "TOKEN", "SESSION"))
    given = "" if secret else f" (got {error.get('input')!r})"
    return f"{name}: {error['msg']}{given}"


MASK = "***"


def masked(url: str) -> str:
    """A database URL with its password (if any) replaced by `***`: safe to print, log and store."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url if "@" not in url else "<a database URL that cannot be parsed>"
    return parsed.render_as_string(hide_password=True) if parsed.password else url


def unmasked(url: str, known: list[str | None]) -> str:
    """`url` itself, or, when its password is masked (`***`), the URL among `known` that masks to it."""
    try:
        if make_url(url).password != MASK:
            return url
    except ArgumentError:
        return url  # the warehouse reports an unusable URL
    for candidate in known:
        if candidate and masked(candidate) == url:
            return candidate
    raise ValueError(
        f"the warehouse URL {url} has its password masked, and FAUXFORCE_WAREHOUSE_URL does not hold that "
        "URL with its password; set FAUXFORCE_WAREHOUSE_URL (environment or .env) to the full URL"
    )


@dataclass(frozen=True)
class RunSettings:
    """What one pipeline run uses, every value filled in."""

    landing: Path
    warehouse: str  # a SQLAlchemy URL, with its password: never a flow parameter, never printed (use `masked`)
    source: str  # where CRM data comes from: csv or salesforce
    erp_source: str  # where ERP data comes from: csv or erp-sql
    encoding: str | None  # forced CSV encoding; None = detected per file
    delimiter: str | None  # forced CSV delimiter; None = detected per file
    fiscal_year_start_month: int
    validation: str | None = None  # silver's validation rules over the defaults; None: the defaults
    report: Path | None = None  # where the run writes its HTML report; None: no report
    reader_copy: Path | None = None  # a DuckDB warehouse's copy for readers, refreshed after each run
    maintenance: str | None = None  # maintenance windows (FAUXFORCE_MAINTENANCE)
    prefect_server: str = "local"  # without a Prefect API: local (reused) or temporary (per run)
    prefect_server_idle: float = 30.0  # minutes the local Prefect server stays up without a run

    @property
    def warehouse_masked(self) -> str:
        """The warehouse URL as it may be printed, logged or passed as a flow parameter."""
        return masked(self.warehouse)


def resolve(
    *,
    landing: str | Path | None = None,
    warehouse: str | None = None,
    source: str | None = None,
    erp_source: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    fiscal_year_start_month: int | None = None,
    validation: str | None = None,
    report: str | Path | None = None,
    settings: Settings | None = None,
) -> RunSettings:
    """A run's values: each argument given, else its setting (environment, `.env`), else the default.

    A warehouse URL whose password is masked (`postgresql+psycopg://user:***@host/db`, as flows pass it to
    one another) gets its password back from FAUXFORCE_WAREHOUSE_URL.
    """
    s = settings or get_settings()
    url = unmasked(as_url(warehouse or s.warehouse_url), [as_url(s.warehouse_url)])
    return RunSettings(
        landing=Path(landing) if landing is not None else s.landing_dir,
        warehouse=url,
        source=source or s.crm_source,
        erp_source=erp_source or s.erp_source,
        encoding=encoding or s.csv_encoding,
        delimiter=delimiter or s.csv_delimiter,
        fiscal_year_start_month=fiscal_year_start_month or s.fiscal_year_start_month,
        validation=validation or s.validation,
        report=report_path(report if report is not None else s.report if s.report is not None else default_report(url)),
        reader_copy=s.reader_copy,
        maintenance=s.maintenance,
        prefect_server=s.prefect_server,
        prefect_server_idle=s.prefect_server_idle,
    )


NO_REPORT = ("", "none", "off", "no", "false")
DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")


def as_url(warehouse: str) -> str:
    """A warehouse URL; a plain path to a DuckDB file (`data/warehouse.duckdb`) means that file."""
    if "://" not in warehouse and warehouse.endswith(DUCKDB_SUFFIXES):
        return f"duckdb:///{warehouse}"
    return warehouse


def default_report(warehouse: str) -> Path:
    """report.html beside a DuckDB warehouse file, else data/report.html."""
    try:
        parsed = make_url(warehouse)
    except ArgumentError:
        return DATA_DIR / "report.html"
    if parsed.get_backend_name() == "duckdb" and parsed.database and not parsed.database.startswith(":memory:"):
        return Path(parsed.database).expanduser().parent / "report.html"
    return DATA_DIR / "report.html"


def report_path(value: str | Path) -> Path | None:
    """Where a run writes its report: the path given, or None for `none`/`off`."""
    return None if str(value).strip().lower() in NO_REPORT else Path(value)


def with_secret_block(settings: Settings) -> Settings:
    """`settings` with the SALESFORCE_* values of the Prefect Secret block SALESFORCE_SECRET_BLOCK names, if any."""
    name = settings.salesforce_secret_block
    if not name:
        return settings
    from prefect.blocks.system import Secret

    try:
        value = Secret.load(name).get()  # type: ignore[union-attr]
    except ValueError as e:
        raise ValueError(f"cannot load the Prefect Secret block {name!r} (SALESFORCE_SECRET_BLOCK): {e}") from None
    if isinstance(value, str):
        import json

        value = json.loads(value)
    if not isinstance(value, dict) or not all(str(k).startswith("SALESFORCE_") for k in value):
        raise ValueError(f"the Prefect Secret block {name!r} must hold a JSON object of SALESFORCE_* settings")
    names = {f.validation_alias: name for name, f in Settings.model_fields.items()}
    typed = Settings(**value)  # validated and typed like the environment's values
    return settings.model_copy(update={names[k]: getattr(typed, str(names[k])) for k in value if k in names})
