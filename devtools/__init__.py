"""Tooling shared by the tests, the scripts and the benchmarks (never imported by the dashboard)."""
