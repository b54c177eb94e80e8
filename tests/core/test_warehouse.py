"""Dialect differences the warehouse keeps in one place: staging a batch, and memory for a gold build."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from fauxforce.core.warehouse import ANALYTICS_WORK_MEM, Warehouse, WarehouseError


def test_a_staged_batch_is_readable_in_the_transaction_and_gone_after(warehouse_url: str) -> None:
    wh = Warehouse(warehouse_url)
    data = pa.table({"k": ["a", "b", "c"], "n": [1, 2, 3]})
    try:
        with wh.engine.begin() as conn:
            with wh.staged(conn, "_stage", [("k", "TEXT"), ("n", "BIGINT")], data) as stage:
                total = conn.exec_driver_sql(f"SELECT sum(n) FROM {stage} WHERE k <> 'b'").scalar_one()
            assert total == 4
            leftover = conn.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = '_stage'"
            ).scalar_one()
            assert leftover == 0
    finally:
        wh.dispose()


def test_a_gold_build_gets_memory_for_its_joins_on_postgresql_for_its_transaction_only(postgres_url: str) -> None:
    wh = Warehouse(postgres_url)
    try:
        with wh.engine.begin() as conn:
            before = conn.exec_driver_sql("SHOW work_mem").scalar_one()
            wh.for_analytics(conn)
            assert conn.exec_driver_sql("SHOW work_mem").scalar_one() == ANALYTICS_WORK_MEM
        with wh.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW work_mem").scalar_one() == before
    finally:
        wh.dispose()


def test_postgresql_sessions_compile_no_query_even_after_a_rollback(postgres_url: str) -> None:
    wh = Warehouse(postgres_url)
    try:
        with wh.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
            conn.rollback()
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
        wh.engine.dispose()  # a new session gets it too
        with wh.engine.begin() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1  # and the session is usable
    finally:
        wh.dispose()


@pytest.mark.parametrize("name", ["bronze.duckdb", "Gold.duckdb", "meta.db"])
def test_a_duckdb_file_named_after_a_schema_is_refused(tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WarehouseError, match=f"cannot be called {name}"):
        Warehouse(f"duckdb:///{tmp_path / name}")
    assert not (tmp_path / name).exists()


def test_a_remembered_catalogue_answers_as_the_database_does_and_follows_ddl(warehouse_url: str) -> None:
    wh = Warehouse(warehouse_url)
    asked: list[str] = []
    sa.event.listen(wh.engine, "before_cursor_execute", lambda *a: asked.append(a[2]))
    try:
        with wh.engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS silver")
            wh.create_table(
                conn, "silver", "t", [("k", "TEXT"), ("n", "NUMERIC(18,2)"), ("changed_at", "TIMESTAMP WITH TIME ZONE")]
            )
            conn.exec_driver_sql("CREATE VIEW silver.v AS SELECT k FROM silver.t")
            plain = (wh.column_types(conn, "silver", "t"), wh.schemas_with(conn, "t"), wh.tables(conn, "silver"))
        with wh.catalogue_remembered(), wh.engine.begin() as conn:
            before = len(asked)
            for _ in range(3):
                remembered = (
                    wh.column_types(conn, "silver", "t"),
                    wh.schemas_with(conn, "t"),
                    wh.tables(conn, "silver"),
                )
                assert remembered == plain and wh.columns(conn, "silver", "missing") == []
            assert len(asked) == before + 1  # one read of the catalogue for all of it
            wh.add_columns(conn, "silver", "t", [("flag", "BOOLEAN")])
            wh.create_table(conn, "silver", "u", [("k", "TEXT")])
            assert list(wh.column_types(conn, "silver", "t")) == ["k", "n", "changed_at", "flag"]
            assert wh.tables(conn, "silver") == ["t", "u"] and wh.schemas_with(conn, "u") == {"silver"}
            conn.exec_driver_sql("DROP TABLE silver.u")
            wh.forget_catalogue()
            assert wh.tables(conn, "silver") == ["t"]
            types = wh.column_types(conn, "silver", "t")
        with wh.engine.connect() as conn:  # outside the block: read from the database, and the same
            assert wh.column_types(conn, "silver", "t") == types
    finally:
        wh.dispose()
