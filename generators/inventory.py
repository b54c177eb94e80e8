"""Stock per sku and warehouse: opening stock, purchase orders and receipts, and the inventory table.

Purchase orders are planned after every block is generated, from demand per (sku, warehouse, day).
Each day the planner projects stock `LOOKAHEAD_DAYS` ahead (every receipt due by then minus every
shipment due by then) and orders when the projection falls below the reorder point. Since no
delivery takes longer than the look-ahead and shipments are known in advance, stock on any day is
at least the projection made `LOOKAHEAD_DAYS` earlier, so it never goes negative. An order placed
on day t depends only on demand up to t + LOOKAHEAD_DAYS, so the plan up to the as-of day does not
change when the org is generated further.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from fauxforce.generators import scenarios
from fauxforce.generators.columns import DAY, HOUR, code, date, money, pick, pool, ts
from fauxforce.generators.context import Context
from fauxforce.generators.erp import TRANSACTION_COLUMNS, StockEvents, stock_cells
from fauxforce.generators.reference import Reference
from fauxforce.generators.timeline import History, fields

LOOKAHEAD_DAYS = 45  # longer than any delivery: promised lead times are 5–28 days, late ones ≤ 1.6×
DAILY_UNITS_AT_SCALE_1 = 260.0  # stocked units shipped per day across all cells (measured)
RECEIPT_HOUR = 6  # goods arrive before the working day starts, so a same-day shipment finds them


def _cell_parameters(ctx: Context, ref: Reference, n_wh: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: product index, reorder point and reorder quantity (master data, fixed by the spec)."""
    cells = stock_cells(ref)
    stocked = np.flatnonzero(cells >= 0)
    product = np.repeat(stocked, n_wh)
    share = ref.popularity[product] / ref.popularity[product].sum()
    daily = DAILY_UNITS_AT_SCALE_1 * ctx.spec.scale * share
    lead = ref.promised_lead_days[ref.supplier[product]]
    reorder_point = np.ceil(daily * lead * 1.5).astype(np.int64) + 2
    reorder_qty = np.ceil(daily * 30).astype(np.int64) + 5
    return product, reorder_point, reorder_qty


def plan(ctx: Context, ref: Reference, events: StockEvents, last_day: int) -> list[History]:
    """Opening stock, purchase orders up to `last_day` (epoch day) with their receipts, and inventory."""
    spec = ctx.spec
    n_wh = len(ref.warehouse_codes)
    product, rop, reorder_qty = _cell_parameters(ctx, ref, n_wh)
    n_cells = len(product)
    first_day = spec.start_ts // DAY
    horizon = last_day - first_day + 2 + LOOKAHEAD_DAYS  # index 0 is the day before the period
    ring = LOOKAHEAD_DAYS + 1  # the days a planning day sees: itself and the look-ahead
    days, cells, units = _shipments(events, first_day, horizon, horizon + LOOKAHEAD_DAYS + 1)
    starts = np.searchsorted(days, np.arange(horizon + LOOKAHEAD_DAYS + 3))  # each day's first shipment

    def shipped(day: int) -> tuple[np.ndarray, np.ndarray]:
        return cells[starts[day] : starts[day + 1]], units[starts[day] : starts[day + 1]]

    # Demand and arrivals of days t … t + LOOKAHEAD_DAYS, day d in column d % ring: the plan's memory stays
    # (cells × look-ahead) whatever the length of the history. Units per cell and day fit 32 bits.
    demand = np.zeros((n_cells, ring), dtype=np.int32)
    arrivals = np.zeros_like(demand)
    opening = np.zeros(n_cells, dtype=np.int64)
    for day in range(1, ring + 1):
        np.add.at(demand[:, day % ring], *shipped(day))
        np.add.at(opening, *shipped(day))
    opening += rop + reorder_qty
    supplier = ref.supplier[product]
    promised = ref.promised_lead_days
    stock = opening.copy()
    lines: list[tuple[np.ndarray, ...]] = []
    late = _late_suppliers(ctx, ref, first_day)
    for t in range(1, last_day - first_day + 2):
        if t > 1:  # day t - 1 is over: its column now holds day t + LOOKAHEAD_DAYS
            gone = (t - 1) % ring
            demand[:, gone] = 0
            arrivals[:, gone] = 0
            np.add.at(demand[:, gone], *shipped(t + LOOKAHEAD_DAYS))
        now = t % ring
        stock += arrivals[:, now] - demand[:, now]
        ahead_in = arrivals.sum(axis=1) - arrivals[:, now]
        ahead_out = demand.sum(axis=1) - demand[:, now]
        projected = stock + ahead_in - ahead_out
        short = np.flatnonzero(projected < rop)
        if len(short) == 0:
            continue
        rng = ctx.rng("purchase-plan", t)  # one stream per day: the plan is the same whatever comes later
        reliability = ref.reliability
        if late:  # a planted late supplier: from its day on, its share of late deliveries is the scenario's
            reliability = reliability.copy()
            for late_supplier, from_t, share in late:
                if t >= from_t:
                    reliability[late_supplier] = 1 - share
        on_time = rng.random(len(promised)) < reliability
        lead = np.where(
            on_time, promised * rng.uniform(0.7, 1.0, len(promised)), promised * rng.uniform(1.05, 1.6, len(promised))
        )
        lead = np.clip(np.ceil(lead).astype(np.int64), 1, LOOKAHEAD_DAYS)
        fill = np.where(rng.random(n_cells) < 0.9, 1.0, rng.uniform(0.85, 0.99, n_cells))[short]
        need = rop[short] + reorder_qty[short] - projected[short]
        ordered = np.ceil(need / fill).astype(np.int64)
        received = np.maximum(need, np.floor(ordered * fill).astype(np.int64))
        arrive = t + lead[supplier[short]]
        arrivals[short, arrive % ring] += received
        lines.append((np.full(len(short), t), short, ordered, received, arrive))
    return _histories(ctx, ref, product, rop, reorder_qty, opening, lines, events)


