"""Use cases: each one orchestrates domain rules, storage and a processor port."""
