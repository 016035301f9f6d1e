"""The quality coach (issue 16, first part): rules that read OKRs as they are written and say,
for each finding, which rule, why, and how to fix it — in French and English.

Pure: the rules read plain mappings shaped like the YAML interchange (PRODUCT.md), so the
same code checks a file (``pilote lint``), a draft in the browser and a submission in the
validation inbox. Words are compared by their Snowball stems (``snowballstemmer``, French
and English) after accents are folded, so "Lancer", "lancement", "launched" and "launching"
all meet the deliverable verbs they stand for; nothing here strips suffixes by hand.

Each rule has a stable code (PRODUCT.md), its thresholds in ``CoachPolicy`` (organisation
policy), and a severity: ``warning`` unless the organisation made it blocking.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from .text import N_

RULES: dict[str, tuple[str, str]] = {
    # code: (why, how to fix)
    "objectives-per-unit": (
        N_(
            "a unit that pursues too many objectives in a cycle pursues none; none at all leaves it without a direction"
        ),
        N_(
            "keep between %(low)s and %(high)s objectives per unit and cycle: merge, defer or drop the rest"
        ),
    ),
    "krs-per-objective": (
        N_("one key result rarely proves an objective; more than five scatter the effort"),
        N_("give the objective between %(low)s and %(high)s key results"),
    ),
    "no-owner": (
        N_("what nobody owns, nobody moves"),
        N_("name the person answerable for it"),
    ),
    "plan-not-proof": (
        N_("done / not done key results say that work happened, not that it changed anything"),
        N_("add a key result that measures the effect (a rate, a score, a count of customers)"),
    ),
    "output-not-outcome": (
        N_("it names something to deliver, not the change the delivery should bring"),
        N_(
            "say what will be different once it is done, and for whom (e.g. “Customers sign in without help” rather than “Launch the new login”)"
        ),
    ),
    "activity-count": (
        N_("counting meetings, calls or posts measures effort, not results"),
        N_(
            "measure what the activity is for (sales signed, questions solved, people trained who pass the test)"
        ),
    ),
    "not-measurable": (
        N_("nobody can tell at the end whether it was reached"),
        N_("give a number with its baseline and target, or a verifiable end state"),
    ),
    "unaligned": (
        N_("a tactical objective that supports no strategic objective does not move the strategy"),
        N_(
            "align it to the strategic objective it serves, or ask whether it belongs in this cycle"
        ),
    ),
    "near-duplicate": (
        N_("two objectives of the cycle say the same thing: effort and figures split between them"),
        N_("merge them, or make each one's difference explicit"),
    ),
    "sandbagging": (
        N_("a target reached this early, or always, was set too low"),
        N_("raise the target to something ambitious (0.6–0.7 is a good grade for a stretch goal)"),
    ),
}

NAMES: dict[str, str] = {
    "objectives-per-unit": N_("Objectives per unit"),
    "krs-per-objective": N_("Key results per objective"),
    "no-owner": N_("No owner"),
    "plan-not-proof": N_("A plan, not a proof"),
    "output-not-outcome": N_("An output, not an outcome"),
    "activity-count": N_("Counting an activity"),
    "not-measurable": N_("Not measurable"),
    "unaligned": N_("Aligned to nothing"),
    "near-duplicate": N_("Near-duplicate"),
    "sandbagging": N_("Sandbagging"),
}

MESSAGES: dict[str, str] = {
    "objectives-per-unit": N_("objectives of %(unit)s in this cycle: %(count)s"),
    "krs-per-objective": N_("key results of this objective: %(count)s"),
    "no-owner": N_("no owner"),
    "plan-not-proof": N_("every key result of this objective is done / not done or a milestone"),
    "output-not-outcome": N_("“%(word)s” names a deliverable"),
    "activity-count": N_("counts an activity (“%(word)s”)"),
    "not-measurable": N_("no number and no verifiable end state"),
    "unaligned": N_("this tactical objective is aligned to nothing"),
    "near-duplicate": N_("says the same as “%(other)s”"),
    "sandbagging": N_("reached in the first third of the cycle"),
}

# Words that name a deliverable (the stems of their forms are compared), French and English.
DELIVERABLE = {
    "en": ["launch", "ship", "build", "deploy", "implement", "release", "deliver", "create",
           "develop", "redesign", "rebuild", "migrate", "install", "roll out", "set up", "write",
           "publish", "introduce", "design", "complete", "finish", "rollout"],
    "fr": ["lancer", "livrer", "mettre en place", "mise en place", "déployer", "créer",
           "refondre", "refonte", "développer", "construire", "implémenter", "migrer",
           "concevoir", "installer", "publier", "rédiger", "finaliser", "terminer",
           "achever", "sortir", "déploiement", "lancement", "livraison", "création", "migration",
           "développement", "construction", "conception"],
}  # fmt: skip
ACTIVITY = {
    "en": ["meeting", "call", "post", "training", "session", "workshop", "webinar", "email",
           "visit", "demo", "event", "article", "blog", "newsletter", "interview", "presentation",
           "conference", "tweet", "meetup", "review", "hour"],
    "fr": ["réunion", "appel", "publication", "formation", "session", "atelier", "webinaire",
           "courriel", "mail", "visite", "démonstration", "démo", "événement", "article",
           "newsletter", "entretien", "présentation", "conférence", "heure", "rendez-vous",
           "post", "billet"],
}  # fmt: skip
# Before the number, these make a count of activity an outcome ("avoid 20,000 calls").
FEWER = {
    "en": ["avoid", "reduce", "cut", "fewer", "less", "decrease", "lower", "prevent", "save"],
    "fr": ["éviter", "réduire", "diminuer", "moins", "baisser", "limiter", "supprimer",
           "économiser"],
}  # fmt: skip
VAGUE = {
    "en": ["improve", "better", "optimise", "optimize", "enhance", "increase", "reduce",
           "boost", "strengthen", "grow", "more", "less", "maximise", "maximize", "best"],
    "fr": ["améliorer", "meilleur", "optimiser", "renforcer", "accroître", "augmenter",
           "réduire", "développer", "favoriser", "booster", "plus", "moins", "maximiser",
           "mieux", "dynamiser", "valoriser"],
}  # fmt: skip
END_STATE = {
    "en": ["certified", "certification", "signed", "approved", "compliant", "zero", "all",
           "every", "live", "available", "accredited", "every"],
    "fr": ["certifié", "certification", "signé", "approuvé", "conforme", "zéro", "aucun",
           "tous", "toutes", "chaque", "disponible", "accrédité", "agréé"],
}  # fmt: skip
STOP = {
    "en": {"the", "a", "an", "of", "for", "to", "in", "on", "and", "our", "with", "by", "at",
           "from", "its", "their", "this", "that", "be", "is", "are", "we"},
    "fr": {"le", "la", "les", "l", "un", "une", "des", "de", "du", "d", "pour", "à", "a", "au",
           "aux", "en", "et", "nos", "notre", "sur", "par", "avec", "dans", "ce", "cette",
           "ses", "son", "sa", "leur", "leurs", "qu", "que", "se", "s"},
}  # fmt: skip
NUMBER = re.compile(r"\d")
PROOF_KINDS = {"boolean", "milestone"}


@dataclass(frozen=True)
class CoachPolicy:
    objectives_per_unit: tuple[int, int] = (1, 5)
    krs_per_objective: tuple[int, int] = (2, 5)
    duplicate_similarity: float = 0.75
    early_fraction: float = 1 / 3  # "in the first third of its cycle"
    always_high_grade: float = 0.9
    always_cycles: int = 3
    blocking: frozenset[str] = field(default_factory=frozenset)


def coach_policy(policy) -> CoachPolicy:
    """The coach's policy from an organisation's (``pilote.okr.types.Policy``)."""
    return CoachPolicy(
        objectives_per_unit=(policy.coach_min_objectives, policy.coach_max_objectives),
        krs_per_objective=(policy.coach_min_krs, policy.coach_max_krs),
        always_high_grade=max(0.9, policy.grade_green),
        blocking=frozenset(policy.coach_blocking),
    )


@dataclass(frozen=True)
class Finding:
    path: str
    rule: str
    severity: str  # "warning" | "blocking"
    message: str  # an N_ template
    params: tuple[tuple[str, object], ...] = ()  # numbers kept as numbers until written

    @property
    def values(self) -> dict[str, object]:
        return dict(self.params)

    def as_dict(self, say=lambda s: s, number=lambda v: f"{v:g}") -> dict:
        """In words: ``say`` translates, ``number`` writes a number in the reader's format."""
        values = {k: number(v) if isinstance(v, (int, float)) else str(v)
                  for k, v in self.values.items()}  # fmt: skip
        why, fix = RULES[self.rule]
        low, high = values.get("low", ""), values.get("high", "")
        return {"path": self.path, "rule": self.rule, "name": say(NAMES[self.rule]),
                "severity": self.severity, "message": say(self.message) % values,
                "why": say(why), "fix": say(fix) % {"low": low, "high": high}}  # fmt: skip


