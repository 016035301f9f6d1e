"""Forms: parse and localise input (« 4,8 » in French is 4.8); the rules stay in the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PersonPicker(forms.TextInput):
    """A person's e-mail, with suggestions searched as one types (``/people/options/``): an
    organisation of 10,000 people is not a menu. The action checks the person is a member."""

    input_type = "search"

    def get_context(self, name, value, attrs):
        from django.urls import reverse

        attrs = {**(attrs or {}), "list": f"{attrs.get('id', name)}-options",
                 "autocomplete": "off", "hx-get": reverse("people_options"),
                 "hx-trigger": "input changed delay:250ms", "hx-swap": "innerHTML",
                 "hx-target": f"#{attrs.get('id', name)}-options"}  # fmt: skip
        return super().get_context(name, value, attrs)

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html

        html = super().render(name, value, attrs, renderer)
        options = (attrs or {}).get("id", name) + "-options"
        return format_html('{}<datalist id="{}"></datalist>', html, options)


class PersonField(forms.EmailField):
    widget = PersonPicker


KEY_HELP = _("Used in links and files; left empty, it is made from the name.")
KEY_FROM_TITLE = _("Used in links and files; left empty, it is made from the title.")


class Styled(forms.Form):
    """Bootstrap classes and ARIA on every widget, so templates stay simple."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = (
                "form-check-input" if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect))
                else "form-select" if isinstance(widget, forms.Select) else "form-control"
            )  # fmt: skip
            widget.attrs.setdefault("class", css)
            if field.help_text:
                # the id the template gives the help text (prefixed forms included)
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}-help"

    def full_clean(self):
        super().full_clean()
        self._mark_invalid()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._mark_invalid()

    def _mark_invalid(self):
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-err"


