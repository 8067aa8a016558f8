"""Pure stages from a ``ScanResult`` to a ``Report``: inline suppression, baselines, the diff
filter, scoring and maturity, the verdict, the ML Test Score, fleets and history points."""
