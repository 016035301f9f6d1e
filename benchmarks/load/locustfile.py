"""Load on Pilote's main pages and the check-in endpoint (run by scripts/loadtest).

Each simulated person sends one request per second whatever the answers take (locust's
``constant_throughput``), each starting at a random moment of the first second so that
requests arrive spread out, not in bursts: with U users the arrival rate is U requests a
second as long as the server keeps up — a falling rate in the results means it did not.
The mix: the cockpit, an objective page and the strategy page, a unit's subtree and the
whole tree's first page (API), and check-ins (one request in four) posted on random KRs
(geventhttpclient: locust's FastHttpUser), each remembered by its id so that none can be
lost unnoticed.

Environment (set by scripts/loadtest): PILOTE_LOAD_TOKEN (an executive's API token),
PILOTE_LOAD_SESSION (a signed-in session cookie), PILOTE_LOAD_CYCLE, PILOTE_LOAD_UNITS,
PILOTE_LOAD_OBJECTIVES and PILOTE_LOAD_KRS (comma-separated keys), PILOTE_LOAD_IDS (a file
where every acknowledged check-in id is written).
"""

from __future__ import annotations

import os
import random

import gevent
from locust import FastHttpUser, constant_throughput, events, task

TOKEN = os.environ["PILOTE_LOAD_TOKEN"]
SESSION = os.environ["PILOTE_LOAD_SESSION"]
CYCLE = os.environ["PILOTE_LOAD_CYCLE"]
UNITS = os.environ["PILOTE_LOAD_UNITS"].split(",")
OBJECTIVES = os.environ["PILOTE_LOAD_OBJECTIVES"].split(",")
KRS = os.environ["PILOTE_LOAD_KRS"].split(",")
IDS = open(os.environ["PILOTE_LOAD_IDS"], "a")  # noqa: SIM115 (closed at quit)


@events.quitting.add_listener
def _close(environment, **kwargs):
    IDS.close()


class Person(FastHttpUser):
    wait_time = constant_throughput(1)

    def on_start(self):
        # Spread the people over the second: started together, constant_throughput keeps
        # them in step and the server gets every second's requests as one burst.
        gevent.sleep(random.random())
        self.page = {"Cookie": f"sessionid={SESSION}"}
        self.api = {"Authorization": f"Bearer {TOKEN}"}

    @task(3)
    def cockpit(self):
        self.client.get("/", headers=self.page, name="cockpit page")

    @task(3)
    def objective(self):
        self.client.get(
            f"/objectives/{random.choice(OBJECTIVES)}/", headers=self.page, name="objective page"
        )

    @task(3)
    def subtree(self):
        self.client.get(
            f"/api/v1/cycles/{CYCLE}/tree?unit={random.choice(UNITS)}",
            headers=self.api,
            name="unit subtree (API)",
        )

    @task(2)
    def strategy(self):
        self.client.get(f"/strategy/?cycle={CYCLE}", headers=self.page, name="strategy page")

    @task(1)
    def tree(self):
        # The whole tree's first page, as a client reads a large tree (docs/api.md): the
        # unpaged answer is an export's (9.9 MB, over a second at 10,000 people), measured
        # by `pilote bench run`, not something people ask for twice a second.
        self.client.get(
            f"/api/v1/cycles/{CYCLE}/tree?depth=0&page_size=50",
            headers=self.api,
            name="whole tree, first page (API)",
        )

    @task(4)
    def check_in(self):
        with self.client.post(
            f"/api/v1/key-results/{random.choice(KRS)}/check-ins",
            json={"value": random.randint(10, 90)},
            headers=self.api,
            name="check-in (API)",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                IDS.write(f"{response.json()['check_in']['id']}\n")
                IDS.flush()
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
