"""Workbook readers, one module per layout; `read_workbook` picks the layout."""

from .base import ANSWER_COLUMNS, ReadError, Workbook
from .detect import read_workbook

__all__ = ["ANSWER_COLUMNS", "ReadError", "Workbook", "read_workbook"]
