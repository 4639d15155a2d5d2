"""The `trimtab` command line: one module per command group, imported when used."""
