"""SQL by layer, one table per file (silver/, gold/) and gold's assertion queries (tests/); shipped as package data."""
