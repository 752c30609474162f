"""Customer segments and priorities: RFM, the course's classes, the value × potential matrix,
elastic customers and a contact-budget plan."""

from .classes import CLASSES, assign_classes, class_table
from .matrix import matrix_table, value_matrix
from .rfm import quintile_scores, rfm_scores
from .study import run_segments

__all__ = ["CLASSES", "assign_classes", "class_table", "matrix_table", "quintile_scores", "rfm_scores",
           "run_segments", "value_matrix"]
