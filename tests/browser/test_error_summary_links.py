"""Every error summary link puts the cursor in the control its error is about, on every form.

The forms are found from the code, not picked: every form class of the service (each
subclass of ``eqia.forms.Form``) and every endpoint that takes a POST is shown here with
its errors, or listed with the reason it has no error summary to show, and
``test_every_form_is_here`` fails for one that is neither.

Each case signs in as someone who may use the form, gets it wrong (blank, a date with a
part missing or that does not exist, a follow-up question left blank), sends it, and
follows every link of the error summary: the first by keyboard (Tab from the summary,
which GOV.UK Frontend focuses, then Enter), the others by clicking. After each, the
focused element must be the input, select or textarea the link names, on screen, in the
form group whose error message is the link's text. Every page is checked with axe.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import template_rendered
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy import select

from eqia import sections
from eqia.admin.api_token_forms import ApiTokenForm
from eqia.admin.characteristic_forms import CharacteristicForm, MoveForm
from eqia.admin.due_regard import ChecksForm
from eqia.admin.forms import DirectorateForm, ProgrammeForm, UserForm, UserSearchForm
from eqia.admin.people_forms import MoveEqiasForm, SignInSettingsForm
from eqia.admin.publishing import PublishingSettingsForm
from eqia.assessments.files import UploadForm
from eqia.assessments.forms import (
    AddAnotherForm,
    CoAuthorForm,
    StartForm,
    SubmitForm,
    WithdrawForm,
)
from eqia.assessments.publication import UnpublishForm
from eqia.auth import second_factor
from eqia.auth.forms import (
    AccountAuthenticatorForm,
    AuthenticatorCodeForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    RecoveryCodeForm,
    SignInForm,
)
from eqia.extensions import db
from eqia.forms import ConfirmForm, Form
from eqia.models import (
    Assessment,
    AssessmentAction,
    Characteristic,
    Directorate,
    Objective,
    PlanAction,
    Programme,
    User,
)
from eqia.plan.forms import (
    ConfirmImportForm,
    ImportForm,
    ObjectiveForm,
    PeriodForm,
    PlanActionForm,
    ProgressForm,
)
from eqia.public.forms import PublicFilter
from eqia.questions import (
    ActionForm,
    ImpactForm,
    ObjectivesForm,
)
from eqia.records.forms import RegisterFilter
from eqia.records.routes import VerifyForm
from eqia.reviews.forms import ReviewForm
from eqia.reviews.queue import PickUpForm, ReassignForm
from tests import factories
from tests.browser.conftest import BROWSER_MARKS, PASSWORD, follow, sign_in, visit

pytestmark = BROWSER_MARKS

LEAD = "lead@example.org"
SUPER_USER = "superuser@example.org"
ADMIN = "admin@example.org"
COMPLETE = "Changes to library opening hours"  # the demo lead's complete draft
PUBLISHED = "Mobile library routes 2026"  # signed off and on the public register
SUBMITTED = "Home to school transport: new eligibility assessment"  # awaiting the super user


# --- getting a form wrong ------------------------------------------------------------------------

Step = Callable[[Page], None]

_BLANK = """() => {
    const kept = ["hidden", "submit", "button", "reset", "file"];
    for (const form of document.querySelectorAll("main form")) {
        for (const element of form.elements) {
            if (element instanceof HTMLTextAreaElement) {
                element.value = "";
            } else if (element instanceof HTMLSelectElement) {
                if ([...element.options].some((option) => option.value === "")) element.value = "";
            } else if (element instanceof HTMLInputElement) {
                if (element.type === "checkbox" || element.type === "radio") {
                    element.checked = false;
                } else if (!kept.includes(element.type)) {
                    element.value = "";
                }
            }
        }
    }
}"""


def blank(page: Page) -> None:
    """Every answer of the page's forms taken away (saved ones too)."""
    page.evaluate(_BLANK)


def choose(name: str, value: str | None = None) -> Step:
    """Tick a radio or checkbox (the first of its name, or the one with this value)."""
    selector = f'main input[name="{name}"]' + (f'[value="{value}"]' if value else "")
    return lambda page: page.locator(selector).first.check()


