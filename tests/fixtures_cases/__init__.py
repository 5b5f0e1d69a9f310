"""Tests of the sample service-desk export generator (fixtures.cases)."""
