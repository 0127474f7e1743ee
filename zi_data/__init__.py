"""ZI Monitor: read LKE Zona Integritas workbooks, score them by the rules, store them in DuckDB."""

__version__ = "0.1.0"
