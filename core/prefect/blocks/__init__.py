"""Blocks: typed configuration saved by name in the API (`prefect.blocks.core.Block`)."""
