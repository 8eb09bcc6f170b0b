"""Logging for runs: ``get_run_logger()`` inside a flow or task, ``get_logger()`` elsewhere.

from prefect import flow, get_run_logger

@flow
def hello():
    get_run_logger().info("hi")   # console: "... | INFO    | Flow run 'brisk-otter' - hi"
                                  # and stored with the flow run through the API
"""

from prefect.logging.loggers import get_logger, get_run_logger

__all__ = ["get_logger", "get_run_logger"]
