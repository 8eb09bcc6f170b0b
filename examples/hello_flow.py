"""The README's first flow: greetings as tasks, logs, printed lines and a subflow.

python examples/hello_flow.py            # embedded store in $PREFECT_HOME, nothing to start
prefect flow-run ls                      # shows the run
PREFECT_API_URL=http://127.0.0.1:4200/api python examples/hello_flow.py   # via a server
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task


@task
def greet(greeting: str, name: str) -> str:
    message = f"{greeting}, {name}!"
    get_run_logger().info(message)
    return message


@task
def shout(message: str) -> str:
    return message.upper()


@flow(name="count-letters")
def count_letters(messages: list[str]) -> int:
    return sum(len(m) for m in messages)


@flow(name="hello", log_prints=True)
def hello_flow(name: str = "world") -> list[str]:
    messages = [greet(greeting, name) for greeting in ("Hello", "Bonjour", "Hola")]
    loud = shout(messages[0])
    print(f"{loud} ({count_letters(messages)} letters in all)")
    return messages


if __name__ == "__main__":
    hello_flow()
