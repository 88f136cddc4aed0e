"""The public register's filter: a GET form, so every filter lives in the URL."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms.fields.choices import SelectChoice

from eqia.forms import optional_int
from eqia.records.forms import ANY, ChoiceFilter, DateText, FilterForm, search_field


class PublicFilter(FilterForm):
    SIGNED_OFF = ("signed_off_from", "signed_off_to")

    q = search_field()
    directorate = ChoiceFilter(
        "Directorate",
        widget=GovSelect(),
        coerce=optional_int,
        unknown="Select a directorate from the list",
    )
    negative = ChoiceFilter(
        "Negative impact on",
        widget=GovSelect(),
        description="A characteristic the signed-off EqIA found a negative impact on",
        unknown="Select a characteristic from the list",
    )
    signed_off_from = DateText("Signed off from")
    signed_off_to = DateText("Signed off to")

    def __init__(self, formdata, *, directorates, characteristics):
        super().__init__(formdata)
        self.directorate.choices = [ANY, *(SelectChoice(d.id, d.name) for d in directorates)]
        self.negative.choices = [ANY, *(SelectChoice(c.code, c.name) for c in characteristics)]
