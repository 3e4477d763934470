"""The import pipeline: plan which files to read (`plan`), parse them in forked workers (`parse`,
`forkmap`), write what they hold through the store it is given (`write`, on
`planner.store.writer`). `import_paths(store, paths, ...)` is the entry point; the store never
imports this package.
"""

from planner.ingest.pipeline import SAMPLE_OPTIONS, import_paths, import_samples
from planner.ingest.results import FileResult, ImportProgress, ImportSummary

__all__ = ["SAMPLE_OPTIONS", "FileResult", "ImportProgress", "ImportSummary", "import_paths", "import_samples"]
