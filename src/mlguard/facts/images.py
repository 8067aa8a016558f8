"""Container images built from the repository: which program each one runs.

A pipeline task that runs an image by name (Airflow's ``DockerOperator(image="train")``,
``KubernetesPodOperator``) runs the program of the Dockerfile in a folder of that name
(``images/train/Dockerfile`` with ``ENTRYPOINT ["python", "train.py"]``). Read from the
Dockerfile text only; nothing is built.
"""

from __future__ import annotations

import json
import posixpath
import shlex

from mlguard.analyzers.dockerfile import parse_dockerfile
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts

DOCKERFILES = ("Dockerfile", "**/Dockerfile")


def image_name(reference: str) -> str:
    """``registry.io/team/airflow-train:1.2`` -> ``airflow-train``."""
    last = reference.rsplit("/", 1)[-1]
    return last.split("@", 1)[0].split(":", 1)[0]


def image_command(repo: Facts, reference: str) -> str:
    """The command (repository paths) the image named ``reference`` runs, or ``""``."""
    return _programs(repo).get(image_name(reference), "")


@fact
def _programs(repo: Facts) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in repo.glob(*DOCKERFILES):
        folder = posixpath.dirname(path)
        if not folder:
            continue  # the root's image has no name of its own to be referred to by
        words = _program(repo.text(path) or "")
        if words:
            found.setdefault(posixpath.basename(folder), _rooted(words, folder))
    return found


ALL_DOCKERFILES = ("Dockerfile", "**/Dockerfile", "*.dockerfile", "Dockerfile.*", "**/Dockerfile.*")


def dockerfile_programs(repo: Facts) -> list[tuple[str, list[str]]]:
    """Every Dockerfile (``train.dockerfile``, ``Dockerfile.train`` too) with the words of
    the program its image runs (ENTRYPOINT then CMD), when it names one."""
    found = []
    for path in repo.glob(*ALL_DOCKERFILES):
        words = _program(repo.text(path) or "")
        if words:
            found.append((path, words))
    return found


def _program(text: str) -> list[str]:
    """The last ENTRYPOINT followed by CMD (exec or shell form), as words."""
    entry: list[str] = []
    cmd: list[str] = []
    for instruction in parse_dockerfile(text):
        if instruction.keyword in ("ENTRYPOINT", "CMD"):
            words = _words(instruction.args)
            if instruction.keyword == "ENTRYPOINT":
                entry, cmd = words, []
            else:
                cmd = words
    return entry + cmd


def _words(args: str) -> list[str]:
    try:
        value = json.loads(args)
    except ValueError:
        value = None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()


def _rooted(words: list[str], folder: str) -> str:
    """Script arguments made repository paths (``./train.py`` in ``images/train``)."""
    out = []
    for word in words:
        if word.endswith(".py") and not word.startswith("/"):
            word = posixpath.normpath(posixpath.join(folder, word))
        out.append(word)
    return " ".join(shlex.quote(w) for w in out)