def _late_suppliers(ctx: Context, ref: Reference, first_day: int) -> list[tuple[int, int, float]]:
    """(supplier, first plan day, late share) of each planted late supplier."""
    out = []
    ids = ref.supplier_ids.to_pylist()
    for e in ctx.planted:
        if isinstance(e, scenarios.SupplierLate):
            assert e.start is not None and e.supplier is not None
            day = (e.start - dt.date(1970, 1, 1)).days
            out.append((ids.index(e.supplier), day - first_day + 1, e.late_share))
    return out


def _shipments(events: StockEvents, first_day: int, horizon: int, columns: int) -> tuple[np.ndarray, ...]:
    """(day, cell, units) of every shipment before `horizon`, by day (index 0 is the day before the period; a
    day before that counts from the end of a `columns`-day grid, as an index into one would)."""
    day_of = events.at // DAY - first_day + 1
    shipped = (events.on_hand < 0) & (day_of < horizon)
    day = day_of[shipped]
    day = np.where(day < 0, day + columns, day)
    order = np.argsort(day, kind="stable")
    return day[order], events.cell[shipped][order], -events.on_hand[shipped][order]


def _histories(
    ctx: Context,
    ref: Reference,
    product: np.ndarray,
    rop: np.ndarray,
    reorder_qty: np.ndarray,
    opening: np.ndarray,
    lines: list[tuple[np.ndarray, ...]],
    events: StockEvents,
) -> list[History]:
    spec = ctx.spec
    n_wh = len(ref.warehouse_codes)
    first_day = spec.start_ts // DAY
    n_cells = len(product)
    cell_sku = ref.skus.take(pa.array(product))
    cell_wh = ref.warehouse_codes.take(pa.array(np.arange(n_cells) % n_wh))
    opened_at = np.full(n_cells, spec.start_ts - DAY + HOUR)
    if lines:
        day, cell, ordered, received, arrive = (np.concatenate(x) for x in zip(*lines, strict=True))
    else:
        day = cell = ordered = received = arrive = np.zeros(0, dtype=np.int64)
    supplier = ref.supplier[product[cell]]
    wh = cell % n_wh
    # One purchase order per (day, supplier, warehouse), in that order.
    order = np.lexsort((product[cell], wh, supplier, day))
    day, cell, ordered, received, arrive, supplier, wh = (
        a[order] for a in (day, cell, ordered, received, arrive, supplier, wh)
    )
    key = np.stack([day, supplier, wh], axis=1)
    new_po = np.r_[True, (key[1:] != key[:-1]).any(axis=1)] if len(day) else np.zeros(0, dtype=bool)
    po_index = np.cumsum(new_po) - 1
    n_po = int(new_po.sum())
    heads = np.flatnonzero(new_po)
    line_no = np.arange(len(day)) - heads[po_index]
    ordered_at = (first_day + day - 1) * DAY + 9 * HOUR + (day * 7919 % 8) * HOUR
    received_at = (first_day + arrive - 1) * DAY + RECEIPT_HOUR * HOUR + (arrive * 104729 % 3600)
    po_numbers = code("PO-", np.arange(1, n_po + 1), 7)
    unit_cost = ref.cost_cents[product[cell]]
    line_total = unit_cost * ordered
    po_total = np.bincount(po_index, weights=line_total, minlength=n_po).astype(np.int64)
    h_at, h_arrive, h_supplier, h_wh = ordered_at[heads], received_at[heads], supplier[heads], wh[heads]
    promised = ref.promised_lead_days[h_supplier]
    po_row = np.concatenate([np.arange(n_po), np.arange(n_po)])
    po_v_at = np.concatenate([h_at, h_arrive])
    partial = np.zeros(n_po, dtype=bool)
    np.logical_or.at(partial, po_index, received < ordered)
    po_status = np.concatenate([np.zeros(n_po, dtype=np.int64), np.where(partial, 2, 1)])
    purchase_orders = History.build(
        "purchase_orders",
        "erp",
        fields(
            "po_number supplier_id warehouse_code order_date expected_date currency order_total status "
            "received_at created_at updated_at"
        ),
        {
            "po_number": po_numbers,
            "supplier_id": ref.supplier_ids.take(pa.array(h_supplier)),
            "warehouse_code": ref.warehouse_codes.take(pa.array(h_wh)),
            "order_date": date(h_at),
            "expected_date": date(h_at + promised * DAY),
            "currency": pa.array(["USD"] * n_po),
            "order_total": money(po_total),
            "created_at": ts(h_at),
        },
        po_row,
        po_v_at,
        {
            "status": pick(pool(("open", "received", "partially_received")), po_status),
            "received_at": pa.concat_arrays([pa.nulls(n_po, pa.timestamp("s", tz="UTC")), ts(h_arrive)]),
        },
    )
    nl = len(day)
    line_row = np.concatenate([np.arange(nl), np.arange(nl)])
    purchase_order_lines = History.build(
        "purchase_order_lines",
        "erp",
        fields(
            "po_number line_number sku quantity_ordered quantity_received unit_cost line_total created_at updated_at"
        ),
        {
            "po_number": po_numbers.take(pa.array(po_index)),
            "line_number": pa.array(line_no + 1),
            "sku": ref.skus.take(pa.array(product[cell])),
            "quantity_ordered": pa.array(ordered),
            "unit_cost": money(unit_cost),
            "line_total": money(line_total),
            "created_at": ts(ordered_at),
        },
        line_row,
        np.concatenate([ordered_at, received_at]),
        {"quantity_received": pa.array(np.concatenate([np.zeros(nl, dtype=np.int64), received]))},
    )
    movements = History.created_only(
        "inventory_transactions",
        "erp",
        TRANSACTION_COLUMNS,
        {
            "transaction_id": pa.concat_arrays(
                [code("OPN-", np.arange(1, n_cells + 1), 6), code("RCV-", np.arange(1, nl + 1), 8)]
            ),
            "sku": pa.concat_arrays([cell_sku, ref.skus.take(pa.array(product[cell]))]),
            "warehouse_code": pa.concat_arrays([cell_wh, ref.warehouse_codes.take(pa.array(wh))]),
            "transaction_type": pa.array(["opening"] * n_cells + ["receipt"] * nl),
            "quantity": pa.array(np.concatenate([opening, received])),
            "reference": pa.concat_arrays([pa.nulls(n_cells, pa.string()), po_numbers.take(pa.array(po_index))]),
            "created_at": ts(np.concatenate([opened_at, received_at])),
        },
        np.concatenate([opened_at, received_at]),
    )
    # Inventory: the running totals of every movement and allocation, one version per event.
    all_cell = np.concatenate([np.arange(n_cells), cell, events.cell])
    all_at = np.concatenate([opened_at, received_at, events.at])
    d_hand = np.concatenate([opening, received, events.on_hand])
    d_alloc = np.concatenate([np.zeros(n_cells + nl, dtype=np.int64), events.allocated])
    order = np.lexsort((all_at, all_cell))
    all_cell, all_at, d_hand, d_alloc = all_cell[order], all_at[order], d_hand[order], d_alloc[order]
    starts = np.searchsorted(all_cell, np.arange(n_cells))
    hand = np.cumsum(d_hand)
    alloc = np.cumsum(d_alloc)
    hand -= np.r_[0, hand][starts][all_cell]
    alloc -= np.r_[0, alloc][starts][all_cell]
    inventory = History.build(
        "inventory",
        "erp",
        fields(
            "sku warehouse_code quantity_on_hand quantity_allocated reorder_point reorder_quantity created_at "
            "updated_at"
        ),
        {
            "sku": cell_sku,
            "warehouse_code": cell_wh,
            "reorder_point": pa.array(rop),
            "reorder_quantity": pa.array(reorder_qty),
            "created_at": ts(opened_at),
        },
        all_cell,
        all_at,
        {"quantity_on_hand": pa.array(hand), "quantity_allocated": pa.array(alloc)},
    )
    return [purchase_orders, purchase_order_lines, movements, inventory]
