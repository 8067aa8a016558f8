"""``mlguard fix``: fixes for what a scan reports (code rewritten with LibCST, starter
files for missing practices), planned from a scan's report and written only on request.

Above ``report`` (it reads the scan's :class:`~mlguard.report.document.Report`), below
``app``/``cli`` (which run the scan and print the plan).
"""