def untick(name: str, value: str) -> Step:
    return lambda page: page.locator(f'main input[name="{name}"][value="{value}"]').uncheck()


def type_in(element_id: str, text: str) -> Step:
    return lambda page: page.locator(f'main [id="{element_id}"]').fill(text)


def date(name: str, day: str = "", month: str = "", year: str = "") -> Step:
    def enter(page: Page) -> None:
        for part, value in (("day", day), ("month", month), ("year", year)):
            page.locator(f'main [id="{name}-{part}"]').fill(value)

    return enter


def rate_every_section(value: str) -> Step:
    return lambda page: [
        group.locator(f'input[value="{value}"]').check()
        for group in page.locator("main .govuk-radios:has(input[name^=rating_])").all()
    ]


@dataclass
class Attempt:
    """One way of getting a form wrong: the steps taken on the page before sending it, and
    links its error summary must have (``#...``), besides whatever else it shows."""

    steps: tuple[Step, ...] = (blank,)
    expect: tuple[str, ...] = ()


def attempt(*steps: Step, expect: tuple[str, ...] = ()) -> Attempt:
    return Attempt(steps, expect)


@dataclass
class Case:
    """A form with errors to show: where it is, the view that serves it, the form class
    behind it and the button that sends it. The path may name ``{new}``, the lead's new
    EqIA, or be a function that reads the demo data for it."""

    name: str
    endpoint: str
    form: type[Form]
    path: str | Callable[[], str]
    button: str
    attempts: list[Attempt] = field(default_factory=lambda: [Attempt()])

    def url(self, new: str) -> str:
        return self.path.format(new=new) if isinstance(self.path, str) else self.path()


# --- the demo data the cases read (inside the app context) -------------------------------------


def ref_of(title: str) -> str:
    return db.session.scalar(select(Assessment.reference).where(Assessment.title == title))


def user_id(email: str) -> int:
    return User.by_email(email).id


def first(model) -> int:
    return db.session.scalar(select(model.id).order_by(model.id))


def eqia_action() -> str:
    assessment = Assessment.by_reference(ref_of(COMPLETE))
    action = db.session.scalar(
        select(AssessmentAction.id).where(AssessmentAction.assessment_id == assessment.id)
    )
    return f"/eqia/{assessment.reference}/actions/{action}"


def objective_number() -> str:
    return str(db.session.scalar(select(Objective.number).order_by(Objective.number)))


# --- every form, by who uses it ----------------------------------------------------------------


# The guided form's question pages share one view; each section has its own form (one per
# characteristic's page for the impacts, one built per plan for the objectives).
GUIDED_FORMS = {"impacts": ImpactForm, "objectives": ObjectivesForm}


def guided_form(section: sections.Section) -> type[Form] | None:
    return GUIDED_FORMS.get(section.slug) or getattr(section, "form_class", None)


def guided_pages(ref: str) -> list[Case]:
    """Every question page of the new EqIA ``ref``, in order, from the sections' registry,
    with the ways its questions go wrong: blank, then follow-up questions left blank and
    dates with a part missing or that do not exist."""
    assessment = Assessment.by_reference(ref)
    ctx = sections.Context.load(assessment)
    objective = str(ctx.objectives[0].id)
    special = {
        "screening": [Attempt(), attempt(blank, choose("could_affect", "no"))],
        "about": [
            Attempt(expect=("#decision_date-day",)),
            attempt(
                blank,
                choose("proposal_type", "other"),
                date("decision_date", "12", "", "2027"),
                expect=("#proposal_type_other", "#decision_date-month"),
            ),
        ],
        "who": [Attempt(), attempt(blank, choose("area", "districts"), expect=("#districts",))],
        f"impacts/{ctx.characteristics[0].code}": [
            Attempt(),
            attempt(blank, choose("kinds", "negative"), expect=("#mitigation", "#residual")),
            attempt(blank, choose("kinds", "not_known"), expect=("#how_find_out",)),
        ],
        "objectives": [
            Attempt(),
            attempt(blank, choose("objectives", objective), expect=(f"#how_{objective}",)),
        ],
        "outcome": [
            Attempt(expect=("#review_date-day",)),
            attempt(
                blank,
                choose("outcome", "continue"),
                date("review_date", "31", "2", "2030"),
                expect=("#justification", "#review_date-day"),
            ),
            attempt(
                blank,
                choose("outcome", "stop"),
                date("review_date", "1", "4", ""),
                expect=("#stop_reason", "#review_date-year"),
            ),
        ],
    }
    return [
        Case(
            f"guided form: {page.key}",
            "assessments.page",
            guided_form(section),
            f"/eqia/{ref}/questions/{page.key}",
            "Save and continue",
            special.get(page.key, [Attempt()]),
        )
        for section in sections.applicable(assessment)
        for page in section.pages(assessment, ctx)
        if page.is_question  # the evidence files and actions pages have cases of their own
    ]


