"""The seeded Azure estate and cassettes the Azure tests read."""
