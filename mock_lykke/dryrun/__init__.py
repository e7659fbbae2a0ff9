"""Strategy dry-runs: run a bot against the mock (run.py, cli.py), track why things happened
(track.py), explain an order from the journal (explain.py); the report is report.py."""
