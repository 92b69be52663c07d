"""Demo helpers: seeded campaign data and loopback servers that let the product run with no services."""
