"""The ERP side of one block: customers, their sales orders, invoices, payments, returns and stock movements.

Every Closed Won opportunity of a buying account becomes one sales order with the same products
on its close day; ERP-only customers order on their own. Orders ship from stock (a sale movement),
are invoiced when shipped and paid (or not) later; returns come back after shipping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fauxforce.generators import geo, scenarios, shape, vocab
from fauxforce.generators.columns import (
    DAY,
    HOUR,
    child_index,
    choice,
    code,
    date,
    floor_day,
    join,
    masked,
    midnight,
    money,
    number_text,
    pick,
    pool,
    ts,
    work_time,
)
from fauxforce.generators.context import BLOCK_DAYS, Context
from fauxforce.generators.crm import (
    CITY_NAMES,
    STATE_NAMES,
    Accounts,
    Won,
    _addresses,
    _cumulative,
    _phones,
    company_names,
)
from fauxforce.generators.reference import STOCKED_FAMILIES, Reference
from fauxforce.generators.timeline import History, fields

ERP_ONLY_CUSTOMERS_AT_SCALE_1 = 4_800
ORDERS_PER_ERP_ONLY_CUSTOMER = 6.0
RETURN_RATE = 0.04
COUNTRY_CODES = pool([c.code for c in geo.COUNTRIES])
TRANSACTION_COLUMNS = fields(
    "transaction_id sku warehouse_code transaction_type quantity reference created_at updated_at"
)


@dataclass(frozen=True)
class StockEvents:
    """Changes to stock per (sku, warehouse) cell: on hand and allocated to open orders."""

    cell: np.ndarray
    at: np.ndarray
    on_hand: np.ndarray
    allocated: np.ndarray

    @staticmethod
    def concat(parts: list[StockEvents]) -> StockEvents:
        return StockEvents(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ("cell", "at", "on_hand", "allocated"))
        )


@dataclass(frozen=True)
class ErpBlock:
    histories: list[History]
    stock: StockEvents


def sales_weights(ref: Reference) -> np.ndarray:
    """How often each ERP product is on an ERP-only order line, relatively."""
    return ref.popularity * np.where(ref.family == 4, 3.0, 1.0)


def stock_cells(ref: Reference) -> np.ndarray:
    """For each ERP product, its row among stocked products (-1 when not stocked)."""
    stocked = np.isin(ref.family, list(STOCKED_FAMILIES))
    cell = np.full(len(stocked), -1)
    cell[stocked] = np.arange(stocked.sum())
    return cell


def name_variants(rng: np.random.Generator, names: pa.Array) -> pa.Array:
    """How an ERP spells a CRM company name: mostly the same, often not quite."""
    kind = choice(rng, len(names), 5, (0.45, 0.15, 0.15, 0.12, 0.13))
    upper = pc.utf8_upper(names)
    no_suffix = pc.replace_substring_regex(names, r"\s+\S+$", "")
    no_punct = pc.replace_substring_regex(names, r"[.,]", "")
    expanded = names
    for short, long in (
        (r"Inc\.", "Incorporated"),
        (r"Corp\.", "Corporation"),
        ("Ltd", "Limited"),
        (r"Co\.", "Company"),
    ):
        expanded = pc.replace_substring_regex(expanded, rf"\b{short}$", long)
    out = names
    for k, variant in ((1, upper), (2, no_suffix), (3, no_punct), (4, expanded)):
        out = pc.if_else(pa.array(kind == k), variant, out)
    return out


def erp_block(ctx: Context, ref: Reference, block: int, chunk: int, acc: Accounts, won: Won) -> ErpBlock:
    """The block's ERP tables. The steps draw from one random stream in a fixed order; keep it so the same
    seed gives the same org."""
    rng = ctx.rng("erp", block, chunk)
    cust = _customers(ctx, rng, block, chunk, acc)
    orders = _draw_orders(ctx, rng, ref, acc, won, cust)
    pay = _draw_payments(rng, cust, orders, ctx.planted)
    sales_orders = _sales_orders(ref, won, orders, pay)
    lines = _sales_order_lines(ref, orders)
    invoices, invoice_numbers = _invoices(ctx, orders, pay)
    payments = _payments(ctx, rng, orders, pay, invoice_numbers)
    returns, back = _returns(ctx, rng, ref, orders, (block, chunk))
    movements, stock = _stock_movements(ctx, ref, orders, back)
    return ErpBlock([cust.history, sales_orders, lines, invoices, payments, returns, movements], stock)


TAX_RATE = np.array([c.tax_rate for c in geo.COUNTRIES])


@dataclass(frozen=True)
class _Customers:
    """One per buying account (created within the hour), then the ERP-only customers."""

    history: History
    numbers: pa.Array
    country: np.ndarray
    terms: np.ndarray  # index into PAYMENT_TERMS
    payer: np.ndarray  # index into shape.PAYERS: how the customer pays
    linked: np.ndarray  # the accounts that have a customer, in customer order
    n_only: int
    only_created: np.ndarray


@dataclass(frozen=True)
class _Orders:
    """Won deals' orders (same day as the close), then ERP-only customers' own, and their lines."""

    customer: np.ndarray  # per order: index into the customers
    at: np.ndarray
    n_won: int
    numbers: pa.Array
    customer_numbers: pa.Array
    warehouse: np.ndarray
    ship_at: np.ndarray
    invoice_at: np.ndarray
    total: np.ndarray  # net: the sum of the lines, as the won deal's Amount
    tax: np.ndarray  # VAT/GST at the customer's country's rate: the invoice bills total + tax
    line_order: np.ndarray  # per line: index into the orders
    line_no: np.ndarray
    product: np.ndarray
    qty: np.ndarray
    unit: np.ndarray
    line_total: np.ndarray

    @property
    def n(self) -> int:
        return len(self.at)

    @property
    def gross(self) -> np.ndarray:
        """What each order's invoice bills: its net total plus tax."""
        return self.total + self.tax


