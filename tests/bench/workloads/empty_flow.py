"""An empty flow, run as a whole process (the same file runs on real Prefect)."""

from prefect import flow


@flow
def empty() -> None:
    pass


if __name__ == "__main__":
    empty()
