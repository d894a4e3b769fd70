"""Test doubles for the AWS connector: per-operation stubs over moto, and a seeded world."""
