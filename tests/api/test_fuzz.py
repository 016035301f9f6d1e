"""The API fuzzed against its OpenAPI document (Schemathesis), over HTTP against `pilote serve`.

Every operation, positive and negative inputs, bounded in time: no server error, no answer
outside the schema (bodies, headers, content types), no status code the schema does not
document, no schema-invalid input accepted. Runs in both passes of scripts/test (SQLite,
then PostgreSQL, where strings with NUL bytes and huge numbers meet other limits).

Time budget: PILOTE_FUZZ_SECONDS (default 150) per pass. The report (JSON, and a pytest file
reproducing any failure) goes to test-artifacts/schemathesis/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, running_server

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
]


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(tmp_path):
    seconds = os.environ.get("PILOTE_FUZZ_SECONDS", "150")
    report = ROOT / "test-artifacts" / "schemathesis"
    report.mkdir(parents=True, exist_ok=True)
    with running_server(tmp_path, "pilote_fuzz") as srv:
        out = srv.cli("token", "create", "--org", "Banque Exemple",
                      "--user", "admin@banque.example", "--name", "fuzz")  # fmt: skip
        token = re.search(r"plt_\S+", out).group(0)
        run = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli",
                "--config-file", str(Path(__file__).with_name("schemathesis.toml")), "run",
                f"{srv.url}/api/v1/openapi.json",
                "--header", f"Authorization: Bearer {token}",
                "--checks", ",".join(CHECKS),
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", "25", "--max-time", seconds, "--workers", "1",
                "--request-timeout", "20", "--seed", "20261201",
                "--generation-database", "none", "--no-color",
                # The token the run acts with must survive it: revoking it would leave every
                # later request a 401. Revocation is covered by tests/api.
                "--exclude-path-regex", r"^/api/v1/tokens/\{prefix\}$",
                "--report", "json,pytest", "--report-dir", str(report),
            ],
            capture_output=True, text=True, timeout=int(seconds) + 240, cwd=tmp_path,
        )  # fmt: skip
    (report / "output.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    summary = run.stdout[run.stdout.rfind("SUMMARY") :] if "SUMMARY" in run.stdout else run.stdout
    print(summary[-3000:])
    assert run.returncode == 0, summary[-6000:] + run.stderr[-2000:]
    found = (
        json.loads(next(report.glob("*.json")).read_text()) if list(report.glob("*.json")) else {}
    )
    assert found is not None