@dataclass(frozen=True)
class _Payments:
    """Most pay in full around their terms, some part, some not at all."""

    term_days: np.ndarray
    fate: np.ndarray  # 0 paid, 1 partly paid, 2 unpaid
    paid_at: np.ndarray
    paid_cents: np.ndarray

    @property
    def pays(self) -> np.ndarray:
        return self.fate < 2


@dataclass(frozen=True)
class _Returned:
    """Lines of stocked goods that came back, and which of them went back on the shelf."""

    stocked_line: np.ndarray
    ret: np.ndarray  # index into the order lines
    qty: np.ndarray
    at: np.ndarray
    restock: np.ndarray
    numbers: pa.Array


def _customers(ctx: Context, rng: np.random.Generator, block: int, chunk: int, acc: Accounts) -> _Customers:
    spec = ctx.spec
    linked = np.flatnonzero(pc.is_valid(acc.erp_number).to_numpy(zero_copy_only=False))
    n_only = spec.block_count(ERP_ONLY_CUSTOMERS_AT_SCALE_1, block) if chunk == 0 else 0
    o_country = choice(rng, n_only, len(geo.COUNTRIES), [c.weight for c in geo.COUNTRIES])
    o_city, o_street, o_postal = _addresses(ctx, rng, o_country)
    o_names = company_names(ctx, rng, o_country)
    o_created = np.sort(work_time(rng, spec.block_start(block) + rng.integers(0, BLOCK_DAYS, n_only) * DAY))
    o_numbers = join("C", number_text(ctx.seq.number("customer_number", n_only), 7))
    nl, n = len(linked), len(linked) + n_only
    country = np.concatenate([acc.country[linked], o_country])
    city = np.concatenate([acc.city[linked], o_city])
    numbers = pa.concat_arrays([acc.erp_number.take(pa.array(linked)), o_numbers])
    created = np.concatenate([acc.created[linked] + rng.integers(60, HOUR, nl), o_created])
    terms = rng.integers(0, len(vocab.PAYMENT_TERMS), n)
    credit = np.concatenate([acc.employees[linked], rng.integers(5, 500, n_only)]) * 2_000_00
    segment = np.concatenate([np.where(np.isin(acc.type[linked], [2, 3]), 1, 0), np.full(n_only, 2)])
    static = {
        "customer_number": numbers,
        "customer_name": pa.concat_arrays([name_variants(rng, acc.name.take(pa.array(linked))), o_names.name]),
        "channel": pick(pool(("direct", "channel", "web")), segment),
        "address_line1": pa.concat_arrays([acc.street.take(pa.array(linked)), o_street]),
        "city": pick(CITY_NAMES, city),
        "state": pick(STATE_NAMES, city),
        "postal_code": pa.concat_arrays([acc.postal.take(pa.array(linked)), o_postal]),
        "country": pick(COUNTRY_CODES, country),
        "phone": _phones(rng, city),
        "email": join("accounts@", pa.concat_arrays([acc.domain.take(pa.array(linked)), o_names.domain])),
        "payment_terms": pick(pool(vocab.PAYMENT_TERMS), terms),
        "currency": pa.array(["USD"] * n),
        "created_at": ts(created),
    }
    n_edits = rng.poisson(0.4, n)
    e_row, _ = child_index(n_edits)
    e_at = created[e_row] + _cumulative(rng.exponential(150 * DAY, len(e_row)).astype(np.int64) + DAY, e_row)
    row = np.concatenate([np.arange(n), e_row])
    at = np.concatenate([created, e_at])
    limit = credit[row] * np.where(np.arange(len(row)) < n, 1, rng.choice([1, 2], len(row)))
    status = np.where(np.arange(len(row)) < n, 0, choice(rng, len(row), 3, (0.9, 0.07, 0.03)))
    changing = {
        "credit_limit": money(limit),
        "status": pick(pool(("active", "on_hold", "inactive")), status),
    }
    customers = History.build(
        "customers",
        "erp",
        fields(
            "customer_number customer_name channel address_line1 city state postal_code country phone email "
            "payment_terms credit_limit currency status created_at updated_at"
        ),
        static,
        row,
        at,
        changing,
    )
    payer = shape.payers(ctx.rng("payer", block, chunk), n)
    return _Customers(customers, numbers, country, terms, payer, linked, n_only, o_created)