def confirm_every_link(page: Page) -> None:
    for option in page.locator('main input[name^="objective_"][value="yes"]').all():
        option.check()


ANONYMOUS_CASES = [
    Case(
        "sign in",
        "auth.sign_in",
        SignInForm,
        "/auth/sign-in",
        "Sign in",
        [
            Attempt(expect=("#email", "#password")),
            attempt(type_in("email", LEAD), type_in("password", "wrong"), expect=("#email",)),
        ],
    ),
    Case(
        "public register filter",
        "public.register",
        PublicFilter,
        "/public/eqias",
        "Apply filters",
        [
            attempt(
                type_in("signed_off_from", "2026-13-45"),
                type_in("signed_off_to", "31/2/2026"),
                expect=("#signed_off_from", "#signed_off_to"),
            ),
            attempt(
                type_in("q", "x" * 201),
                type_in("signed_off_from", "1/4/2026"),
                type_in("signed_off_to", "31/3/2026"),
                expect=("#q", "#signed_off_to"),
            ),
        ],
    ),
]

# The lead's, besides the guided form: their new EqIA ({new}) and their complete draft.
LEAD_CASES = [
    Case("start an EqIA", "assessments.start", StartForm, "/eqia/start", "Start"),
    Case(
        "set up an authenticator app",
        "auth.set_up_authenticator",
        AccountAuthenticatorForm,
        "/auth/account/authenticator",
        "Continue",
        [
            Attempt(expect=("#current_password", "#code")),
            attempt(
                type_in("current_password", PASSWORD), type_in("code", "12"), expect=("#code",)
            ),
        ],
    ),
    Case(
        "evidence files",
        "assessments.files",
        UploadForm,
        "/eqia/{new}/evidence/files",
        "Upload file",
    ),
    Case("actions", "assessments.actions", AddAnotherForm, "/eqia/{new}/actions", "Continue"),
    Case(
        "a new action",
        "assessments.edit_action",
        ActionForm,
        "/eqia/{new}/actions/new",
        "Save action",
        [
            Attempt(expect=("#start_date-day", "#due_date-day")),
            attempt(
                date("start_date", "", "", "2027"),
                date("due_date", "31", "2", "2027"),
                expect=("#start_date-day", "#due_date-day"),
            ),
            attempt(
                date("start_date", "1", "", "2027"),
                date("due_date", "1", "4", ""),
                expect=("#start_date-month", "#due_date-year"),
            ),
        ],
    ),
    Case("an action", "assessments.edit_action", ActionForm, eqia_action, "Save action"),
    Case(
        "co-authors",
        "assessments.co_authors",
        CoAuthorForm,
        "/eqia/{new}/co-authors",
        "Add co-author",
        [Attempt(), attempt(type_in("email", "not an email address"), expect=("#email",))],
    ),
    Case(
        "check answers and submit",
        "assessments.check",
        SubmitForm,
        lambda: f"/eqia/{ref_of(COMPLETE)}/check",
        "Submit for sign-off",
        [Attempt(expect=("#declaration",))],
    ),
    Case(
        "withdraw",
        "assessments.withdraw",
        WithdrawForm,
        "/eqia/{new}/withdraw",
        "Withdraw EqIA",
        [attempt(type_in("reason", "x" * 2_001), expect=("#reason",))],
    ),
    Case(
        "change password",
        "auth.account",
        ChangePasswordForm,
        "/auth/account",
        "Change password",
        [
            Attempt(),
            attempt(
                type_in("new_password", "a long enough new passphrase"),
                type_in("confirm_password", "another passphrase"),
                expect=("#current_password", "#confirm_password"),
            ),
        ],
    ),
    Case("verify a PDF", "records.verify", VerifyForm, "/records/verify", "Check the PDF"),
    Case(
        "progress report period",
        "plan.report",
        PeriodForm,
        "/plan/report",
        "Show the report",
        [
            attempt(choose("period", "custom"), expect=("#start-day", "#end-day")),
            attempt(
                choose("period", "custom"),
                date("start", "1", "", "2026"),
                date("end", "31", "2", "2026"),
                expect=("#start-month", "#end-day"),
            ),
        ],
    ),
]

