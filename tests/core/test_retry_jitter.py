"""`retry_jitter_factor`: retry delays spread within delay x (1 +- factor)."""

from __future__ import annotations

import pytest
from prefect import task


def work() -> None:
    return None


def test_without_a_factor_the_delay_is_exact() -> None:
    plain = task(retries=3, retry_delay_seconds=[1, 2, 4])(work)
    assert [plain.retry_delay_for(i) for i in range(3)] == [1.0, 2.0, 4.0]


def test_delays_are_spread_within_the_factor() -> None:
    jittered = task(retries=3, retry_delay_seconds=10, retry_jitter_factor=0.5)(work)
    draws = [jittered.retry_delay_for(0) for _ in range(300)]
    assert all(5.0 <= d <= 15.0 for d in draws)
    # spread, not one value: both halves of the range are reached
    assert min(draws) < 9.0 and max(draws) > 11.0


def test_a_large_factor_never_gives_a_negative_delay() -> None:
    jittered = task(retries=1, retry_delay_seconds=2, retry_jitter_factor=3)(work)
    draws = [jittered.retry_delay_for(0) for _ in range(200)]
    assert all(0.0 <= d <= 8.0 for d in draws)


def test_no_delay_stays_no_delay() -> None:
    jittered = task(retries=2, retry_jitter_factor=0.5)(work)
    assert jittered.retry_delay_for(0) == 0.0


def test_with_options_keeps_the_factor() -> None:
    jittered = task(retries=1, retry_delay_seconds=10, retry_jitter_factor=0.2)(work)
    copy = jittered.with_options(name="copy")
    assert copy.retry_jitter_factor == 0.2
    assert all(8.0 <= copy.retry_delay_for(0) <= 12.0 for _ in range(50))


@pytest.mark.parametrize("bad", [-0.1, "0.5", True])
def test_a_bad_factor_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="retry_jitter_factor"):
        task(retries=1, retry_jitter_factor=bad)(work)
