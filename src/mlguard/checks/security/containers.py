"""Container hardening for training/serving images (SEC007): Dockerfile findings.

Floating base images, images that run as root, secrets baked into ENV/ARG, piping a
download into a shell, and ``ADD`` of remote URLs without a checksum.
"""

from __future__ import annotations

import itertools
import json
import posixpath
import re
import shlex
from collections.abc import Iterator

from mlguard.analyzers.dockerfile import Instruction, parse_dockerfile
from mlguard.checks.base import CheckContext, NotApplicable, Outcome, ev
from mlguard.checks.registry import register
from mlguard.checks.security import kubernetes
from mlguard.facts.files import Facts
from mlguard.model import Evidence

DOCKERFILES = ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile", "*.containerfile")
SECRET_WORDS = r"TOKEN|SECRET|PASSWORD|PASSWD|APIKEY|CREDENTIALS?"  # noqa: S105 - name patterns, not a secret  # nosec B105
KEY_WORDS = r"API|ACCESS|PRIVATE|SECRET|AUTH|MASTER|SIGNING|ENCRYPTION|LICENSE"
SECRET_NAME = re.compile(
    rf"(?:^|_)(?:{SECRET_WORDS})(?:_|$)|(?:^|_)(?:{KEY_WORDS})_?KEY(?:_|$)|^KEY$|_KEY$"
)
PUBLIC_KEY_NAME = re.compile(r"(?:GPG|PGP|PUBLIC|PUB|HOST)_KEY$")
PIPE_TO_SHELL = re.compile(
    r"\b(curl|wget)\b[^|;&]{0,2000}\|\s*(sudo\s+(-\S+\s+)*)?(\S{0,200}/)?(ba|z|da|k)?sh\b|"
    r"\b(curl|wget)\b[^|;&]{0,2000}\|\s*(sudo\s+)?(\S{0,200}/)?python[0-9.]*\b"
)
ROOT_USERS = frozenset({"root", "0"})
MAX_FINDINGS_PER_FILE = 200
MUST_IGNORE = {
    ".git": frozenset({".git", ".git/", "/.git", "**/.git", ".git*"}),
    ".env": frozenset({".env", ".env*", "*.env", "**/.env", "**/.env*", ".env.*", "**/*.env"}),
}


@register(needs_python=False)
def container_hardening(ctx: CheckContext) -> Outcome:
    """Each hardening problem in each Dockerfile is a finding."""
    dockerfiles = ctx.repo.glob(*DOCKERFILES)
    manifests = kubernetes.manifests(ctx.repo)
    if not dockerfiles and not manifests:
        raise NotApplicable("no Dockerfile or Kubernetes workload manifest")
    found: list[Evidence] = []
    for path in dockerfiles:
        items = _audit(ctx.repo, path, parse_dockerfile(ctx.repo.text(path) or ""))
        found += itertools.islice(items, MAX_FINDINGS_PER_FILE)
    for path in manifests:
        found += itertools.islice(
            kubernetes.workload_findings(ctx.repo, path), MAX_FINDINGS_PER_FILE
        )
    return Outcome.violations(found)


def _audit(repo: Facts, path: str, instructions: list[Instruction]) -> Iterator[Evidence]:
    yield from _base_images(path, instructions)
    yield from _root_user(path, instructions)
    yield from _context_copy(repo, path, instructions)
    for item in instructions:
        yield from _secrets(path, item)
        yield from _downloads(path, item)


def _from_parts(args: str) -> tuple[str, str]:
    tokens = [t for t in args.split() if not t.startswith("--")]
    image = tokens[0] if tokens else ""
    stage = tokens[2] if len(tokens) >= 3 and tokens[1].lower() == "as" else ""
    return image, stage.lower()


def _base_images(path: str, instructions: list[Instruction]) -> list[Evidence]:
    found = []
    stages: set[str] = set()
    for item in (i for i in instructions if i.keyword == "FROM"):
        image, stage = _from_parts(item.args)
        problem = _image_problem(image, stages)
        if problem:
            found.append(
                ev(
                    path,
                    item.line,
                    f"FROM {image}",
                    f"Base image {image} {problem}: builds change under you; pin a version "
                    "tag, better a digest (image:tag@sha256:...)",
                )
            )
        if stage:
            stages.add(stage)
    return found


def _image_problem(image: str, stages: set[str]) -> str:
    if not image or "$" in image or image.lower() in stages or image.lower() == "scratch":
        return ""
    if "@sha256:" in image:
        return ""
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return "has no tag (it means :latest)"
    return "uses the floating :latest tag" if name.rsplit(":", 1)[1] == "latest" else ""


