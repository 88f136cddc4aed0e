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
    "evidence": "Older residents use weekday mornings most",
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
    "review_date": ["1", "4", "2030"],
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
        save(client, ref, f"impacts/{code}", NEGATIVE if code == negative else NEUTRAL)
    save(client, ref, "aims", AIMS)
    if negative:
        submit(client, f"/eqia/{ref}/actions/new", {"version": "0", **ACTION})
    submit(client, f"/eqia/{ref}/actions", {"add_another": "no"})
    save(client, ref, "objectives", {"objectives": ["0"]})
    save(client, ref, "outcome", OUTCOME)