def _draw_orders(
    ctx: Context, rng: np.random.Generator, ref: Reference, acc: Accounts, won: Won, cust: _Customers
) -> _Orders:
    nl = len(cust.linked)
    acct_customer = np.full(len(acc.created), -1)
    acct_customer[cust.linked] = np.arange(nl)
    w_customer = acct_customer[won.account]
    w_created = np.minimum(
        won.closed_at + rng.integers(HOUR, 6 * HOUR, len(w_customer)), floor_day(won.closed_at) + DAY - 1
    )
    o_counts = rng.poisson(ORDERS_PER_ERP_ONLY_CUSTOMER, cust.n_only)
    o_cust, _ = child_index(o_counts)
    o_at = cust.only_created[o_cust] + _cumulative(
        rng.exponential(45 * DAY, len(o_cust)).astype(np.int64) + DAY, o_cust
    )
    order_customer = np.concatenate([w_customer, nl + o_cust])
    order_at = np.concatenate([w_created, o_at])
    no = len(order_at)
    nw = len(w_customer)
    ol_counts = 1 + np.minimum(rng.poisson(1.0, len(o_cust)), 3)
    o_line_order, _ = child_index(ol_counts)
    o_product = choice(rng, len(o_line_order), len(ref.skus), sales_weights(ref))
    o_qty = 1 + rng.poisson(3.0, len(o_line_order))
    line_order = np.concatenate([won.line_opportunity, nw + o_line_order])
    product = np.concatenate([won.line_product, o_product])
    qty = np.concatenate([won.line_quantity, o_qty])
    unit = np.concatenate([won.line_unit_cents, ref.list_price(o_product, o_at[o_line_order])])
    order_by_line = np.argsort(line_order, kind="stable")
    line_order, product, qty, unit = (
        line_order[order_by_line],
        product[order_by_line],
        qty[order_by_line],
        unit[order_by_line],
    )
    line_no = np.arange(len(line_order)) - np.searchsorted(line_order, line_order)
    line_total = unit * qty
    order_total = np.bincount(line_order, weights=line_total, minlength=no).astype(np.int64)
    so_numbers = code("SO-", ctx.seq.number("sales_order", no), 8)
    wh_options = [vocab.WAREHOUSE_BY_COUNTRY[c.code] for c in geo.COUNTRIES]
    cust_country = cust.country[order_customer]
    warehouse = np.array(
        [wh_options[c][i % len(wh_options[c])] for c, i in zip(cust_country, rng.integers(0, 6, no), strict=True)],
        dtype=np.int64,
    )
    ship_at = work_time(rng, floor_day(order_at) + rng.integers(1, 6, no) * DAY)
    invoice_at = ship_at + rng.integers(60, 2 * HOUR, no)
    return _Orders(
        customer=order_customer,
        at=order_at,
        n_won=nw,
        numbers=so_numbers,
        customer_numbers=cust.numbers.take(pa.array(order_customer)),
        warehouse=warehouse,
        ship_at=ship_at,
        invoice_at=invoice_at,
        total=order_total,
        tax=np.round(order_total * TAX_RATE[cust_country]).astype(np.int64),
        line_order=line_order,
        line_no=line_no,
        product=product,
        qty=qty,
        unit=unit,
        line_total=line_total,
    )


