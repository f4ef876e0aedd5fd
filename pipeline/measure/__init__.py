"""Benchmarks and evaluation: the numbers closing notes quote come from here, never from tests."""
