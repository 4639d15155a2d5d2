"""Renderers only: JSON documents, rich tables, status lines and charts."""