# --- words --------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, accents folded (é → e)."""
    text = unicodedata.normalize("NFKD", text or "").lower()
    return "".join(c for c in text if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The words as written (lower case), apostrophes and dashes separating them."""
    return re.findall(r"[^\W_]+", re.sub(r"[’'`\-/]", " ", (text or "").lower()))


_STEMMERS = threading.local()


def _stemmer(language: str):
    """A stemmer of this thread: snowball's keep the word being stemmed on themselves, so
    one shared by two threads stemmed one's word with the other's (a 500 under load)."""
    import snowballstemmer

    name = "french" if language == "fr" else "english"
    mine = getattr(_STEMMERS, name, None)
    if mine is None:
        mine = snowballstemmer.stemmer(name)
        setattr(_STEMMERS, name, mine)
    return mine


def words(text: str) -> list[str]:
    """The words, accents folded: what the stemmers and the word lists compare."""
    return [fold(t) for t in tokens(text)]


def stems(text: str, language: str) -> list[str]:
    return _stemmer(language).stemWords(words(text))


@cache
def _lexicon(name: str, language: str) -> tuple[tuple[str, ...], ...]:
    """Each phrase of a word list as its stems, in both languages' stemmers (a French title
    may use an English word)."""
    table = {"deliverable": DELIVERABLE, "activity": ACTIVITY, "vague": VAGUE,
             "end_state": END_STATE, "fewer": FEWER}[name]  # fmt: skip
    phrases = table["fr"] + table["en"] if language == "fr" else table["en"] + table["fr"]
    return tuple(dict.fromkeys(tuple(stems(p, language)) for p in phrases))


def _find(lexicon: Iterable[tuple[str, ...]], tokens: list[str], within: int | None = None):
    """The first phrase of the lexicon found in the tokens (its index), or None."""
    limit = len(tokens) if within is None else min(within, len(tokens))
    for i in range(limit):
        for phrase in lexicon:
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                return i, phrase
    return None


def language_of(text: str, default: str) -> str:
    w = set(words(text))
    fr = len(w & {fold(x).strip() for x in STOP["fr"]})
    en = len(w & STOP["en"])
    return "fr" if fr > en else "en" if en > fr else default


# --- the rules ----------------------------------------------------------------------------


def finding(policy: CoachPolicy, path: str, rule: str, message: str | None = None,
             **params) -> Finding:  # fmt: skip
    severity = "blocking" if rule in policy.blocking else "warning"
    return Finding(path, rule, severity, message or MESSAGES[rule],
                   tuple((k, v if isinstance(v, (int, float)) else str(v))
                         for k, v in params.items()))  # fmt: skip


def deliverable_word(title: str, language: str) -> str | None:
    """The deliverable verb or noun the title starts with (within its first three words)."""
    shown = tokens(title)
    stemmed = _stemmer(language).stemWords(words(title))
    found = _find(_lexicon("deliverable", language), stemmed, within=3)
    if found is None:
        return None
    i, phrase = found
    return " ".join(shown[i : i + len(phrase)])


def activity_word(title: str, language: str) -> str | None:
    """An activity counted: a number (not a percentage: "40 % fewer calls" is an outcome)
    with an activity noun within three words after it."""
    shown = tokens(title)
    stemmed = _stemmer(language).stemWords(words(title))
    shares = set(re.findall(r"(\d+)\s*(?:%|percent|pour\s*cent)", (title or "").lower()))
    for i, w in enumerate(shown):
        if w.isdigit() and w not in shares:
            if _find(_lexicon("fewer", language), stemmed[:i]) is not None:
                return None
            found = _find(_lexicon("activity", language), stemmed[i + 1 : i + 4])
            if found is not None:
                j, phrase = found
                return " ".join(shown[i + 1 + j : i + 1 + j + len(phrase)])
    return None


def measurable(kr: Mapping, language: str) -> bool:
    """A number with a baseline and target, a kind that is its own proof, or a title that
    names a number or a verifiable end state."""
    kind = kr.get("kind")
    if kind in PROOF_KINDS or kind == "maintain":
        return True
    if kr.get("target") is not None and kr.get("baseline") is not None:
        return True
    title = kr.get("title") or ""
    if NUMBER.search(title):
        return True
    return _find(_lexicon("end_state", language), stems(title, language)) is not None


def signature(title: str, language: str) -> frozenset[str]:
    """The words that carry a title's meaning: stems, without stop words, in any order."""
    stop = {fold(s).strip() for s in STOP["fr"] | STOP["en"]}
    return frozenset(_stemmer(language).stemWords([w for w in words(title) if w not in stop]))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class SimilarTitles:
    """Which of many titles' signatures are near ``similarity`` ≥ ``threshold`` of another,
    without comparing every pair (a cycle of 40,000 objectives made the coach compare each
    title with all of them). Prefix filtering, the set-similarity join's classic: words in
    one order (rarest first); two signatures whose Jaccard similarity reaches t share a word
    among each one's first |s| − ⌈t·|s|⌉ + 1, so only titles sharing such a word are
    compared. The answers are those of comparing every pair, in the same order."""

    def __init__(self, signatures: list[frozenset[str]], threshold: float):
        self.signatures, self.threshold = signatures, threshold
        counts: dict[str, int] = {}
        for sig in signatures:
            for w in sig:
                counts[w] = counts.get(w, 0) + 1
        self._counts = counts
        self._index: dict[str, list[int]] = {}
        for i, sig in enumerate(signatures):
            for w in self._prefix(sig):
                self._index.setdefault(w, []).append(i)

    def _prefix(self, sig: frozenset[str]) -> list[str]:
        ordered = sorted(sig, key=lambda w: (self._counts.get(w, 0), w))
        # ⌈t·n⌉ with a margin for the float (0.8 × 5 is 4.000000000000001)
        keep = len(ordered) - math.ceil(self.threshold * len(ordered) - 1e-9) + 1
        return ordered[: max(keep, 0)]

    def similar(self, sig: frozenset[str]) -> list[int]:
        """The indices of the signatures similar to ``sig``, in their order."""
        if self.threshold <= 0:  # 0 ≥ 0: every signature is
            return list(range(len(self.signatures)))
        if not sig:
            return []
        found = {i for w in self._prefix(sig) for i in self._index.get(w, ())}
        return [i for i in sorted(found) if similarity(sig, self.signatures[i]) >= self.threshold]


