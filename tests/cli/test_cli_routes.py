"""The escalation routes through the `safelog` command (issue 18): `case categories --json`
lists each category's route rules (route, required, deadline, policy), and `case show`
gives the routes of the matching cases: a volunteer as alleged perpetrator brings the LADO,
a personal data breach the ICO decision due 72 hours after it was recorded. The school is
built once through the API; every step is `safelog.cli.main` with the passphrase piped on
standard input.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from support.cli import CliSchool, ok
from support.school import build_school

from safelog.domain.deadlines import LONDON
from safelog.store.engine import sqlite_url
from safelog.vault.vault import Vault

ROUTE_KEYS = {"route", "title", "required", "deadline", "policy_refs", "when", "reason"}


class Env(CliSchool):
    def add_case(self, name: str, case: dict[str, Any]) -> str:
        path = self.root / f"case-{len(list(self.root.glob('case-*.json')))}.json"
        path.write_text(json.dumps(case), "utf-8")
        return ok(self.as_user(name, "case", "add", "--json", str(path))).splitlines()[-1]

    def show(self, reference: str) -> dict[str, Any]:
        return json.loads(ok(self.as_user("Dana DSL", "case", "show", reference, "--json")))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    root = tmp_path_factory.mktemp("cli-routes")
    data_dir = root / "data"
    data_dir.mkdir(mode=0o700)
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
            mp.setenv(var, str(root / "home" / sub))
        mp.setenv("XDG_CONFIG_HOME", str(root / "home" / "config"))
        vault = Vault(data_dir, sqlite_url(data_dir))
        try:
            build_school(vault)
        finally:
            vault.close()
    return Env(root, data_dir)


def _routes(shown: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["route"]: e for e in shown["escalations"]}


def test_case_categories_json_lists_each_categorys_routes(env: Env) -> None:
    categories = json.loads(ok(env.run("case", "categories", "--json")))
    by_code = {c["code"]: c for c in categories}
    for category in categories:
        assert {"code", "title", "routes"} <= set(category)
        assert category["routes"]
        for route in category["routes"]:
            assert set(route) == ROUTE_KEYS
            assert isinstance(route["required"], bool)
            assert set(route["deadline"]) == {"kind", "count", "text"}
            assert route["policy_refs"] and all(isinstance(r, str) for r in route["policy_refs"])
    breach = {r["route"]: r for r in by_code["personal-data-disclosed"]["routes"]}
    assert breach["ico"]["required"] is True and breach["ico"]["when"] == []
    assert breach["ico"]["deadline"] == {"kind": "hours", "count": 72, "text": "within 72 hours"}
    assert "UK GDPR Art. 33" in breach["ico"]["policy_refs"]
    assert breach["dpo"]["required"] is True
    assert breach["dpo"]["deadline"]["kind"] == "immediately"
    content = {r["route"]: r for r in by_code["inappropriate-content"]["routes"]}
    assert content["it-filtering"]["required"] is True
    assert content["it-filtering"]["policy_refs"][:2] == ["004 8.1.9", "004 10.4"]
    pupil = [r for r in by_code["cyberbullying-pupil"]["routes"] if r["route"] == "police"]
    assert pupil == [
        {
            "route": "police",
            "title": "Police",
            "required": True,
            "deadline": {"kind": "none", "count": None, "text": "no set deadline"},
            "policy_refs": ["004 9.4", "003 8.8"],
            "when": ["illegal"],
            "reason": pupil[0]["reason"],
        }
    ]
    # The rules of every category come last: the LADO where a pupil is harmed by staff.
    assert by_code["public-threats"]["routes"][-1]["when"] == [
        "about-staff",
        "pupil-victim",
        "harm-threshold",
    ]


def test_a_volunteer_as_alleged_perpetrator_gets_the_lado(env: Env) -> None:
    reference = env.add_case(
        "Sam Staff",
        {
            "category": "cyberbullying-pupil",
            "summary": "Messages from a volunteer coach to a pupil",
            "description": "The coach sent a Year 7 pupil messages late at night.",
            "people": [
                {"name": "Amy Pupil", "kind": "pupil", "role": "victim"},
                {"name": "Vic Volunteer", "kind": "volunteer", "role": "alleged-perpetrator"},
            ],
        },
    )
    shown = env.show(reference)
    assert shown["people"][1]["kind"] == "volunteer"
    routes = _routes(shown)
    lado = routes["lado"]
    assert lado["deadline"] == {"kind": "working-days", "count": 1, "text": "within 1 working day"}
    assert "KCSIE Part 4" in lado["policy_refs"]
    due = datetime.fromisoformat(lado["due"]).astimezone(LONDON)
    raised = datetime.fromisoformat(shown["history"][0]["at"]).astimezone(LONDON)
    assert due > raised and (due.hour, due.minute) == (18, 0)
    assert routes["headteacher"]["required"] is True
    # The same case with the volunteer only a witness is not about staff.
    witness = env.add_case(
        "Sam Staff",
        {
            "category": "cyberbullying-pupil",
            "summary": "Messages between pupils",
            "description": "A volunteer saw the messages.",
            "people": [
                {"name": "Amy Pupil", "kind": "pupil", "role": "victim"},
                {"name": "Vic Volunteer", "kind": "volunteer", "role": "witness"},
            ],
        },
    )
    assert "lado" not in _routes(env.show(witness))


def test_a_data_breach_gets_the_ico_decision_due_within_72_hours(env: Env) -> None:
    reference = env.add_case(
        "Dana DSL",
        {
            "category": "personal-data-disclosed",
            "summary": "Unencrypted memory stick with Year 9 reports lost on the bus",
            "description": "A teacher lost a memory stick holding pupils' reports.",
        },
    )
    shown = env.show(reference)
    routes = _routes(shown)
    ico = routes["ico"]
    assert ico["required"] is True and ico["title"] == "ICO decision"
    assert ico["deadline"] == {"kind": "hours", "count": 72, "text": "within 72 hours"}
    raised = datetime.fromisoformat(shown["history"][0]["at"])
    assert datetime.fromisoformat(ico["due"]) - raised == timedelta(hours=72)
    assert ico["reference_label"] == "ICO case reference"
    assert ico["done_at"] is None and ico["not_needed"] is None
    assert routes["dpo"]["required"] is True
    assert datetime.fromisoformat(routes["dpo"]["due"]) == raised  # immediately
    text = ok(env.as_user("Dana DSL", "case", "show", reference))
    assert f"route ico (required, due {ico['due']}): not recorded" in text
