"""Time pages in-process (Django's test client, signed in as an executive of the organisation):
for A/B comparisons of two checkouts in the same minute, on the same database.

    PYTHONPATH=<checkout>/src PILOTE_DATA_DIR=<data> python benchmarks/pages_in_process.py \\
        "Synthetic 10000" /roadmap/ /healthz

Prints each path's median of 3 requests after a first one, and the size of its answer.
Over HTTP (`pilote bench run`) is how users feel it; this is for "before and after".
"""

import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilote.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from pilote.orgs.models import Membership, Organization  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
org = Organization.objects.get(name=sys.argv[1])
m = Membership.objects.filter(organization=org, role="executive").select_related("user").first()
client = Client()
client.force_login(m.user)
for path in sys.argv[2:]:
    times = []
    for _ in range(4):
        started = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    print(f"{path:40} {r.status_code} {statistics.median(times[1:]):7.0f} ms  "
          f"{len(r.content) // 1024} KB")  # fmt: skip
