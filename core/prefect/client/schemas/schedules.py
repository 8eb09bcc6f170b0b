"""`prefect.client.schemas.schedules`: the schedule models of `prefect.schemas.schedules`."""

from prefect.schemas.schedules import *  # noqa: F403
from prefect.schemas.schedules import __all__ as __all__
