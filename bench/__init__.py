"""Benchmarks run by hand against a throwaway instance (see bench/README.md); not part of the test suite."""
