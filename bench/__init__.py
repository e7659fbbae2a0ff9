"""Side-by-side benchmarks of the mock against its transport floor (`python -m bench`)."""
