"""Vision, cycles, objectives, alignment, key results, check-ins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from pilote.okr.types import Kind
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.models import Organization, Unit


class Vision(models.Model):
    """Versioned: every change is a new row; the current vision is the highest version."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="visions")
    number = models.PositiveIntegerField()
    statement = models.TextField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="vision_version_unique")
        ]
        ordering = ["number"]


class Cycle(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cycles")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    start = models.DateField()
    end = models.DateField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    retrospective = models.TextField(blank=True)  # written when it is closed
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="cycle_key_unique")
        ]
        ordering = ["start", "id"]

    def __str__(self) -> str:
        return self.name or self.key


class Level(models.TextChoices):
    STRATEGIC = "strategic", "strategic"
    TACTICAL = "tactical", "tactical"


class ProgressFrom(models.TextChoices):
    KEY_RESULTS = "key_results", "key_results"
    CHILDREN = "children", "children"
    BOTH = "both", "both"


class KeepsFigures(models.Model):
    """A row whose stored figures only ``goals/figures.py`` (and ``contributions.py``) writes:
    saving it otherwise (a rename, a transition) leaves them out of the UPDATE, so it never
    writes back figures it read before a concurrent check-in moved them."""

    FIGURE_COLUMNS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not args:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.FIGURE_COLUMNS
            ]
        super().save(*args, **kwargs)


class Gradable(KeepsFigures):
    """Grade kept at cycle close, and a person's override with its reason (both kept)."""

    grade = models.FloatField(null=True, blank=True)
    grade_override = models.FloatField(null=True, blank=True)
    grade_reason = models.TextField(blank=True)
    retrospective = models.TextField(blank=True)
    # An owner's or lead's proposed override, until an executive confirms or dismisses it
    # (goals/keyresults.py override_grade, confirm_grade, dismiss_grade).
    grade_proposal = models.FloatField(null=True, blank=True)
    grade_proposal_reason = models.TextField(blank=True)
    grade_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Objective(Gradable):
    FIGURE_COLUMNS = ("stored_progress", "stored_plan", "stored_from", "stored_contribution")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="objectives"
    )
    key = models.SlugField(max_length=100)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="objectives")
    level = models.CharField(max_length=10, choices=Level.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="objectives")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_objectives",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20,
        choices=[(s.value, s.value) for s in WorkflowStatus],
        default=WorkflowStatus.DRAFT.value,
    )
    progress_from = models.CharField(
        max_length=12, choices=ProgressFrom.choices, default=ProgressFrom.KEY_RESULTS
    )
    # Changes to approved KRs' target or baseline since the last approval: shown to the approver.
    pending_changes = models.JSONField(default=list, blank=True)
    review_comment = models.TextField(blank=True)
    # Who may not validate this submission: whoever submitted it and whoever owned the
    # objective at any point since (an owner changed after submitting still counts).
    interested_user_ids = models.JSONField(default=list, blank=True)
    parents = models.ManyToManyField(
        "self", through="Alignment", symmetrical=False, related_name="children"
    )
    version = models.PositiveIntegerField(default=1)
    # Its figures, kept by the actions (goals/figures.py): progress, status plan (its status
    # on every day, pilote/okr/plan.py), and the latest date of the readings beneath it.
    stored_progress = models.FloatField(null=True, blank=True)
    stored_plan = models.JSONField(null=True, blank=True)
    stored_from = models.DateField(null=True, blank=True)
    # Its share of the strategy (goals/contributions.py: pilote.okr.impact.contribution),
    # kept by the actions that change the alignment graph or a level.
    stored_contribution = models.FloatField(null=True, blank=True)
    # The end of its cycle (goals/carrying.py, pilote/okr/carry.py): the decision and the
    # retrospective, who decided when, the status a defer or drop replaced, and lineage.
    decision = models.CharField(max_length=10, blank=True)
    what_worked = models.TextField(blank=True)
    what_did_not = models.TextField(blank=True)
    learnt = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    status_before_decision = models.CharField(max_length=20, blank=True)
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="objective_key_unique")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Alignment(models.Model):
    """A child objective contributes to a parent with a weight."""

    child = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="child_links")
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "parent"], name="alignment_unique")]
        ordering = ["id"]


