"""Customer segments and priorities: RFM, the course's classes, the value × potential matrix,
elastic customers and a contact-budget plan."""

from __future__ import annotations

from ..core.lazy_exports import lazy_exports

# what the package exports and the module that defines it, imported on first use (lazy_exports)
_EXPORTS = {
    "CLASSES": "classes",
    "assign_classes": "classes",
    "class_table": "classes",
    "matrix_table": "matrix",
    "quintile_scores": "rfm",
    "rfm_scores": "rfm",
    "run_segments": "study",
    "value_matrix": "matrix",
}
__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