def check_objective(obj: Mapping, path: str, policy: CoachPolicy, language: str = "fr",
                    cycle: tuple[date, date] | None = None, today: date | None = None) -> list[Finding]:  # fmt: skip
    """The findings on one objective and its key results (what the writing form shows)."""
    out: list[Finding] = []
    title = obj.get("title") or ""
    lang = language_of(title, language)
    if not obj.get("owner"):
        out.append(finding(policy, f"{path}.owner", "no-owner"))
    if (word := deliverable_word(title, lang)) is not None:
        out.append(finding(policy, f"{path}.title", "output-not-outcome", word=word))
    if obj.get("level") == "tactical" and not obj.get("aligns_to") and not obj.get("parent"):
        out.append(finding(policy, path, "unaligned"))
    krs = list(obj.get("key_results") or [])
    low, high = policy.krs_per_objective
    if not low <= len(krs) <= high:
        out.append(finding(policy, f"{path}.key_results", "krs-per-objective",
                            count=len(krs), low=low, high=high))  # fmt: skip
    if krs and all(kr.get("kind") in PROOF_KINDS for kr in krs):
        out.append(finding(policy, f"{path}.key_results", "plan-not-proof"))
    for i, kr in enumerate(krs):
        kpath = f"{path}.key_results[{i}]"
        ktitle = kr.get("title") or ""
        klang = language_of(ktitle, lang)
        if (word := activity_word(ktitle, klang)) is not None:
            out.append(finding(policy, f"{kpath}.title", "activity-count", word=word))
        elif (word := deliverable_word(ktitle, klang)) is not None and kr.get(
            "kind"
        ) not in PROOF_KINDS:
            out.append(finding(policy, f"{kpath}.title", "output-not-outcome", word=word))
        if not measurable(kr, klang):
            out.append(finding(policy, kpath, "not-measurable"))
        progress = kr.get("progress")
        if cycle and today and progress is not None and progress >= 1:
            start, end = cycle
            if start <= today < start + (end - start) * policy.early_fraction:
                out.append(finding(policy, kpath, "sandbagging"))
    return out


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def check(data: Mapping, policy: CoachPolicy | None = None, today: date | None = None,
          grade_history: Mapping[str, list[float]] | None = None) -> list[Finding]:  # fmt: skip
    """Every finding on an interchange document (``objectives`` with their key results;
    ``cycles`` for dates; ``grade_history`` per unit, oldest first, for sandbagging)."""
    policy = policy or CoachPolicy()
    language = data.get("locale") or "fr"
    cycles = {str(c.get("key")): (_day(c.get("start")), _day(c.get("end")))
              for c in data.get("cycles") or []}  # fmt: skip
    objectives = list(data.get("objectives") or [])
    out: list[Finding] = []
    for i, obj in enumerate(objectives):
        span = cycles.get(str(obj.get("cycle")))
        span = span if span and all(isinstance(d, date) for d in span) else None
        out += check_objective(obj, f"objectives[{i}]", policy, language, span, today)
    # objectives-per-unit: per unit and cycle (a unit listed with none is said too)
    counts: dict[tuple[str, str], int] = {}
    for obj in objectives:
        key = (str(obj.get("unit") or ""), str(obj.get("cycle") or ""))
        counts[key] = counts.get(key, 0) + 1
    low, high = policy.objectives_per_unit
    for (unit, cycle), count in sorted(counts.items()):
        if unit and not low <= count <= high:
            out.append(finding(policy, f"cycles[{cycle}].units[{unit}]", "objectives-per-unit", unit=unit,
                                count=count, low=low, high=high))  # fmt: skip
    # near-duplicate: two objectives of the same cycle with the same meaning
    sigs = [signature(obj.get("title") or "", language_of(obj.get("title") or "", language))
            for obj in objectives]  # fmt: skip
    titles = SimilarTitles(sigs, policy.duplicate_similarity)
    pairs = sorted(
        (a, b)
        for b, sb in enumerate(sigs)
        for a in titles.similar(sb)
        if a < b and objectives[a].get("cycle") == objectives[b].get("cycle")
    )
    for a, b in pairs:
        oa = objectives[a]
        out.append(finding(policy, f"objectives[{b}].title", "near-duplicate",
                           other=oa.get("title") or oa.get("key") or a))  # fmt: skip
    for unit, grades in sorted((grade_history or {}).items()):
        recent = list(grades)[-policy.always_cycles :]
        if len(recent) == policy.always_cycles and min(recent) >= policy.always_high_grade:
            out.append(finding(policy, f"units[{unit}]", "sandbagging",
                                N_("graded %(grade)s or more cycle after cycle"),
                                grade=policy.always_high_grade))  # fmt: skip
    return out
