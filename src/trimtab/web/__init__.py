"""The dashboard served by `trimtab serve`."""
