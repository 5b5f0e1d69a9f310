"""Benchmarks of robot: against a hand-written Playwright script, and over a long night."""
