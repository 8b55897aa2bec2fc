"""Data-quality invariants over the store, results as rows (pass / warn / fail / not checked).

``run_checks(con)`` runs every check in :data:`CHECKS`; ``write_results`` keeps the latest run in the
``validation_result`` table, which ``sanctuarywatch validate`` prints (exit 1 on a fail) and the sources page shows.
"""

from sanctuarywatch.validate.checks import CHECKS, Check
from sanctuarywatch.validate.runner import Finding, failed, run_checks, write_results

__all__ = ["CHECKS", "Check", "Finding", "failed", "run_checks", "write_results"]
