"""Answers a lead gives, section by section, through the real pages."""

from tests.helpers import error_summary, soup, submit

ABOUT = {
    "title": "Changes to library opening hours",
    "proposal_type": "service-change",
    "what_is_changing": "Reduce weekday opening at six village libraries and add Saturdays.",
    "service": "Libraries",
    "decision_maker": "Communities, Social Mobility and Inclusion Committee",
    "decision_date": ["12", "3", "2027"],
    "key_decision": "yes",
    "change_kind": "changed",
}
WHO = {
    "groups": ["residents", "staff"],
    "area": "districts",
    "districts": ["2", "3"],
    "how_many": "About 18,000 residents and library users; 34 staff",
}
EVIDENCE = {
    "data_used": "Visit counts by hour, 2022 to 2023",
    "gaps": "No ethnicity data",
    "engagement_done": "Six-week consultation",
}
AIMS = {
    "eliminate": "No direct discrimination",
    "advance": "Saturday opening",
    "foster": "Libraries as shared spaces",
}
NEUTRAL = {"kinds": ["neutral"], "evidence": "No different effect found"}
NEGATIVE = {
    "kinds": ["negative"],
    "evidence": "Older residents use weekday mornings most: in the 2023 counts, people over 65 "
    "made 41% of weekday morning visits",
    "mitigation": "Home library service",
    "residual": "low",
}
ACTION = {
    "action": "Extend the home library service",
    "responsible": "Library Services",
    "start_date": ["1", "4", "2027"],
    "due_date": ["30", "9", "2027"],
    "success_measure": "All eligible residents offered the service",
}
OUTCOME = {
    "outcome": "adjust",
    "summary": "Keep Tuesday mornings at two libraries",
    "monitoring": "Quarterly visit counts",
    "review_date": ["1", "4", "2029"],
}


def save(client, ref: str, key: str, data: dict, expect_errors: bool = False):
    url = f"/eqia/{ref}/questions/{key}"
    page = soup(client.get(url))
    version = page.select_one("input[name=version]")["value"]
    response = submit(client, url, {"version": version, **data})
    if not expect_errors:
        assert response.status_code == 302, error_summary(soup(response))
    return response


def complete(
    client, ref: str, characteristics: list[str], directorate_id: int, negative: str | None = "age"
) -> None:
    """Answer every section of the full route."""
    save(client, ref, "screening", {"could_affect": "yes"})
    save(client, ref, "about", {**ABOUT, "directorate_id": str(directorate_id)})
    save(client, ref, "who", WHO)
    save(client, ref, "evidence", EVIDENCE)
    for code in characteristics:
        neutral = {**NEUTRAL, "evidence": f"{NEUTRAL['evidence']} for {code}"}
        save(client, ref, f"impacts/{code}", NEGATIVE if code == negative else neutral)
    save(client, ref, "aims", AIMS)
    if negative:
        submit(client, f"/eqia/{ref}/actions/new", {"version": "0", **ACTION})
    submit(client, f"/eqia/{ref}/actions", {"add_another": "no"})
    save(client, ref, "objectives", {"objectives": ["0"]})
    save(client, ref, "outcome", OUTCOME)


def submitted_eqia(
    app,
    owner_id: int,
    directorate_id: int,
    title: str = "Changes to library opening hours",
    to_id: int | None = None,
    message: str = "",
) -> str:
    """A screening-route EqIA answered through the pages and submitted by its owner."""
    from eqia.extensions import db
    from eqia.models import Assessment, User
    from tests import factories
    from tests.conftest import sign_in_as

    client = app.test_client()
    sign_in_as(client, owner_id)
    ref = submit(client, "/eqia/start", {"title": title}).location.split("/")[2]
    save(client, ref, "screening", {"could_affect": "no", "no_effect_reason": "Internal IT"})
    save(client, ref, "about", {**ABOUT, "title": title, "directorate_id": str(directorate_id)})
    save(client, ref, "outcome", {**OUTCOME, "outcome": "no-major-change"})
    with app.app_context():
        to = db.session.get(User, to_id) if to_id else None
        factories.submit(Assessment.by_reference(ref), db.session.get(User, owner_id), to, message)
        db.session.commit()
    return ref