class CheckInForm(forms.Form):
    value = forms.FloatField(
        label=_("Value"), localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    confidence = forms.IntegerField(
        label=_("Confidence (0–10)"), min_value=0, max_value=10, required=False
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)
    next_step = forms.CharField(
        label=_("Next step"),
        required=False,
        max_length=2000,
        help_text=_("Needed when the confidence is under 4: what will you do?"),
    )
    # Asked for when the value looks like a typo (goals.keyresults.doubt_about_check_in).
    confirm = forms.BooleanField(label=_("Yes, record this value"), required=False)


class WeeklyCheckInForm(CheckInForm):
    """One row of the weekly check-ins page: the value is optional (a row left empty is a KR
    not checked in this week), the comment is the answers to the organisation's prompts."""

    def __init__(self, *args, prompts: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].required = False
        del self.fields["comment"]
        self.prompts = list(prompts)
        for i, prompt in enumerate(self.prompts):
            self.fields[f"p{i}"] = forms.CharField(label=prompt, required=False, max_length=1000)

    def number_fields(self):
        return [self["value"], self["confidence"]]

    def prompt_fields(self):
        return [self[f"p{i}"] for i in range(len(self.prompts))]

    def answers(self) -> list[tuple[str, str]]:
        return [(p, self.cleaned_data.get(f"p{i}") or "") for i, p in enumerate(self.prompts)]

    def is_empty(self) -> bool:
        """Nothing typed in the row (it is left out of the submission)."""
        names = ["value", "confidence", "next_step", *(f"p{i}" for i in range(len(self.prompts)))]
        return not any((self.data.get(self.add_prefix(n)) or "").strip() for n in names)

    def clean(self):
        data = super().clean()
        if not self.is_empty() and data.get("value") is None and "value" not in self.errors:
            self.add_error("value", _("Type the value measured, or leave the whole row empty."))
        # Said on every row at once (the action says it too, for the API).
        from django.utils.translation import gettext

        from pilote.okr.checkin import next_step_errors

        for name, message in next_step_errors(data.get("confidence"), data.get("next_step", "")):
            self.add_error(name, gettext(message))
        return data


class CorrectCheckInForm(Styled):
    """A new value for a wrong check-in (same day); the old one is withdrawn, kept in the history."""

    value = forms.FloatField(
        label=_("Right value"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=500,
        help_text=_("Shown in the key result's history, e.g. a typo: 4.8, not 48"),
    )  # fmt: skip


class WithdrawCheckInForm(Styled):
    reason = forms.CharField(
        label=_("Why it does not count"), max_length=500,
        help_text=_("Shown in the key result's history, e.g. entered on the wrong key result"),
    )  # fmt: skip


MAX_PARENTS = 50  # an objective aligned to more is aligned to nothing in particular


class KeysField(forms.MultipleChoiceField):
    """A list of keys checked by the action that receives them, not against choices."""

    def valid_value(self, value) -> bool:
        return bool(str(value).strip())


class GradeForm(Styled):
    """A person's grade beside the computed one (pilote/okr/grading.py): an executive's is
    the override, an owner's or a lead's a proposal an executive confirms."""

    grade = forms.FloatField(
        label=_("Grade (0 to 1)"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("0.7 and above is green, 0.4 to 0.7 yellow, below 0.4 red."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the computed grade does not say it right: it is kept beside it."),
    )


class DecisionForm(Styled):
    """An objective's decision at the end of its cycle, with its retrospective
    (pilote/okr/carry.py)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("keep", _("Keep: it continues next cycle as it is")),
            ("change", _("Change: it continues next cycle, edited")),
            ("defer", _("Defer: not now (it leaves the roll-up)")),
            ("drop", _("Drop: we stop it (it leaves the roll-up)")),
        ],
        widget=forms.RadioSelect,
    )
    what_worked = forms.CharField(
        label=_("What worked"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    what_did_not = forms.CharField(
        label=_("What did not"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    learnt = forms.CharField(
        label=_("What we learnt"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


class ObjectiveForm(Styled):
    key = forms.SlugField(
        label=_("Key"),
        max_length=100,
        required=False,
        help_text=KEY_FROM_TITLE,
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=[("tactical", _("Tactical")), ("strategic", _("Strategic"))]
    )
    cycle = forms.ChoiceField(label=_("Cycle"))
    unit = forms.ChoiceField(label=_("Unit"))
    owner = PersonField(label=_("Owner"), required=False)
    progress_from = forms.ChoiceField(
        label=_("Progress from"),
        choices=[
            ("key_results", _("its key results")),
            ("children", _("the objectives aligned to it")),
            ("both", _("both")),
        ],
    )
    # Any keys: the picker searches the organisation (goals.queries.parent_candidates), and
    # the action says which key names no objective the actor may align to.
    aligns_to = KeysField(label=_("Contributes to"), required=False)

    def __init__(
        self, *args, cycles=(), units=(), chosen=(), candidates=(), matching=0, editing=False,
        links=(), **kwargs,
    ):  # fmt: skip
        super().__init__(*args, **kwargs)
        # The current links' weights; a parent newly chosen weighs 1 unless given another.
        self.link_weights = {key: weight for key, _, weight in links}
        self.fields["cycle"].choices = [(c.key, c.name or c.key) for c in cycles]
        self.fields["unit"].choices = [(u.key, u.name) for u in units]
        self.chosen, self.candidates, self.matching = list(chosen), list(candidates), matching
        self.titles = {key: title for key, title, _ in links} | {
            o.key: o.title for o in self.chosen
        }
        if editing:
            self.fields["key"].disabled = True

    def plain_fields(self):
        """Every field but the alignment, which the page shows as a searchable list."""
        return [self[name] for name in self.fields if name != "aligns_to"]

    def _weight(self, key: str) -> str:
        from pilote.words import number

        typed = self.data.get(f"weight__{key}") if self.is_bound else None
        return typed if typed not in (None, "") else number(self.link_weights.get(key, 1))

    def chosen_rows(self):
        """[(objective, True, weight as typed or stored)] of the parents ticked."""
        return [(o, True, self._weight(o.key)) for o in self.chosen]

    def parent_rows(self):
        """(level label, [(objective, False, weight)]) of the first candidates found."""
        return candidate_groups(self.candidates)

    def clean(self):
        data = super().clean()
        weight = forms.FloatField(min_value=0.01, localize=True)
        titles = self.titles
        if len(data.get("aligns_to") or []) > MAX_PARENTS:
            self.add_error(
                "aligns_to", _("At most %(n)s parents: choose those it really contributes to.")
                % {"n": MAX_PARENTS},
            )  # fmt: skip
            return data
        for key in data.get("aligns_to") or []:
            raw = (self.data.get(f"weight__{key}") or "").strip()
            if not raw:
                data[f"weight__{key}"] = self.link_weights.get(key, 1.0)
                continue
            try:
                data[f"weight__{key}"] = weight.clean(raw)
            except forms.ValidationError as exc:
                self.add_error(
                    "aligns_to",
                    _("Weight of the contribution to “%(title)s”: %(error)s")
                    % {"title": titles.get(key, key), "error": " ".join(exc.messages)},
                )
        return data


def candidate_groups(candidates) -> list[tuple[str, list]]:
    """The picker's candidates by level: (label, [(objective, False, "1")])."""
    groups: dict[str, list] = {}
    for o in candidates:
        label = _("Strategic objectives") if o.level == "strategic" else _("Tactical objectives")
        groups.setdefault(str(label), []).append((o, False, "1"))
    return list(groups.items())


class KeyResultForm(Styled):
    key = forms.SlugField(label=_("Key"), max_length=100, required=False, help_text=KEY_FROM_TITLE)
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("increase", _("Increase")),
            ("decrease", _("Decrease")),
            ("boolean", _("Done / not done")),
            ("milestone", _("Milestones")),
            ("maintain", _("Maintain")),
        ],
    )
    unit = forms.CharField(label=_("Unit label"), required=False, max_length=30)
    baseline = forms.FloatField(label=_("Baseline"), required=False, localize=True)
    target = forms.FloatField(label=_("Target"), required=False, localize=True)
    min = forms.FloatField(label=_("Minimum"), required=False, localize=True)
    max = forms.FloatField(label=_("Maximum"), required=False, localize=True)
    milestones = forms.CharField(
        label=_("Milestones (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    weight = forms.FloatField(label=_("Weight"), initial=1, localize=True)
    owner = PersonField(label=_("Owner"), required=False)
    due = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    # The fields each kind uses (the page shows only those of the kind chosen); the others
    # are emptied on saving, so a KR turned from "increase" into "done / not done" keeps no
    # stale baseline.
    KIND_FIELDS = {
        "increase": ("unit", "baseline", "target", "min", "max"),
        "decrease": ("unit", "baseline", "target", "min", "max"),
        "boolean": (),
        "milestone": ("milestones",),
        "maintain": ("unit", "min", "max"),
    }

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["key"].disabled = True
        for name in ("unit", "baseline", "target", "min", "max", "milestones"):
            self.fields[name].kinds = " ".join(
                kind for kind, names in self.KIND_FIELDS.items() if name in names
            )
        self.fields["min"].help_text = _(
            "Maintain: the lowest value that keeps it on track. Increase or decrease: optional, "
            "a value below it is asked about before it is recorded."
        )
        self.fields["max"].help_text = _(
            "Maintain: the highest value that keeps it on track. Increase or decrease: optional, "
            "a value above it is asked about before it is recorded."
        )

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["milestones"] = [
            m.strip() for m in (data.get("milestones") or "").splitlines() if m.strip()
        ]
        data["owner"] = data.get("owner") or None
        used = self.KIND_FIELDS.get(data.get("kind"), ())
        for name in ("unit", "baseline", "target", "min", "max", "milestones"):
            if name not in used:
                data[name] = [] if name == "milestones" else ("" if name == "unit" else None)
        return data


class UnitForm(Styled):
    key = forms.SlugField(label=_("Key"), max_length=100, required=False, help_text=KEY_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ChoiceField(label=_("Parent unit"), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "—")] + [(u.key, u.name) for u in units]


class PersonForm(Styled):
    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            ("viewer", _("Viewer")),
            ("contributor", _("Contributor")),
            ("lead", _("Lead")),
            ("executive", _("Executive")),
            ("admin", _("Administrator")),
        ],
    )
    units = forms.MultipleChoiceField(
        label=_("Units"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_(
            "At least 10 characters. Leave empty to invite the person by e-mail: they choose their own."
        ),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = [(u.key, u.name) for u in units]


class InviteForm(Styled):
    """Invite someone by e-mail: the roles and units offered are those the inviter may give."""

    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    role = forms.ChoiceField(label=_("Role"))
    units = forms.MultipleChoiceField(
        label=_("Units"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )

    def __init__(self, *args, units=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(PersonForm.base_fields["role"].choices)
        self.fields["role"].choices = [(r, labels[r]) for r in labels if r in roles]
        self.fields["units"].choices = [(u.key, u.name) for u in units]


class JoinForm(Styled):
    """A new address accepts its invitation: its name and the password it chooses."""

    name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters."),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") != data.get("password"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ResetRequestForm(Styled):
    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class SingleSignOnForm(Styled):
    protocol = forms.ChoiceField(
        label=_("Protocol"),
        choices=[("oidc", "OpenID Connect"), ("saml", "SAML 2.0")],
        widget=forms.RadioSelect,
        initial="oidc",
    )
    issuer = forms.CharField(
        label=_("Issuer"),
        max_length=500,
        required=False,
        help_text=_("OpenID Connect: the provider's address; it publishes"
                    " /.well-known/openid-configuration."),
    )  # fmt: skip
    client_id = forms.CharField(label=_("Client ID"), max_length=300, required=False)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the one saved."),
    )
    metadata_url = forms.CharField(
        label=_("Metadata address (SAML)"),
        max_length=500,
        required=False,
        help_text=_("SAML: the identity provider's federation metadata address, read once when"
                    " you save; or paste the metadata below."),
    )  # fmt: skip
    metadata_xml = forms.CharField(
        label=_("Metadata (SAML, XML)"),
        required=False,
        max_length=1_000_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("It holds the provider's entity ID, sign-in address and signing"
                    " certificate."),
    )  # fmt: skip
    domains = forms.CharField(
        label=_("E-mail domains"),
        max_length=2000,
        help_text=_("Separated by commas: people with these addresses sign in here."),
    )
    default_role = forms.ChoiceField(
        label=_("Role of people who join by signing in"),
        choices=[("viewer", _("Viewer")), ("contributor", _("Contributor"))],
    )
    required = forms.BooleanField(
        label=_("Single sign-on required (no passwords for these addresses)"), required=False
    )
    enabled = forms.BooleanField(label=_("Turned on"), required=False, initial=True)


class CycleForm(Styled):
    key = forms.SlugField(label=_("Key"), max_length=100, required=False, help_text=KEY_HELP)
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End (last day)"), widget=forms.DateInput(attrs={"type": "date"}))
    parent = forms.ChoiceField(label=_("Within cycle"), required=False)

    def __init__(self, *args, cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "—")] + [(c.key, c.name or c.key) for c in cycles]


class InitiativeForm(Styled):
    key = forms.SlugField(label=_("Key"), max_length=100, required=False, help_text=KEY_FROM_TITLE)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.ChoiceField(label=_("Unit"))
    owner = PersonField(label=_("Owner"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("idea", _("Idea")),
            ("planned", _("Planned")),
            ("in_progress", _("In progress")),
            ("done", _("Done")),
            ("dropped", _("Dropped")),
        ],
    )
    horizon = forms.ChoiceField(
        label=_("Horizon"), choices=[("now", _("Now")), ("next", _("Next")), ("later", _("Later"))]
    )
    start = forms.DateField(
        label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    effort = forms.FloatField(label=_("Effort (person-weeks)"), required=False, localize=True)
    confidence = forms.FloatField(label=_("Confidence (0 to 1)"), required=False, localize=True)
    delivered_on = forms.DateField(
        label=_("Delivered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units=(), key_results=(), impact_rows=3, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.impact_rows = impact_rows
        self.fields["unit"].choices = [(u.key, u.name) for u in units]
        kr_choices = [("", "—")] + [
            (kr.key, f"{kr.title} ({kr.objective.title})") for kr in key_results
        ]
        for n in range(impact_rows):
            self.fields[f"kr_{n}"] = forms.ChoiceField(
                label=_("Key result it should move"), choices=kr_choices, required=False
            )
            self.fields[f"expected_{n}"] = forms.FloatField(
                label=_("By how much (in the KR's unit)"), required=False, localize=True
            )
            self.fields[f"rationale_{n}"] = forms.CharField(
                label=_("Why we believe it"), required=False, max_length=2000
            )
        for name in list(self.fields)[-3 * impact_rows :]:
            w = self.fields[name].widget
            w.attrs.setdefault(
                "class", "form-select" if isinstance(w, forms.Select) else "form-control"
            )
        if editing:
            self.fields["key"].disabled = True

    def clean(self):
        data = super().clean()
        for n in range(self.impact_rows):
            if data.get(f"kr_{n}") and data.get(f"expected_{n}") is None:
                self.add_error(
                    f"expected_{n}", _("Say by how much it should move this key result.")
                )
        return data

    def impact_fields(self):
        return [
            (self[f"kr_{n}"], self[f"expected_{n}"], self[f"rationale_{n}"])
            for n in range(self.impact_rows)
        ]

    def base_fields_list(self):
        return [
            self[name]
            for name in self.fields
            if name.split("_")[0] not in ("kr", "expected", "rationale")
        ]

    def action_data(self) -> dict:
        d = self.cleaned_data
        data = {
            k: d.get(k)
            for k in (
                "key",
                "title",
                "description",
                "unit",
                "status",
                "horizon",
                "start",
                "end",
                "effort",
                "confidence",
                "delivered_on",
            )
        }
        data["owner"] = d.get("owner") or None
        data["impacts"] = [
            {
                "key_result": d[f"kr_{n}"],
                "expected": d[f"expected_{n}"],
                "rationale": d.get(f"rationale_{n}", ""),
            }
            for n in range(self.impact_rows)
            if d.get(f"kr_{n}")
        ]
        return data


class MappingField(forms.CharField):
    """``name: value`` lines (YAML) read as a mapping; numbers and lists keep their type."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def to_python(self, value):
        import yaml

        text = super().to_python(value)
        if not text.strip():
            return {}
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise forms.ValidationError(_("Write one “name: value” per line.")) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("Write one “name: value” per line."))
        return {str(k): v for k, v in data.items()}


# The names people read for a connector's choices (the stored values stay codes).
CHOICE_LABELS = {
    "last": _("the last value"),
    "first": _("the first value"),
    "sum": _("the sum"),
    "average": _("the average"),
    "min": _("the smallest"),
    "max": _("the largest"),
    "count": _("the number of rows"),
    "average_rating": _("average rating"),
    "nps": _("NPS"),
    "volume": _("number of items"),
}


def _param_field(p) -> forms.Field:
    """A form field for one connector parameter (sources/connectors/base.Param)."""
    label, help_text = str(p.label or p.name), str(p.help)
    if p.choices:
        return forms.ChoiceField(
            label=label, required=False, help_text=help_text,
            choices=[("", "—")] + [(c, CHOICE_LABELS.get(c, c)) for c in p.choices],
        )  # fmt: skip
    if p.secret:
        keep = _("Never shown again; leave empty to keep the one stored.")
        widget = (
            forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"})
            if p.mapping
            else forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
        )
        return forms.CharField(
            label=label, required=False, help_text=f"{help_text} — {keep}", widget=widget
        )
    if p.number:
        return forms.FloatField(label=label, required=False, help_text=help_text, localize=True)
    return forms.CharField(label=label, required=False, help_text=help_text)


class SourceForm(Styled):
    """A data source: what every kind has, then the parameters of each kind, named and
    explained (the page shows those of the kind chosen)."""

    key = forms.SlugField(label=_("Key"), max_length=100, required=False, help_text=KEY_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"))
    key_result = forms.ChoiceField(label=_("Key result it feeds"), required=False)
    interval_minutes = forms.IntegerField(
        label=_("Pull every (minutes)"), required=False, min_value=1
    )
    expect_every_minutes = forms.IntegerField(
        label=_("Pushed values expected every (minutes)"), required=False, min_value=1
    )
    jump_factor = forms.FloatField(
        label=_("Hold values beyond × the usual change"),
        required=False,
        localize=True,
        help_text=_("Empty: 5 × the median change learnt from the history."),
    )
    allow_private = forms.BooleanField(
        label=_("May reach private and loopback addresses (admins)"), required=False
    )

    def __init__(self, *args, kinds=(), key_results=(), stored_secrets=(), **kwargs):
        from pilote.sources.actions import kind_label, kind_parameters

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, kind_label(k)) for k in kinds]
        self.fields["key_result"].choices = [("", "—")] + [(k.key, k.title) for k in key_results]
        self.fields["allow_private"].widget.attrs["class"] = "form-check-input"
        self.stored_secrets = set(stored_secrets)
        # kind -> [(parameter, field name)], in the connector's order
        self.kind_fields: dict[str, list] = {}
        for kind in kinds:
            for p in kind_parameters(kind):
                name = f"{kind}__{p.name}"
                self.fields[name] = _param_field(p)
                self.kind_fields.setdefault(kind, []).append((p, name))
        for name, field in self.fields.items():
            if "__" in name and not isinstance(field.widget, forms.CheckboxInput):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)
                if field.help_text:
                    field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-help"

    def common_fields(self):
        return [self[n] for n in self.fields if "__" not in n]

    def kind_groups(self):
        """(kind, its label, its bound fields) for the template's fieldsets."""
        from pilote.sources.actions import kind_label

        return [
            (kind, kind_label(kind), [self[name] for _, name in fields])
            for kind, fields in self.kind_fields.items()
        ]

    def clean(self):
        import yaml

        data = super().clean()
        kind = data.get("kind")
        params, secrets = {}, {}
        for p, name in self.kind_fields.get(kind, []):
            value = data.get(name)
            if isinstance(value, str):
                value = value.strip()
            if value in (None, ""):
                stored = p.secret and p.name in self.stored_secrets
                if p.required and not stored:
                    self.add_error(name, _("This field is required."))
                continue
            if p.mapping:
                try:
                    value = yaml.safe_load(value)
                except yaml.YAMLError:
                    value = None
                if not isinstance(value, dict):
                    self.add_error(name, _("Write one “name: value” per line."))
                    continue
                value = {str(k): str(v) for k, v in value.items()}
            elif p.number and float(value).is_integer():
                value = int(value)
            (secrets if p.secret else params)[p.name] = value
        data["params"], data["secrets"] = params, secrets
        return data


class FeedbackForm(Styled):
    # Checked by the action with the others, so that every error shows at once.
    channel = forms.CharField(label=_("Channel"), max_length=100, required=False)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    rating = forms.CharField(label=_("Rating (0–5)"), required=False)
    nps = forms.CharField(label=_("NPS score (0–10)"), required=False)
    segment = forms.CharField(label=_("Segment"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    link = forms.CharField(label=_("Link"), required=False)


class FeedbackImportForm(Styled):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: channel, date, text, rating, nps, segment, tags, link, external_id."),
    )


class WebhookForm(Styled):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(label=_("Address"), max_length=500)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("json", "JSON"), ("slack", "Slack"), ("teams", "Microsoft Teams")],
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events (none: all)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    allow_private = forms.BooleanField(
        label=_("May reach private and loopback addresses"), required=False
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kinds
        self.fields["kinds"].widget.attrs["class"] = "form-check-input"
        self.fields["allow_private"].widget.attrs["class"] = "form-check-input"


class RulesForm(Styled):
    """The organisation's rule settings (pilote.okr.types.Policy), in words and percentages."""

    rhythm_days = forms.IntegerField(
        label=_("Check-in rhythm (days)"),
        min_value=1,
        max_value=365,
        help_text=_("How often each key result is expected to be checked in."),
    )
    grace_days = forms.IntegerField(
        label=_("Grace period (days)"),
        min_value=0,
        max_value=365,
        help_text=_("Beyond the rhythm and this grace, a key result is outdated."),
    )
    at_risk_gap = forms.IntegerField(
        label=_("At risk beyond (points behind)"),
        min_value=0,
        max_value=100,
        help_text=_("Points of progress behind the expected progress."),
    )
    off_track_gap = forms.IntegerField(
        label=_("Off track beyond (points behind)"), min_value=0, max_value=100
    )
    confidence_on_track = forms.IntegerField(
        label=_("Done / not done: on track from confidence"), min_value=0, max_value=10
    )
    confidence_at_risk = forms.IntegerField(
        label=_("Done / not done: at risk from confidence"), min_value=0, max_value=10
    )
    no_data_terms = forms.ChoiceField(
        label=_("What has no data yet, in its objective"),
        choices=[
            ("zero", _("Counts as 0 once something else has data")),
            ("skip", _("Left out until its first check-in")),
        ],
        help_text=_(
            "Left out, approving a new objective without check-ins does not pull its parent down."
        ),
    )
    grade_green = forms.FloatField(
        label=_("Grade: green from"), min_value=0, max_value=1, localize=True
    )
    grade_yellow = forms.FloatField(
        label=_("Grade: yellow from"), min_value=0, max_value=1, localize=True
    )
    trending_alert_odds = forms.IntegerField(
        label=_("Trending off track below these odds (in percent)"),
        min_value=0,
        max_value=100,
        help_text=_(
            "A key result still on track whose forecast gives it less than these odds of "
            "reaching its target alerts its owner and leads before its status turns; 0: never."
        ),
    )
    coach_min_krs = forms.IntegerField(
        label=_("Quality coach: fewest key results per objective"), min_value=0, max_value=100
    )
    coach_max_krs = forms.IntegerField(
        label=_("Quality coach: most key results per objective"), min_value=1, max_value=100
    )
    coach_min_objectives = forms.IntegerField(
        label=_("Quality coach: fewest objectives per unit and cycle"), min_value=0, max_value=100
    )
    coach_max_objectives = forms.IntegerField(
        label=_("Quality coach: most objectives per unit and cycle"), min_value=1, max_value=100
    )
    coach_blocking = forms.MultipleChoiceField(
        label=_("Quality coach: rules that block a submission"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The others only advise, in the form and in the validation inbox."),
    )
    prioritisation = forms.ChoiceField(
        label=_("Roadmap ranking"),
        choices=[
            ("impact", _("By expected impact on the strategy")),
            ("rice", _("RICE")),
            ("value_effort", _("Value ÷ effort")),
        ],
    )
    review_window_days = forms.IntegerField(
        label=_("Impact measured after delivery (days)"), min_value=1, max_value=365
    )
    check_in_prompts = forms.CharField(
        label=_("Check-in prompts (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What each check-in answers, besides the next step; left empty: what moved, what "
            "blocks. At most 6 prompts of 80 characters."
        ),
    )

    PERCENT = ("at_risk_gap", "off_track_gap", "trending_alert_odds")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from pilote.okr.coach import NAMES, RULES

        self.fields["coach_blocking"].choices = [
            (code, f"{_(NAMES[code])} — {_(why)}") for code, (why, _fix) in RULES.items()
        ]

    def prompts(self) -> list[str]:
        text = self.cleaned_data.get("check_in_prompts") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    @classmethod
    def initial_of(cls, policy) -> dict:
        from dataclasses import asdict

        values = asdict(policy)
        values["coach_blocking"] = list(policy.coach_blocking)
        for name in cls.PERCENT:
            values[name] = round(values[name] * 100)
        return values

    def policy(self) -> dict:
        values = dict(self.cleaned_data)
        values.pop("check_in_prompts", None)
        for name in self.PERCENT:
            values[name] = values[name] / 100
        values["coach_blocking"] = list(values.get("coach_blocking") or [])
        return values
