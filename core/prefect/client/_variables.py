"""Variable methods of the client (Prefect 3 names)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from prefect.client._base import BaseClient
from prefect.exceptions import ObjectNotFound

if TYPE_CHECKING:
    from prefect.schemas.variables import (
        Variable,
        VariableCreate,
        VariableFilter,
        VariableSort,
        VariableUpdate,
    )


def _by_name(name: str) -> str:
    return f"/variables/name/{quote(name, safe='')}"


class VariableClientMixin(BaseClient):
    async def create_variable(self, variable: VariableCreate) -> Variable:
        """Create a variable; `ObjectAlreadyExists` when the name is taken."""
        from prefect.schemas.variables import Variable

        data = await self._post("/variables/", variable.model_dump(mode="json", exclude_unset=True))
        return Variable.model_validate(data)

    async def read_variable_by_name(self, name: str) -> Variable | None:
        """The variable called `name`, or None when there is none (as Prefect's client)."""
        from prefect.schemas.variables import Variable

        try:
            data = await self._get(_by_name(name))
        except ObjectNotFound:
            return None
        return Variable.model_validate(data)

    async def read_variables(
        self,
        limit: int | None = None,
        *,
        variable_filter: VariableFilter | None = None,
        sort: VariableSort | None = None,
        offset: int = 0,
    ) -> list[Variable]:
        """Variables by name (or `sort`); Prefect's client takes only `limit`."""
        from prefect.schemas.variables import Variable

        body = {
            "variables": variable_filter.model_dump(mode="json", exclude_unset=True)
            if variable_filter is not None
            else None,
            "sort": sort.value if sort is not None else None,
            "limit": limit,
            "offset": offset,
        }
        return [Variable.model_validate(v) for v in await self._post("/variables/filter", body)]

    async def update_variable(self, variable: VariableUpdate) -> None:
        """Change the variable named `variable.name` (only the fields set on `variable`)."""
        if variable.name is None:
            raise ValueError("update_variable needs the name of the variable to change")
        await self._patch(
            _by_name(variable.name), variable.model_dump(mode="json", exclude_unset=True)
        )

    async def delete_variable_by_name(self, name: str) -> None:
        """Delete the variable called `name`; `ObjectNotFound` when there is none."""
        await self._delete(_by_name(name))
