"""One study run: the run folder (:class:`Run`, what notebooks open), its safety rules, the pipeline
that executes the chapter notebooks, and the manifest."""

from ..core.lazy_exports import lazy_exports

# `from analysis.run import Run` in a notebook imports the run folder only, not the pipeline
__getattr__, __dir__ = lazy_exports(__name__, {"Run": "folder"})
