"""Plain-English words for the contract's levels and action codes."""

LEVEL_LABELS = {
    "universal": "Universal: no risk found",
    "raised": "Raised: tailored advice now",
    "high": "High: act today",
    "urgent": "Urgent: same-day safeguarding action",
    "emergency": "Emergency: medical care now",
}

# NHS.UK tag colours by level.
LEVEL_TAGS = {
    "universal": "nhsuk-tag--green",
    "raised": "nhsuk-tag--yellow",
    "high": "nhsuk-tag--orange",
    "urgent": "nhsuk-tag--red",
    "emergency": "nhsuk-tag--red",
}

ACTION_LABELS = {
    "give_universal_messages": "Give the safe sleep, safe handling and safe space messages to every carer",
    "tailored_advice": "Give advice about what was found, in words the family use",
    "make_safe_sleep_plan": "Make a safe sleep plan with the family",
    "out_of_routine_plan": "Agree where the baby will sleep when the routine changes",
    "equipment_support": "Help the family get the equipment they need (a safe sleep space, stair gates, a smoke alarm)",
    "review_next_contact": "Look at this again at the next contact",
    "discuss_safeguarding_lead_same_day": "Discuss with your agency's safeguarding lead today",
    "refer_childrens_social_care_same_day": "Refer to children's social care today",
    "refer_childrens_social_care": "Refer to children's social care",
    "consider_referral_childrens_social_care": "Consider a referral to children's social care",
    "paediatric_assessment_same_day": "Arrange a paediatric assessment today",
    "same_day_medical_review": "Arrange a medical review today",
    "emergency_medical_care_now": "Get emergency medical care now: call 999 or go to the emergency department",
    "record_explanation": "Record the carer's explanation in their own words",
    "record_only": "Record what was seen; no further action for this mark",
    "report_to_police": "Report to the police",
    "consider_early_help": "Consider early help for the family",
    "dog_safety_advice": "Give advice on keeping the baby safe around dogs",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code.replace("_", " ").capitalize())