SUPER_USER_CASES = [
    Case(
        "sign-off or return",
        "reviews.review",
        ReviewForm,
        lambda: f"/reviews/{ref_of(SUBMITTED)}",
        "Record decision",
        [
            Attempt(expect=("#decision",)),
            # Approving with a section to be fixed; returning with nothing to fix or say.
            attempt(
                rate_every_section("acceptable"),
                choose("rating_evidence", "to-be-fixed"),
                confirm_every_link,
                choose("decision", "approved"),
                expect=("#decision",),
            ),
            attempt(
                rate_every_section("acceptable"),
                confirm_every_link,
                choose("decision", "returned"),
                expect=("#comment",),
            ),
        ],
    ),
    Case(
        "take an EqIA off the public register",
        "assessments.unpublish",
        UnpublishForm,
        lambda: f"/eqia/{ref_of(PUBLISHED)}/unpublish",
        "Take it off the public register",
        [Attempt(expect=("#reason",))],
    ),
    Case(
        "register filter",
        "records.register",
        RegisterFilter,
        "/records/",
        "Apply filters",
        [
            attempt(
                type_in("approved_from", "2026-13-45"),
                type_in("approved_to", "31/2/2026"),
                expect=("#approved_from", "#approved_to"),
            ),
            attempt(
                type_in("approved_from", "1/4/2026"),
                type_in("approved_to", "31/3/2026"),
                expect=("#approved_to",),
            ),
        ],
    ),
    Case(
        "equality insight period",
        "plan.insight",
        PeriodForm,
        "/plan/insight",
        "Show the figures",
        [
            attempt(
                choose("period", "custom"),
                date("start", "", "4", "2026"),
                date("end", "30", "6", "26000"),
                expect=("#start-day", "#end-day"),
            )
        ],
    ),
]

PLAN_DATES = [
    Attempt(expect=("#start_date-day", "#end_date-day")),
    attempt(
        date("start_date", "1", "", "2027"),
        date("end_date", "31", "2", "2027"),
        expect=("#start_date-month", "#end_date-day"),
    ),
]

