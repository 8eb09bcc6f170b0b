"""The terminal console (`prefect ui`): a Textual app over the operations layer."""