class KeyResult(Gradable):
    FIGURE_COLUMNS = ("stored_progress", "stored_plan")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="key_results"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in Kind])
    unit_label = models.CharField(max_length=30, blank=True)
    baseline = models.FloatField(null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    minimum = models.FloatField(null=True, blank=True)
    maximum = models.FloatField(null=True, blank=True)
    milestones = models.JSONField(default=list, blank=True)
    phases = models.JSONField(default=list, blank=True)  # [{"date": "2027-03-31", "value": 4.4}]
    weight = models.FloatField(default=1.0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_key_results",
    )
    due = models.DateField(null=True, blank=True)  # None: the cycle's end
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    # The current reading (the latest check-in by effective date, ties to the latest recorded),
    # kept by the check-in action so that reads need not scan the check-ins (goals/latest.py;
    # `pilote check` compares it with a recomputation).
    last_value = models.FloatField(null=True, blank=True)
    last_effective = models.DateField(null=True, blank=True)
    last_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    last_check_in_id = models.BigIntegerField(null=True, blank=True)
    # Its progress and status plan from that reading (goals/figures.py).
    stored_progress = models.FloatField(null=True, blank=True)
    stored_plan = models.JSONField(null=True, blank=True)
    # The KR of the previous cycle it continues (carry-over): its chart reads both.
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="kr_key_unique")
        ]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def due_date(self):
        return self.due or self.objective.cycle.end


class CountedCheckIns(models.Manager):
    """The check-ins that count: every reading, figure and export reads these (``objects``);
    a withdrawn check-in stays in the table, shown struck out in its KR's history
    (``CheckIn.every``)."""

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class CheckIn(models.Model):
    """Append-only: a check-in is never edited or deleted. A wrong one is withdrawn (who,
    when, why) and, when corrected, points to the check-in that replaced it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="check_ins"
    )
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    value = models.FloatField()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    next_step = models.TextField(blank=True)  # asked for under confidence 4 (pilote/okr/checkin.py)
    effective = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(
        max_length=100
    )  # "person:<email>", "token:<prefix>", "import", "connector:<name>"
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)
    # Provenance of values that came from a data source: when it was fetched, and the raw
    # text it was read from (before parsing), so a number can always be traced back.
    fetched_at = models.DateTimeField(null=True, blank=True)
    raw_value = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CountedCheckIns()
    every = models.Manager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "every"  # a withdrawn check-in is still reached through its links
        ordering = ["effective", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "idempotency_key"],
                name="checkin_idempotency_unique",
                condition=models.Q(idempotency_key__isnull=False),
            )
        ]
        indexes = [models.Index(fields=["key_result", "effective", "id"])]


class BulkRequest(models.Model):
    """A bulk check-in sent with an ``Idempotency-Key``: a retry answers the same, records
    nothing twice (the single check-in keeps its key on its row; a bulk has many rows)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=200)  # who sent it (Actor.source): keys are theirs
    key = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    check_in_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "key"], name="bulk_request_unique"
            )
        ]


class ObjectiveHistory(models.Model):
    """An objective's figures as of a past day, as data (goals/figures.py): from ``day`` until
    its next row, its progress and status plan computed with the readings effective on or
    before that day. Rows are written where a figure changes (a day with readings beneath
    it); before its first row an objective has no data. A KR's history is its check-ins."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="history")
    day = models.DateField()
    progress = models.FloatField(null=True, blank=True)
    plan = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["objective", "day"], name="objective_history_day")
        ]
        ordering = ["objective", "day"]


class StrategyOpening(models.Model):
    """Someone opened the strategy (the one-page strategy or the strategy tree) of a cycle
    (goals/reach.py). No person is named: ``digest`` is a keyed hash (HMAC with the server's
    secret) of the membership and the cycle — enough to count each person once (in the units
    they belong to) and to remind those who have not looked, never enough to list who did."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "digest"], name="strategy_opening_once")
        ]
