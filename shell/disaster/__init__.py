"""Disaster mode, shelters, safety checks (安否確認) and the JMA warning importer."""
