"""Strategy dry-runs: run a bot against the mock (run.py, cli.py), explain an order from the
journal (explain.py); the report is report.py. Why things happened is noted by
mock_lykke/track.py, below the scenario package that attaches it."""
