"""Reporters: one module per output format (``formats`` lists them), all reading one
:class:`~mlguard.report.document.Report`.

Every format keeps two things apart: *violations* (findings of violation rules, at a place
in the code: annotations and code-scanning alerts) and *practice gaps* (practice rules not
in place: repository-level, they set the maturity level and scores and belong in the text
report, the job summary and the JSON, never on an unrelated file's line).
"""
