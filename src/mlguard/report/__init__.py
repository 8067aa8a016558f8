"""Reporters: one module per output format (``formats`` lists them), all reading one
:class:`~mlguard.report.document.Report`."""
