"""Model-artifact analysis that never loads what it scans.

Formats are recognised by content (:mod:`.sniff`); pickles are simulated opcode by opcode
(:mod:`.pickle_vm`) against allow-list profiles (:mod:`.profiles`); zip, NumPy, joblib,
Keras/HDF5 and safetensors readers sit on bounded streams (:mod:`.streams`).
"""

from mlguard.analyzers.artifacts.issues import ArtifactReport, Issue
from mlguard.analyzers.artifacts.profiles import DEFAULT_PROFILES, PROFILES, AllowList
from mlguard.analyzers.artifacts.scanner import scan_artifact
from mlguard.analyzers.artifacts.sniff import HEAD_BYTES, sniff
from mlguard.analyzers.artifacts.streams import Limits
from mlguard.known import MODEL_SUFFIXES

__all__ = [
    "DEFAULT_PROFILES",
    "HEAD_BYTES",
    "MODEL_SUFFIXES",
    "PROFILES",
    "AllowList",
    "ArtifactReport",
    "Issue",
    "Limits",
    "scan_artifact",
    "sniff",
]