ADMIN_CASES = [
    Case(
        "find people",
        "admin.users",
        UserSearchForm,
        "/admin/users",
        "Search",
        [attempt(type_in("q", "x" * 321), expect=("#q",))],
    ),
    Case("add a person", "admin.new_user", UserForm, "/admin/users/new", "Save"),
    Case(
        "change a person",
        "admin.edit_user",
        UserForm,
        lambda: f"/admin/users/{user_id('lead2@example.org')}",
        "Save",
    ),
    Case(
        "change your own account",
        "admin.edit_user",
        UserForm,
        lambda: f"/admin/users/{user_id(ADMIN)}",
        "Save",
        [
            attempt(untick("active", "y"), expect=("#active",)),
            # the demo admin is a break-glass account, which only an admin may be
            attempt(untick("roles", "admin"), untick("break_glass", "y"), expect=("#roles",)),
        ],
    ),
    Case(
        "add a directorate",
        "admin.new_directorate",
        DirectorateForm,
        "/admin/directorates/new",
        "Save",
    ),
    Case(
        "change a directorate",
        "admin.edit_directorate",
        DirectorateForm,
        lambda: f"/admin/directorates/{first(Directorate)}",
        "Save",
    ),
    Case(
        "add a programme",
        "admin.new_programme",
        ProgrammeForm,
        "/admin/programmes/new",
        "Save",
    ),
    Case(
        "change a programme",
        "admin.edit_programme",
        ProgrammeForm,
        lambda: f"/admin/programmes/{first(Programme)}",
        "Save",
    ),
    Case(
        "get new recovery codes",
        "auth.new_recovery_codes",
        ConfirmPasswordForm,
        "/auth/account/recovery-codes",
        "Get new recovery codes",
        [attempt(expect=("#current_password",))],
    ),
    Case(
        "change the sign-in settings",
        "admin.sign_in_settings",
        SignInSettingsForm,
        "/admin/sign-in",
        "Save sign-in settings",
        [attempt(type_in("allowed_domains", "not a domain"), expect=("#allowed_domains",))],
    ),
    Case(
        "create an API token",
        "admin.new_api_token",
        ApiTokenForm,
        "/admin/api-tokens/new",
        "Create token",
        [
            attempt(expect=("#name", "#datasets", "#reach")),
            attempt(date("expires_on", "1", "1", "2020"), expect=("#expires_on-day",)),
        ],
    ),
    Case(
        "set the due regard checks",
        "admin.due_regard_checks",
        ChecksForm,
        "/admin/due-regard-checks",
        "Save the checks",
        [
            attempt(type_in("thin_evidence__words", "0"), expect=("#thin_evidence__words",)),
            attempt(blank, expect=("#thin_evidence__words", "#review_date__years")),
        ],
    ),
    Case(
        "move a leaver's EqIAs",
        "admin.move_eqias",
        MoveEqiasForm,
        lambda: f"/admin/users/{user_id('lead@example.org')}/eqias",
        "Move EqIAs",
        [attempt(expect=("#to_email",))],
    ),
    Case(
        "add a characteristic",
        "admin.new_characteristic",
        CharacteristicForm,
        "/admin/characteristics/new",
        "Save",
    ),
    Case(
        "change a characteristic",
        "admin.edit_characteristic",
        CharacteristicForm,
        lambda: f"/admin/characteristics/{first(Characteristic)}",
        "Save",
    ),
    Case(
        "add an objective",
        "plan.new_objective",
        ObjectiveForm,
        "/plan/objectives/new",
        "Save objective",
        [Attempt(), attempt(blank, type_in("number", "0"), expect=("#number",))],
    ),
    Case(
        "change an objective",
        "plan.edit_objective",
        ObjectiveForm,
        lambda: f"/plan/objectives/{objective_number()}/change",
        "Save objective",
    ),
    Case(
        "add a plan action",
        "plan.new_action",
        PlanActionForm,
        "/plan/actions/new",
        "Save action",
        PLAN_DATES,
    ),
    Case(
        "change a plan action",
        "plan.edit_action",
        PlanActionForm,
        lambda: f"/plan/actions/{first(PlanAction)}/change",
        "Save action",
        PLAN_DATES,
    ),
    Case(
        "plan action progress",
        "plan.progress",
        ProgressForm,
        lambda: f"/plan/actions/{first(PlanAction)}/progress",
        "Save progress",
        [
            # Its status is always answered (a person cannot untick a radio), so the date.
            attempt(date("completed_on", "1", "", ""), expect=("#completed_on-month",)),
            attempt(date("completed_on", "1", "1", "2999"), expect=("#completed_on-day",)),
        ],
    ),
    Case("import the plan", "plan.import_plan", ImportForm, "/plan/import", "Check the file"),
]


