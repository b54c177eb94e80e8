"""A believable company by default: each property docs/generator.md states a target for, measured on the files.

The figures come from `generators/measure.py` reading the exports of a scale-1 org (and a scale-0.1 org for
scale invariance), not from gold. A flat org (every segment, region, rep and month alike) fails every test
here; the targets are the ones the docs give, with where each number comes from.
"""

from __future__ import annotations

import pytest

from fauxforce.generators.measure import Shape, measure
from fauxforce.generators.org import Options, generate_org
from tests.conftest import AS_OF, Org

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shape(reference_org: Org) -> Shape:
    return measure(reference_org.root)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Shape:
    out = tmp_path_factory.mktemp("small") / "landing"
    generate_org(Options(out=out, seed=42, scale=0.1, as_of=AS_OF))
    return measure(out)


def test_revenue_is_concentrated_in_a_few_customers_and_products(shape: Shape) -> None:
    assert 0.70 <= shape.top20_customer_share <= 0.80
    assert 0.70 <= shape.top20_product_share <= 0.85


def test_segments_differ_in_win_rate_deal_size_and_cycle(shape: Shape) -> None:
    ent, mid, smb = (shape.segments[s] for s in ("Enterprise", "Mid-Market", "SMB"))
    assert ent.win_rate * 1.5 <= smb.win_rate
    assert ent.win_rate < mid.win_rate < smb.win_rate
    assert ent.mean_won >= 2.5 * mid.mean_won and mid.mean_won >= 1.8 * smb.mean_won
    assert ent.median_cycle_days >= 1.3 * mid.median_cycle_days >= 1.3 * 1.3 * smb.median_cycle_days


def test_regions_differ(shape: Shape) -> None:
    na, emea, apac = (shape.regions[r] for r in ("NA", "EMEA", "APAC"))
    assert emea.win_rate + 0.03 <= na.win_rate <= apac.win_rate - 0.02
    assert emea.median_cycle_days >= 1.15 * na.median_cycle_days
    assert apac.mean_won < na.mean_won


def test_industries_differ(shape: Shape) -> None:
    win = {name: g.win_rate for name, g in shape.industries.items()}
    cycle = {name: g.median_cycle_days for name, g in shape.industries.items()}
    assert len(win) == 32
    assert max(win.values()) >= 1.6 * min(win.values())
    assert min(win, key=win.__getitem__) == "Government"
    assert max(cycle, key=cycle.__getitem__) == "Government"
    assert cycle["Government"] >= 2 * min(cycle.values())


def test_bookings_rush_at_quarter_end_and_grow(shape: Shape) -> None:
    # flat, the last month of a quarter would book about a third and its last two weeks about a sixth
    assert shape.quarter_last_month_share >= 0.45
    assert shape.quarter_last_two_weeks_share >= 0.30
    assert shape.december_share_of_q4 > shape.quarter_last_month_share
    assert shape.second_half_over_first >= 1.5


def test_reps_and_teams_perform_differently(shape: Shape) -> None:
    assert shape.rep_win_rate_p90 >= 2 * shape.rep_win_rate_p10
    assert shape.rep_won_p90 >= 3 * shape.rep_won_p10
    assert shape.team_win_rate_max >= 1.5 * shape.team_win_rate_min


def test_new_reps_ramp_up(shape: Shape) -> None:
    # a fifth of the reps join during the history and win half as often at first, fully after 120 days
    assert shape.new_rep_deals >= 300
    assert shape.new_rep_win_rate <= 0.8 * shape.tenured_rep_win_rate


def test_stock_is_sized_to_demand(shape: Shape) -> None:
    # weighted by demand, stock covers one to two months: the lead time with a margin, plus a month's reorder
    assert 20 <= shape.cover_days_p50 <= 90
    assert shape.cover_days_p25 >= 10 and shape.cover_days_p75 <= 120


def test_most_customers_pay_on_time_and_within_their_credit(shape: Shape) -> None:
    assert 0.12 <= shape.late_payer_share <= 0.30
    assert shape.late_payment_share <= 0.30
    assert shape.over_credit_share <= 0.10
    assert 40 <= shape.dso_days <= 70


def test_the_shape_does_not_depend_on_scale(shape: Shape, small: Shape) -> None:
    assert small.accounts * 9 < shape.accounts < small.accounts * 11
    for name in ("opportunities_per_account", "lines_per_opportunity", "win_rate", "median_won"):
        big, little = getattr(shape, name), getattr(small, name)
        assert abs(little - big) <= 0.05 * big, (name, little, big)
    # a mean of heavy-tailed amounts: equal within three standard errors of the difference
    error = (shape.won_standard_error**2 + small.won_standard_error**2) ** 0.5
    assert abs(small.mean_won - shape.mean_won) <= 3 * error, (small.mean_won, shape.mean_won, error)
    assert abs(small.top20_customer_share - shape.top20_customer_share) <= 0.05
    assert abs(small.top20_product_share - shape.top20_product_share) <= 0.05
