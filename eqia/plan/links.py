"""Links from an EqIA's actions to the actions of the EDI action plan."""

import textwrap

from wtforms.fields.choices import SelectChoice

from eqia.models import PlanAction

NONE_CHOSEN = "No, or not sure"


def plan_action_choices(include_id: int | None = None) -> list[SelectChoice]:
    """The plan's active actions (and the one already chosen, even if since retired)."""
    choices = [SelectChoice("", NONE_CHOSEN)]
    for action in PlanAction.choices_for_eqia(include_id):
        text = textwrap.shorten(action.action, width=90, placeholder="…")
        retired = "" if action.active else ", retired"
        choices.append(
            SelectChoice(
                action.id,
                f"{action.reference}: {text} (objective {action.objective.number}{retired})",
            )
        )
    return choices
