"""Every way a person drives the platform: the CLI and the TUI."""
