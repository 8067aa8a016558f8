"""The secrets analyzer (pure) never returns a value: property test over generated tokens."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from mlguard.analyzers.secrets import Mode, scan_text

PREFIXES = ["h" + "f_", "s" + "k-proj-", "s" + "k-ant-", "AK" + "IA", "gh" + "p_", "gl" + "pat-"]
BODY = st.text(alphabet=string.ascii_letters + string.digits, min_size=36, max_size=80)
NOISE = st.text(alphabet=string.printable, max_size=200)
NAMES = st.sampled_from(["api_key", "HF_TOKEN", "client_secret", "db_password", "token"])


@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from(PREFIXES), body=BODY, name=NAMES, before=NOISE, after=NOISE)
def test_hits_never_carry_the_secret(
    prefix: str, body: str, name: str, before: str, after: str
) -> None:
    token = prefix + (body[:16].upper() if prefix.startswith("AK") else body)
    hidden = token[len(prefix) :]
    text = f'{before}\n{name} = "{token}"\n{name}: {hidden}\n{after}'
    for mode in Mode:
        for hit in scan_text(text, mode):
            shown = f"{hit.kind} {hit.redacted} {hit.fingerprint}"
            assert not any(hidden[i : i + 8] in shown for i in range(len(hidden) - 7))
