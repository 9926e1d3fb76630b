"""Black-box security probes of the running app and the CLI (issue 12)."""
