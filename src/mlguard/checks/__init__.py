"""Rule logic: the declarative vocabulary (``base``, ``declarative``), the registry of Python
checks (``registry``, ``families``), and the Python checks, one package per rule category:
``<category>/<topic>.py``, a check named ``<category>.<topic>.<function>``."""
