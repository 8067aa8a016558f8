#!/usr/bin/env bash
# The scan step of action.yml. Inputs arrive only as environment variables (never
# interpolated into the script), the exit code is recorded for the final step so that
# the SARIF upload can run first, and the outputs are read from the JSON report.
set -uo pipefail

report_dir="$(mktemp -d "${RUNNER_TEMP:-/tmp}/mlguard.XXXXXX")"
json="$report_dir/report.json"
summary="$report_dir/summary.md"
sarif="${INPUT_SARIF_FILE:-mlguard.sarif}"

args=(scan "${INPUT_PATH:-.}" --format "sarif:$sarif" --format "json:$json" --no-color)
[[ -n "${INPUT_POLICY:-}" ]] && args+=(--policy "$INPUT_POLICY")
[[ -n "${INPUT_CONFIG:-}" ]] && args+=(--config "$INPUT_CONFIG")
[[ -n "${INPUT_FAIL_ON:-}" ]] && args+=(--fail-on "$INPUT_FAIL_ON")
[[ -n "${INPUT_MIN_LEVEL:-}" ]] && args+=(--min-level "$INPUT_MIN_LEVEL")
[[ "${INPUT_SUMMARY:-true}" == "true" ]] && args+=(--format "markdown:$summary")
[[ "${INPUT_ANNOTATIONS:-true}" == "true" ]] && args+=(--format github)

base="${INPUT_DIFF_BASE:-}"
if [[ -z "$base" && "${GITHUB_EVENT_NAME:-}" == pull_request* && -n "${GITHUB_BASE_REF:-}" ]]; then
  base="origin/$GITHUB_BASE_REF"
fi
if [[ -n "$base" && "$base" != "none" ]]; then
  args+=(--diff-base "$base")
fi

# On pull requests the config comes from the base branch: the pull request's own
# .mlguard.yaml could otherwise ignore the rule that would stop it.
config_ref="${INPUT_CONFIG_REF:-}"
if [[ -z "$config_ref" && "${GITHUB_EVENT_NAME:-}" == pull_request* && -n "${GITHUB_BASE_REF:-}" ]]; then
  config_ref="origin/$GITHUB_BASE_REF"
fi
if [[ -n "$config_ref" && "$config_ref" != "none" ]]; then
  args+=(--config-ref "$config_ref")
fi
[[ "${INPUT_ENFORCE_FLOOR:-false}" == "true" ]] && args+=(--enforce-floor)

"${MLGUARD_BIN:-mlguard}" "${args[@]}"
code=$?

{
  echo "exit-code=$code"
  if [[ -s "$sarif" ]]; then echo "sarif-file=$sarif"; else echo "sarif-file="; fi
} >> "$GITHUB_OUTPUT"

if [[ -s "$json" ]]; then
  py="python3"
  [[ -n "${MLGUARD_BIN:-}" && -x "$(dirname "$MLGUARD_BIN")/python" ]] && py="$(dirname "$MLGUARD_BIN")/python"
  "$py" - "$json" >> "$GITHUB_OUTPUT" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
score = report["maturity"]["score"]
print(f"level={report['maturity']['level']}")
print(f"score={'' if score is None else score}")
print(f"findings={len(report['findings'])}")
PY
fi

if [[ -s "$summary" && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
exit 0