def _root_user(path: str, instructions: list[Instruction]) -> list[Evidence]:
    """The final stage's effective user (inherited from an earlier stage it builds on)."""
    users: dict[str, str | None] = {}
    user: str | None = None
    final_from: Instruction | None = None
    entry: Instruction | None = None
    current = ""
    for item in instructions:
        if item.keyword == "FROM":
            image, stage = _from_parts(item.args)
            user = users.get(image.lower())
            final_from, entry, current = item, None, stage
            if current:
                users[current] = user
        elif item.keyword == "USER" and final_from is not None:
            user = item.args.split()[0] if item.args.split() else None
            if current:
                users[current] = user
        elif item.keyword in ("CMD", "ENTRYPOINT") and entry is None:
            entry = item
    if final_from is None or (user is not None and not _is_root(user)):
        return []
    where = entry or final_from
    why = "no USER instruction" if user is None else f"USER {user}"
    return [
        ev(
            path,
            where.line,
            f"runs as root ({why})",
            f"The image runs as root ({why} in the final stage): a compromised model "
            "server or a malicious model file gets root in the container; add a "
            "non-root user (`RUN useradd -m app` then `USER app`) before CMD/ENTRYPOINT",
        )
    ]


def _is_root(user: str) -> bool:
    return user.split(":", 1)[0].lower() in ROOT_USERS


def _secrets(path: str, item: Instruction) -> Iterator[Evidence]:
    if item.keyword not in ("ENV", "ARG"):
        return
    for name, value in _assignments(item):
        upper = name.upper()
        if not SECRET_NAME.search(upper) or PUBLIC_KEY_NAME.search(upper):
            continue
        literal = value.strip().strip("'\"")
        if not literal or literal.startswith("$"):
            continue
        yield ev(
            path,
            item.line_of(name),
            f"{item.keyword} {name}",
            f"{item.keyword} {name} has a literal value: it is stored in the image "
            "layers and history for anyone who pulls it; pass secrets at run time or "
            "with `RUN --mount=type=secret`",
        )


def _assignments(item: Instruction) -> list[tuple[str, str]]:
    args = item.args
    first = args.split(None, 1)
    if not first:
        return []
    if "=" not in first[0]:
        value = first[1] if len(first) > 1 and item.keyword == "ENV" else ""
        return [(first[0], value)]
    try:
        tokens = shlex.split(args, comments=False, posix=True)
    except ValueError:
        tokens = args.split()
    pairs = [t.split("=", 1) for t in tokens if "=" in t]
    return [(name, value) for name, value in pairs]


def _downloads(path: str, item: Instruction) -> list[Evidence]:
    if item.keyword == "RUN" and PIPE_TO_SHELL.search(item.args):
        return [
            ev(
                path,
                item.line,
                "curl | sh",
                "A download is piped into a shell/interpreter: whatever the server returns "
                "runs at build time; download to a file, verify its checksum, then run it",
            )
        ]
    if item.keyword == "ADD":
        tokens = item.args.split()
        if any(t.startswith("--checksum=") for t in tokens):
            return []
        urls = [t for t in tokens if t.lower().startswith(("http://", "https://"))]
        if urls:
            return [
                ev(
                    path,
                    item.line,
                    f"ADD {urls[0]}",
                    f"ADD fetches {urls[0]} without a checksum: pin it with "
                    "`ADD --checksum=sha256:...` or download and verify in a RUN step",
                )
            ]
    return []


def _sources(item: Instruction) -> list[str]:
    args = item.args
    if any(t.startswith("--from") for t in args.split()):
        return []  # from another stage or image, not the build context
    tokens = [t for t in args.split() if not t.startswith("--")]
    if args.lstrip().startswith("["):
        try:
            tokens = [str(t) for t in json.loads(args[args.index("[") :])]
        except (ValueError, TypeError):
            return []
    return tokens[:-1]


def _context_copy(repo: Facts, path: str, instructions: list[Instruction]) -> list[Evidence]:
    """``COPY . dest`` with no .dockerignore keeping .git and .env files out of the image."""
    copy = next(
        (
            i
            for i in instructions
            if i.keyword in ("COPY", "ADD") and any(s in (".", "./") for s in _sources(i))
        ),
        None,
    )
    if copy is None:
        return []
    folder = posixpath.dirname(path)
    options = (f"{path}.dockerignore", posixpath.join(folder, ".dockerignore"), ".dockerignore")
    ignore = next((c for c in options if repo.exists(c)), None)
    if ignore is None:
        problem = "there is no .dockerignore"
    else:
        patterns = {line.strip() for line in repo.lines(ignore) if line.strip()}
        if patterns & {"*", "**"}:
            return []  # deny everything, then allow-list with !patterns
        missing = [name for name, forms in MUST_IGNORE.items() if not patterns & forms]
        if not missing:
            return []
        problem = f"{ignore} does not exclude {' or '.join(missing)}"
    return [
        ev(
            path,
            copy.line,
            f"{copy.keyword} . (build context)",
            f"{copy.keyword} copies the whole build context and {problem}: .env files "
            "and the git history end up in the image layers",
        )
    ]
