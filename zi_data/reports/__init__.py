"""Evaluation reports: the per-unit draft LHE and the agency recap, as PDF, DOCX and XLSX."""