def password_only(email: str, without_app: bool = False) -> Callable:
    """Get as far as the right password (the person's app taken away first, if asked)."""

    def start(page: Page, app) -> None:
        if without_app:
            with app.app_context():
                second_factor.remove(User.by_email(email))
                db.session.commit()
        visit(page, "/auth/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        follow(page, page.get_by_role("button", name="Sign in"))

    return start


CODE_CASES = [
    Case(
        "the code after a password",
        "auth.sign_in_code",
        AuthenticatorCodeForm,
        "/auth/sign-in/code",
        "Continue",
        [Attempt(expect=("#code",))],
    ),
    Case(
        "a recovery code after a password",
        "auth.sign_in_recovery_code",
        RecoveryCodeForm,
        "/auth/sign-in/recovery-code",
        "Continue",
        [Attempt(expect=("#code",))],
    ),
]
SET_UP_CASES = [
    Case(
        "setting up an authenticator app after a password",
        "auth.sign_in_set_up",
        AuthenticatorCodeForm,
        "/auth/sign-in/set-up-authenticator",
        "Continue",
        [Attempt(expect=("#code",))],
    ),
]

# Who signs in (None: nobody; a function: as far as it goes) for each group of cases.
PEOPLE = {
    "anonymous": (None, ANONYMOUS_CASES),
    "after a password": (password_only(SUPER_USER), CODE_CASES),
    "after a password, with no app": (password_only(ADMIN, without_app=True), SET_UP_CASES),
    "lead": (LEAD, LEAD_CASES),
    "super user": (SUPER_USER, SUPER_USER_CASES),
    "admin": (ADMIN, ADMIN_CASES),
}

# Endpoints that take a POST but have no error summary to show, and why.
WITHOUT_A_SUMMARY = {
    "auth.sign_out": "a button (a confirm form): nothing to get wrong",
    "auth.sign_out_others": "a button (a confirm form)",
    "auth.break_glass_sign_in": "the sign-in form (case: sign in), on a page of its own only "
    "while local passwords are off (tests/browser/test_mfa_journey.py)",
    "auth.stay_signed_in": "the timeout warning's request: no page",
    "auth.timed_out": "the timeout warning's request: no page",
    "assessments.remove_action": "a confirm button",
    "assessments.remove_co_author": "a confirm button",
    "assessments.remove_file": "a confirm button",
    "assessments.start_review": "a confirm button",
    "assessments.publish": "a confirm button",
    "admin.move_characteristic": "up and down buttons",
    "admin.revoke_api_token": "a confirm button",
    "admin.publishing_settings": "two questions, each a radio that starts answered (a person "
    "cannot untick a radio)",
    "plan.preview_import": "a confirm button; a plan changed meanwhile is a warning",
    "plan.cancel_import": "a button",
    "reviews.assign": "Pick up: a button",
    "reviews.release": "Release it: a button",
    "reviews.reassign": "its one question's error comes back as a banner on the EqIA's page",
}
# Form classes with no error summary to show (each behind an endpoint above).
FORMS_WITHOUT_A_SUMMARY = {
    ConfirmForm,
    MoveForm,
    ConfirmImportForm,
    PickUpForm,
    ReassignForm,
    PublishingSettingsForm,
}


def _form_classes(cls: type = Form):
    """Every form class the service defines (not those made on the fly, per page, nor the
    tests' own)."""
    for sub in cls.__subclasses__():
        defined = getattr(sys.modules.get(sub.__module__), sub.__name__, None) is sub
        if defined and sub.__module__.startswith("eqia."):
            yield sub
        yield from _form_classes(sub)


def test_every_form_is_here(app):
    """Every endpoint that takes a POST and every form class has a case, or a reason not to."""
    cases = [case for _who, cases in PEOPLE.values() for case in cases]
    guided = {guided_form(s) for s in sections.SECTIONS} - {None}
    shown = {case.form for case in cases} | guided
    forms = set(_form_classes())
    missing = [
        f.__name__
        for f in forms - FORMS_WITHOUT_A_SUMMARY
        if not any(issubclass(shown_form, f) for shown_form in shown)
    ]
    assert missing == [], "forms with no case here, nor a reason to have none"

    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    covered = {case.endpoint for case in cases} | {"assessments.page"}
    assert sorted(posts - covered - set(WITHOUT_A_SUMMARY)) == []
    assert sorted(set(WITHOUT_A_SUMMARY) - posts) == [], "reasons given for endpoints gone"
    assert sorted(set(WITHOUT_A_SUMMARY) & covered) == []


# --- following the links -----------------------------------------------------------------------

# What has focus: the element, and the error message of the form group it is in.
_FOCUSED = """() => {
    const element = document.activeElement;
    const group = element.closest(".govuk-form-group--error");
    const message = group && group.querySelector(".govuk-error-message");
    return {
        tag: element.tagName.toLowerCase(),
        type: element.getAttribute("type") || "",
        id: element.id,
        message: message ? message.textContent.replace(/\\s+/g, " ").trim() : null,
    };
}"""


def expect_focus_on(page: Page, link) -> None:
    """After following a summary link: the control it names has focus, on screen, under
    the error message the link repeats."""
    __tracebackhide__ = True
    href, text = link.get_attribute("href"), " ".join(link.inner_text().split())
    target = href.removeprefix("#")
    expect(page.locator(f'[id="{target}"]'), f"{href} not focused").to_be_focused()
    focused = page.evaluate(_FOCUSED)
    assert focused["tag"] in ("input", "select", "textarea"), f"{href}: {focused}"
    assert focused["type"] != "hidden", f"{href}: {focused}"
    assert focused["message"] == f"Error: {text}", f"{href}: {focused}"
    expect(page.locator(f'[id="{target}"]')).to_be_in_viewport()


def follow_every_link(page: Page, case: Case, tried: Attempt) -> list[str]:
    """Follow each link of the error summary; the links' targets."""
    summary = page.locator(".govuk-error-summary")
    links = summary.locator(".govuk-error-summary__list a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs, f"{case.name}: no error summary links"
    for wanted in tried.expect:
        assert wanted in hrefs, f"{case.name}: no link to {wanted} among {hrefs}"
    # By keyboard: GOV.UK Frontend focuses the summary; Tab reaches its first link.
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    page.keyboard.press("Enter")
    expect_focus_on(page, links.first)
    # The others by clicking.
    for i in range(1, len(hrefs)):
        links.nth(i).click()
        expect_focus_on(page, links.nth(i))
    return hrefs


@pytest.fixture
def rendered_forms(app):
    """The form of each page the live server renders, as it renders it."""
    forms = []

    def record(_sender, template, context, **_extra):
        if "form" in context and not template.name.startswith("govuk_frontend"):
            forms.append(context["form"])

    template_rendered.connect(record, app)
    yield forms
    template_rendered.disconnect(record, app)


@pytest.mark.parametrize("who", list(PEOPLE))
def test_every_error_summary_link_puts_the_cursor_in_its_control(
    page: Page, app, rendered_forms, who
):
    email, cases = PEOPLE[who]
    with app.app_context():
        if who == "lead":
            new = factories.make_assessment(User.by_email(LEAD), "Closing a day centre").reference
            cases = [*cases[:1], *guided_pages(new), *cases[1:]]
        else:
            new = ""
        urls = [case.url(new) for case in cases]
    adapter = app.url_map.bind("localhost")
    if callable(email):
        email(page, app)
    elif email:
        sign_in(page, email)

    failures, followed = [], 0
    for case, url in zip(cases, urls, strict=True):
        path = url.split("?")[0]
        assert adapter.match(path, method="GET")[0] == case.endpoint, case.name
        for number, tried in enumerate(case.attempts, 1):
            try:
                visit(page, url)
                for step in tried.steps:
                    step(page)
                button = page.locator("main").get_by_role("button", name=case.button, exact=True)
                follow(page, button)
                shown = rendered_forms[-1]
                assert isinstance(shown, case.form) and shown.errors, f"{case.name}: {shown}"
                followed += len(follow_every_link(page, case, tried))
            except (AssertionError, PlaywrightError) as failure:
                failures.append(f"{case.name} (attempt {number}): {failure}")
    assert failures == [], "\n\n".join(failures)
    assert followed >= len(cases)
