"""Sanctuary Watch: an auditable tracker of US jurisdictions' cooperation with federal immigration enforcement."""

__version__ = "0.1.0"