def _draw_payments(
    rng: np.random.Generator, cust: _Customers, orders: _Orders, planted: tuple[scenarios.Effect, ...]
) -> _Payments:
    no, total = orders.n, orders.gross  # customers pay what the invoice bills, tax included
    term_days = np.array(vocab.PAYMENT_TERM_DAYS)[cust.terms[orders.customer]]
    payer = cust.payer[orders.customer]
    draw = rng.random(no)
    partly, unpaid = shape.PAYER_PARTLY[payer], shape.PAYER_UNPAID[payer]
    fate = np.where(draw < unpaid, 2, np.where(draw < unpaid + partly, 1, 0))  # paid, partly paid, unpaid
    delay = term_days * shape.PAYER_DELAY[payer] * np.exp(shape.PAYER_SPREAD[payer] * rng.standard_normal(no))
    for e in planted:  # slow payers: the same draws, stretched; nothing else changes
        if isinstance(e, scenarios.SlowPayers):
            assert e.start is not None and e.country is not None
            start = midnight(e.start)
            country = [c.code for c in geo.COUNTRIES].index(e.country)
            slow = (cust.country[orders.customer] == country) & (orders.invoice_at >= start)
            delay = np.where(slow, delay * e.factor, delay)
    paid_at = orders.invoice_at + (delay * DAY).astype(np.int64) + HOUR
    paid_cents = np.where(fate == 0, total, np.where(fate == 1, total * rng.integers(30, 81, no) // 100, 0))
    return _Payments(term_days, fate, paid_at, paid_cents)


def _sales_orders(ref: Reference, won: Won, orders: _Orders, pay: _Payments) -> History:
    no, fate = orders.n, pay.fate
    parts = [
        (np.arange(no), orders.at, 0),
        (np.arange(no), orders.ship_at, 1),
        (np.flatnonzero(fate == 0), pay.paid_at[fate == 0], 2),
    ]
    o_row = np.concatenate([p[0] for p in parts])
    o_v_at = np.concatenate([p[1] for p in parts])
    o_status = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    return History.build(
        "sales_orders",
        "erp",
        fields(
            "so_number customer_number opportunity_id order_date warehouse_code currency order_total status "
            "shipped_at created_at updated_at"
        ),
        {
            "so_number": orders.numbers,
            "customer_number": orders.customer_numbers,
            "opportunity_id": pa.concat_arrays([won.opportunity_ids, pa.nulls(no - orders.n_won, pa.string())]),
            "order_date": date(orders.at),
            "warehouse_code": ref.warehouse_codes.take(pa.array(orders.warehouse)),
            "currency": pa.array(["USD"] * no),
            "order_total": money(orders.total),
            "created_at": ts(orders.at),
        },
        o_row,
        o_v_at,
        {
            "status": pick(pool(("open", "shipped", "closed")), o_status),
            "shipped_at": masked(ts(orders.ship_at[o_row]), o_status >= 1),
        },
    )


def _sales_order_lines(ref: Reference, orders: _Orders) -> History:
    line_at = orders.at[orders.line_order]
    return History.created_only(
        "sales_order_lines",
        "erp",
        ("so_number", "line_number", "sku", "quantity", "unit_price", "line_total", "created_at", "updated_at"),
        {
            "so_number": orders.numbers.take(pa.array(orders.line_order)),
            "line_number": pa.array(orders.line_no + 1),
            "sku": ref.skus.take(pa.array(orders.product)),
            "quantity": pa.array(orders.qty),
            "unit_price": money(orders.unit),
            "line_total": money(orders.line_total),
            "created_at": ts(line_at),
        },
        line_at,
    )


def _invoices(ctx: Context, orders: _Orders, pay: _Payments) -> tuple[History, pa.Array]:
    no, pays, invoice_at = orders.n, pay.pays, orders.invoice_at
    inv_numbers = code("INV-", ctx.seq.number("invoice", no), 8)
    due = floor_day(invoice_at) + pay.term_days * DAY
    i_parts = [(np.arange(no), invoice_at, 0), (np.flatnonzero(pays), pay.paid_at[pays], 1)]
    i_row = np.concatenate([p[0] for p in i_parts])
    i_at = np.concatenate([p[1] for p in i_parts])
    paid = np.concatenate([np.zeros(no, dtype=bool), np.ones(pays.sum(), dtype=bool)])
    i_paid = np.where(paid, pay.paid_cents[i_row], 0)
    gross = orders.gross
    i_status = np.where(i_paid == 0, 0, np.where(i_paid >= gross[i_row], 1, 2))
    invoices = History.build(
        "invoices",
        "erp",
        fields(
            "invoice_number so_number customer_number invoice_date due_date currency amount tax_amount amount_paid "
            "status created_at updated_at"
        ),
        {
            "invoice_number": inv_numbers,
            "so_number": orders.numbers,
            "customer_number": orders.customer_numbers,
            "invoice_date": date(invoice_at),
            "due_date": date(due),
            "currency": pa.array(["USD"] * no),
            "amount": money(gross),
            "tax_amount": money(orders.tax),
            "created_at": ts(invoice_at),
        },
        i_row,
        i_at,
        {"amount_paid": money(i_paid), "status": pick(pool(("open", "paid", "partially_paid")), i_status)},
    )
    return invoices, inv_numbers


def _payments(
    ctx: Context, rng: np.random.Generator, orders: _Orders, pay: _Payments, inv_numbers: pa.Array
) -> History:
    payer = np.flatnonzero(pay.pays)
    paid_at = pay.paid_at[payer]
    return History.created_only(
        "payments",
        "erp",
        fields("payment_id invoice_number customer_number payment_date amount method created_at updated_at"),
        {
            "payment_id": code("PAY-", ctx.seq.number("payment", len(payer)), 8),
            "invoice_number": inv_numbers.take(pa.array(payer)),
            "customer_number": orders.customer_numbers.take(pa.array(payer)),
            "payment_date": date(paid_at),
            "amount": money(pay.paid_cents[payer]),
            "method": pick(pool(vocab.PAYMENT_METHODS), rng.integers(0, len(vocab.PAYMENT_METHODS), len(payer))),
            "created_at": ts(paid_at),
        },
        paid_at,
    )


def _returns(
    ctx: Context, rng: np.random.Generator, ref: Reference, orders: _Orders, key: tuple[int, int]
) -> tuple[History, _Returned]:
    """Some shipped lines of stocked goods come back; most go back on the shelf."""
    line_order, qty, product = orders.line_order, orders.qty, orders.product
    stocked_line = stock_cells(ref)[product] >= 0
    ret = np.flatnonzero(stocked_line & (rng.random(len(line_order)) < RETURN_RATE))
    r_qty = 1 + (rng.random(len(ret)) * qty[ret]).astype(np.int64)
    r_qty = np.minimum(r_qty, qty[ret])
    r_at = orders.ship_at[line_order[ret]] + rng.integers(5, 61, len(ret)) * DAY
    r_reason = choice(rng, len(ret), len(vocab.RETURN_REASONS), (0.2, 0.25, 0.2, 0.25, 0.1))
    for effect in ctx.planted:  # a recall: more of its lines come back, defective
        if isinstance(effect, scenarios.ProductRecall):
            # its own stream, named by the recall itself: the other effects planted beside it do not move it
            stream = ctx.rng("scenario", effect.effect, str(effect.sku), str(effect.start), *key)
            extra = _recalled(stream, ref, orders, effect, stocked_line, ret)
            order = np.argsort(np.concatenate([ret, extra[0]]), kind="stable")
            ret, r_qty, r_at, r_reason = (
                np.concatenate([a, b])[order] for a, b in zip((ret, r_qty, r_at, r_reason), extra, strict=True)
            )
    restock = ~np.isin(r_reason, [0, 1])  # damaged and defective goods are scrapped
    r_numbers = code("RMA-", ctx.seq.number("return", len(ret)), 7)
    returns = History.created_only(
        "returns",
        "erp",
        fields(
            "return_number so_number line_number sku quantity reason return_date refund_amount restocked "
            "created_at updated_at"
        ),
        {
            "return_number": r_numbers,
            "so_number": orders.numbers.take(pa.array(line_order[ret])),
            "line_number": pa.array(orders.line_no[ret] + 1),
            "sku": ref.skus.take(pa.array(product[ret])),
            "quantity": pa.array(r_qty),
            "reason": pick(pool(vocab.RETURN_REASONS), r_reason),
            "return_date": date(r_at),
            "refund_amount": money(orders.unit[ret] * r_qty),
            "restocked": pa.array(restock.astype(np.int8)),
            "created_at": ts(r_at),
        },
        r_at,
    )
    return returns, _Returned(stocked_line, ret, r_qty, r_at, restock, r_numbers)


def _recalled(
    rng: np.random.Generator,
    ref: Reference,
    orders: _Orders,
    effect: scenarios.ProductRecall,
    stocked_line: np.ndarray,
    returned: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The lines of a recalled product, ordered from the recall on, that come back on top of the usual returns,
    so that `factor` times the usual share of them does: (line, quantity, returned at, reason)."""
    assert effect.start is not None and effect.sku is not None
    start = midnight(effect.start)
    line_order = orders.line_order
    target = ref.skus.to_pylist().index(effect.sku)
    eligible = stocked_line & (orders.product == target) & (orders.at[line_order] >= start)
    eligible[returned] = False
    more = (effect.factor - 1) * RETURN_RATE / (1 - RETURN_RATE)  # of the lines not already coming back
    extra = np.flatnonzero(eligible & (rng.random(len(line_order)) < more))
    qty = np.minimum(1 + (rng.random(len(extra)) * orders.qty[extra]).astype(np.int64), orders.qty[extra])
    at = orders.ship_at[line_order[extra]] + rng.integers(5, 61, len(extra)) * DAY
    return extra, qty, at, np.full(len(extra), vocab.RETURN_REASONS.index("defective"))


def _stock_movements(ctx: Context, ref: Reference, orders: _Orders, r: _Returned) -> tuple[History, StockEvents]:
    """A sale movement when a stocked line ships; a return movement when goods go back on the shelf."""
    line_order, qty, product, warehouse = orders.line_order, orders.qty, orders.product, orders.warehouse
    cells = stock_cells(ref)
    n_wh = len(ref.warehouse_codes)
    sold = np.flatnonzero(r.stocked_line)
    back = r.ret[r.restock]
    mv_line = np.concatenate([sold, back])
    mv_qty = np.concatenate([-qty[sold], r.qty[r.restock]])
    mv_at = np.concatenate([orders.ship_at[line_order[sold]], r.at[r.restock]])
    mv_type = np.concatenate([np.zeros(len(sold), dtype=np.int64), np.ones(len(back), dtype=np.int64)])
    mv_ref = pa.concat_arrays(
        [orders.numbers.take(pa.array(line_order[sold])), r.numbers.take(pa.array(np.flatnonzero(r.restock)))]
    )
    mv_wh = warehouse[line_order[mv_line]]
    movements = History.created_only(
        "inventory_transactions",
        "erp",
        TRANSACTION_COLUMNS,
        {
            "transaction_id": code("ITX-", ctx.seq.number("inventory_transaction", len(mv_line)), 9),
            "sku": ref.skus.take(pa.array(product[mv_line])),
            "warehouse_code": ref.warehouse_codes.take(pa.array(mv_wh)),
            "transaction_type": pick(pool(("sale", "return")), mv_type),
            "quantity": pa.array(mv_qty),
            "reference": mv_ref,
            "created_at": ts(mv_at),
        },
        mv_at,
    )
    sold_cell = cells[product[sold]] * n_wh + warehouse[line_order[sold]]
    back_cell = cells[product[back]] * n_wh + warehouse[line_order[back]]
    stock = StockEvents(  # kept until every block is made: cells and quantities in 32 bits
        cell=np.concatenate([sold_cell, sold_cell, back_cell]).astype(np.int32),
        at=np.concatenate([orders.at[line_order[sold]], orders.ship_at[line_order[sold]], r.at[r.restock]]),
        on_hand=np.concatenate([np.zeros(len(sold), dtype=np.int64), -qty[sold], r.qty[r.restock]]).astype(np.int32),
        allocated=np.concatenate([qty[sold], -qty[sold], np.zeros(len(back), dtype=np.int64)]).astype(np.int32),
    )
    return movements, stock
