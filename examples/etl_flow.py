"""A small extract-transform-load flow with submitted tasks and parameters.

python examples/etl_flow.py
"""

from __future__ import annotations

from prefect import flow, task


@task
def extract(source: str) -> list[int]:
    return [len(word) for word in source.split()]


@task
def transform(value: int) -> int:
    return value * value


@task
def load(values: list[int]) -> int:
    return sum(values)


@flow(flow_run_name="etl-{source_name}")
def etl(source_name: str = "poem", text: str = "the quick brown fox jumps") -> int:
    numbers = extract(text)
    futures = transform.map(numbers)
    return load([f.result() for f in futures])


if __name__ == "__main__":
    print(etl())
