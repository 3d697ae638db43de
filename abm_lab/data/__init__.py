"""Data in: the canonical data model (schema), column presets for CRM exports, sources and loading, data health."""
