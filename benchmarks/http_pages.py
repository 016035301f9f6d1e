"""Median times of pages over HTTP against a running `pilote serve`, as a person feels them.

    pilote bench generate --employees 10000            # once, in the data folder served
    # give one executive a password (e.g. in `django-admin shell`), then:
    pilote serve --port 8802 --no-worker &
    python benchmarks/http_pages.py http://127.0.0.1:8802 EMAIL PASSWORD [PATH ...]

Signs in through the login form, reads each page once, then prints each
page's median of 7 reads with its size and its ratio to the same run's /healthz floor.
"""

from __future__ import annotations

import re
import statistics
import sys
import time

import httpx

DEFAULT_PATHS = ["/strategy/", "/strategy/?unit=u1"]


def main(base: str, email: str, password: str, paths: list[str]) -> None:
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    signed = client.post(
        "/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )
    if signed.status_code != 302:
        sys.exit(f"sign-in failed ({signed.status_code})")

    def median(path: str, n: int) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                sys.exit(f"{path}: HTTP {response.status_code}")
            size = len(response.content)
        return statistics.median(times) * 1000, size

    client.get("/strategy/")  # the first read after a start builds the cached figures
    floor, _ = median("/healthz", 20)
    print(f"floor /healthz {floor:.1f} ms")
    for path in paths or DEFAULT_PATHS:
        ms, size = median(path, 7)
        print(f"{path:32} {ms:8.1f} ms  {ms / floor:6.0f} × floor  {size / 1e6:7.3f} MB")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
