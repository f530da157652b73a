"""Word lists and rules behind the risk detector (pure data, no Django).

How to read this file
---------------------
The detector runs every *rule* below against a normalised copy of the message
(lower case, no apostrophes, curly quotes straightened, "soooo" -> "so", common
typos such as "sucide" corrected). A hit becomes a *signal* with a weight.

Weights are on one scale: 1.0 means "enough for crisis on its own", smaller
numbers only count together with other evidence (see ``COMBINATIONS`` and the
thresholds at the bottom). Each rule carries a plain-language reason that a
clinician sees next to the highlighted words; ``{phrase}`` is filled in with
the client's own words.

A rule is written ``rule((signal, category, weight, reason), pattern, ...,
flags=...)``. The flags say which modifiers may discount a hit:

* ``ABOUT_SELF``   the wording needs a subject ("wants to die"), so "my friend
  said she wants to die" is about someone else. Rules written with "myself" or
  "me" in them do not need this check.
* ``ABOUT_OTHER``  the words themselves name someone else ("killed himself").
* ``NEGATABLE``    "not", "never", "no plans to" ... just before it cancel it.
* ``IDEATION``     a thought or feeling, not an act, so a clear safety
  statement from the client ("I'd never act on it") may discount it - but only
  when nothing else (a plan, means at hand, timing, an act) points to danger.
* ``ACT``          something is happening or has just happened (an overdose, an
  assault); it stays crisis even when it is about someone else, as long as it
  is happening now.
* ``EVERYDAY``     an everyday action that is only worrying without an ordinary
  reason ("bought rope" / "bought rope for climbing", "updated my will" /
  "... because we bought a house"). An ordinary reason (``EVERYDAY_REASONS``)
  in the same sentence discounts it; for weak hits (below 1.0) anywhere in the
  message, and so does an upbeat message ("celebrating tonight!").

Every crisis and urgent hit may also be discounted as a figure of speech (see
``FIGURES_OF_SPEECH``) or as history (``HISTORY_MARKERS``, unless the same
clause says "again", "last night", ...).

Patterns are regular expressions over the normalised text. A space in a pattern
is a single space; apostrophes never appear ("im", "dont", "ill").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, auto

from messaging.triage.categories import Category

CRISIS = Category.CRISIS
URGENT = Category.URGENT
CLINICAL = Category.CLINICAL
LOGISTICS = Category.LOGISTICS


class Modifier(Flag):
    """Which modifiers apply to a rule (see the module docstring)."""

    NONE = 0
    ABOUT_SELF = auto()
    ABOUT_OTHER = auto()
    NEGATABLE = auto()
    IDEATION = auto()
    ACT = auto()
    EVERYDAY = auto()


ABOUT_SELF = Modifier.ABOUT_SELF
ABOUT_OTHER = Modifier.ABOUT_OTHER
NEGATABLE = Modifier.NEGATABLE
IDEATION = Modifier.IDEATION
ACT = Modifier.ACT
EVERYDAY = Modifier.EVERYDAY


@dataclass(frozen=True)
class Rule:
    signal: str
    category: Category
    weight: float
    reason: str
    patterns: tuple[str, ...]
    about_self: bool = False
    negatable: bool = False
    ideation: bool = False
    act: bool = False
    about_other: bool = False  # the words themselves name someone else ("killed himself")
    word_bounded: bool = True  # emoji rules set this to False
    everyday: bool = False  # an ordinary reason in the sentence explains it


def rule(
    header: tuple[str, Category, float, str],
    *patterns: str,
    flags: Modifier = Modifier.NONE,
    word_bounded: bool = True,
) -> Rule:
    """``rule((signal, category, weight, reason), pattern, ..., flags=...)``."""
    signal, category, weight, reason = header
    return Rule(
        signal=signal,
        category=category,
        weight=weight,
        reason=reason,
        patterns=patterns,
        about_self=ABOUT_SELF in flags,
        negatable=NEGATABLE in flags,
        ideation=IDEATION in flags,
        act=ACT in flags,
        about_other=ABOUT_OTHER in flags,
        word_bounded=word_bounded,
        everyday=EVERYDAY in flags,
    )


# --------------------------------------------------------------------------
# Shared building blocks
# --------------------------------------------------------------------------

PILLS = (
    r"(?:pills?|tablets?|paracetamol|paracetemol|tylenol|ibuprofen|aspirin|painkillers?"
    r"|antidepressants?|meds|medication|sleeping (?:pills|tablets)|\w+ (?:pills|tablets)"
    r"|sertraline|fluoxetine|citalopram|venlafaxine|mirtazapine|quetiapine|lithium|diazepam"
    r"|codeine|tramadol|insulin|zopiclone|amitriptyline|propranolol|co-?codamol|co codamol"
    r"|naproxen|antihistamines?|nytol|benadryl|night nurse|oxycodone|morphine|pregabalin"
    r"|gabapentin|olanzapine|clonazepam|lorazepam|xanax|valium)"
)
# "took 30 tablets", "a whole box of", "like 40 of my", "all my"
QUANTITY = (
    r"(?:(?:like |about |around |over )?\d+|a (?:few|couple|bunch|load|lot|handful|fistful)"
    r"|(?:a |the )?whole (?:box|bottle|packet|pack|strip|lot|blister)|all|loads|lots"
    r"|too many|way too many|everything)"
)
TONIGHT = r"(?:tonight|tonite|2nite|2night)"
NOW = r"(?:right now|rn|now|atm)"
FAMILY = (
    r"(?:mum|mom|mam|mother|dad|father|sister|brother|son|daughter|kids?|children|wife|husband"
    r"|partner|boyfriend|girlfriend|nan|gran|grandma|grandad|family|friends?)"
)
PETS_AND_THINGS = (
    r"(?:cat|dog|kitten|puppy|pets?|fish|rabbit|hamster|bird|plants?|stuff"
    r"|things|belongings|possessions|car|guitar|books|ring|jewellery|jewelry|clothes)"
)
# "on the edge of the bath / bed / sofa" is not a high place.
NOT_A_DROP = (
    r"(?! of (?:the|my|a) (?:bath|bed|sofa|chair|seat|pool|table|stage|desk|couch|road|pavement"
    r"|kerb|curb|field|pitch|woods|town|village|garden|lake|pond))"
)
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri)"
DEADLINE_DAY = rf"(?:tomorrow|tonight|today|{WEEKDAY}|end of (?:the )?(?:day|week)|\w+ morning)"
MED_NAMES = (
    r"(?:lorazepam|clonazepam|alprazolam|xanax|ativan|klonopin|zopiclone|sertraline|zoloft"
    r"|fluoxetine|prozac|citalopram|escitalopram|lexapro|venlafaxine"
    r"|effexor|mirtazapine|quetiapine|seroquel|lithium|lamotrigine|aripiprazole|olanzapine"
    r"|diazepam|valium|propranolol|bupropion|wellbutrin|duloxetine|pregabalin)"
)
MEDS = (
    rf"(?:meds|medication|medicine|tablets|pills|prescription|antipsychotics?|antidepressants?"
    rf"|mood (?:stabiliser|stabilizer)|{MED_NAMES})"
)
# A first-person intention ("going to", "want to", "thinking of") ...
INTENTION = (
    r"(?:going to|will|ill|want to|about to|planning to|plan to|thinking of|thinking about"
    r"|might|could|ready to|decided to|need to|have to|gotta|got to|trying to|tempted to)"
    r"(?: just)?(?: go and)?"
)
# ... followed by a lethal action against themself.
LETHAL_ACTION = (
    r"(?:jump(?=\s*(?:[.!,]|$|off|from|in front|out of))|hang|drown|overdose|od|shoot|poison"
    r"|suffocate|slit|slash|walk (?:into|in front of) (?:the |a )?(?:sea|river|traffic|lake|ocean"
    r"|canal|road|train|bus|lorry|truck)|step in front of|throw myself|drive (?:into|off)"
    r"|crash (?:my|the) car|drink myself to death|starve myself|end it|end things|top myself"
    r"|off myself|do myself in|end myself|disappear for good|take my life"
    rf"|(?:take|taking|swallow|swallowing|down|downing) (?:all|the whole|every|loads of|a load of"
    rf"|the rest of) (?:of )?(?:my |the |them|those )?(?:\w+ )?{PILLS})"
)
SELF_HARM_VERBS = r"(?:cut|cutting|burn|burning|burned|burnt|hurt|hurting|harm|harming|hit|hitting)"


# --------------------------------------------------------------------------
# Crisis signals: current risk of serious harm to self or others
# --------------------------------------------------------------------------

CRISIS_RULES: tuple[Rule, ...] = (
    # --- thoughts of dying / suicidal ideation --------------------------------
    rule(
        ("ideation", CRISIS, 1.0, "says they want to die or kill themself ({phrase})"),
        r"kill?(?:ing|ed)? myself",
        r"(?:want|wants|wanna|wanted|wanting|going|gonna|ready|trying) to die|(?:want|wanted) die",
        r"(?:end|ending|take|taking) my (?:own )?life",
        r"end (?:it|things|everything) (?:all|for good|forever|once and for all)",
        r"(?:want|wanna|going|gonna|ready|decided|plan|planning|about) to end (?:it|things)",
        r"(?:thinking|thoughts|think|thought) (?:about|of) (?:ending (?:it|things|my life)"
        r"|killing myself|dying|suicide|not being here)",
        r"(?:feel|feeling|felt) like ending (?:it|things)",
        r"if i (?:just )?(?:ended|end) (?:it|things|my life)",
        r"(?:dont|do not|dont really) (?:want|wanna) to (?:live|be alive|be here|exist)"
        r"(?: anymore)?",
        r"(?:dont|do not) (?:want|wanna) (?:live|be alive|be here|exist)",
        r"(?:want|wanna) to (?:disappear|stop existing|not exist|not be here)",
        r"(?:wish i could|want to|wanna|going to"
        r"|just want to) (?:just )?disappear and never (?:come"
        r" back|be found|return)",
        r"better off (?:gone|dead|not here|not around|not existing|not alive)",
        r"(?:rest|sleep) (?:forever|for good|for ever|permanently)|eternal (?:rest|sleep)",
        r"(?:wish|wishing|want|wanna) (?:i was|i were|to be|i could be) dead|better off dead",
        r"wish i (?:was|were|had) never (?:been )?born|wish i (?:didnt|did not) exist",
        r"deserve to (?:die|be dead|suffer and die)",
        r"(?:dont|do not|dont even) deserve to (?:live|be alive|be here|exist)",
        r"(?:point|reason) (?:of|in|to) (?:living|being alive|going on|staying alive|live)",
        r"no reason (?:for me )?to (?:be here|live|stay|keep going|go on|be alive|carry on)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "describes a way they might die ({phrase})"),
        r"hang myself|hanging myself",
        r"(?:jump|jumping|throw myself|throwing myself) (?:off|from|out of) (?:the|a|my)"
        r" (?:bridge|roof|building|balcony|cliff|window|car park|multi storey|tower)",
        r"(?:jump|step|stepping|jumping|throw myself|throwing myself) (?:out )?in front of"
        r" (?:a|an|the|oncoming)",
        r"(?:walk|walking|run|running) (?:out )?in front of (?:a|an|the|oncoming) (?:\w+ )?(?:train"
        r"|bus|lorry|truck|car|van|traffic|tube|tram|\d)",
        r"(?:driving|drive|crash|crashing) (?:my car )?into (?:a|the) (?:wall|tree|lorry|truck)",
        r"(?:drive|driving|drove|crash|crashing|steer|steering) (?:my car |the car )?"
        r"(?:off (?:the|a) (?:road|bridge|cliff)|into (?:a|the|oncoming))",
        r"(?:going|gonna|want|wanna|planning) to overdose",
        r"(?:easiest|quickest|painless|best|least painful|surest) way (?:to go|to die|out"
        r"|to do it|to end it|to kill myself)",
        r"how (?:to|do you|do i|would i) (?:die|kill myself|end it|end my life)",
        r"(?:keep|kept|been|cant stop|keeps) (?:thinking about|looking at|staring at|glancing at"
        r"|going back to) (?:the|my|a) (?:knives|knife|bridge|tracks|balcony|cliff|rope|pills"
        r"|tablets|gun|roof|razor|blades|medicine cabinet)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "wants to sleep and never wake up ({phrase})"),
        r"(?:sleep|go to sleep) forever|never wake up again",
        r"(?:sleep|asleep) and stay asleep|stay asleep (?:forever|for good)",
        r"(?:dont|do not) (?:want|wanna) to wake up",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "says they may not be able to keep themself safe ({phrase})"),
        r"(?:cant|can not|cannot|not able to|unable to) (?:keep|stay) (?:myself )?safe",
        r"(?:dont think|not sure|dont know if) i can (?:keep|stay) (?:myself )?safe",
        r"not safe (?:from|with) myself",
        r"(?:going to|might|could|will|ill|about to|want to|afraid ill|scared ill) (?:do|doing)"
        r" something (?:stupid|silly|drastic|bad|dangerous|i cant take back)",
        r"(?:scared|afraid|frightened|terrified) (?:of )?what i (?:might|will|could|would) do",
        r"(?:dont|do not|cant) trust myself",
        r"(?:afraid|scared) (?:ill|i will|i might|that ill|that i might) (?:do something"
        r"|hurt myself|act on)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "cannot see a future for themself ({phrase})"),
        r"(?:cant|cannot|can not|dont) see myself (?:being )?(?:alive|here|around|living"
        r"|still here|getting old|getting older|growing old|old|making it to \d+)"
        r"(?: by| at| in| for| next| much)?",
        r"(?:wont|will not|not going to) (?:be alive|still be here|be here|make it) (?:by|to"
        r"|until|till|for|at) (?:christmas|new year|my birthday|next|the end|the weekend|\w+day)"
        r"(?! (?:\w+s )?(?:session|appointment|appt|class|meeting|group|lesson|shift|party|match"
        r"|game|gig|dinner|lunch))",
        r"(?:make sure|so that) i (?:never|dont|wont) (?:have to )?feel (?:like )?this"
        r" (?:again|anymore)",
        r"never (?:have to )?feel (?:like )?this again",
        r"(?:make|making) (?:it|everything|the pain|it all) (?:all )?stop (?:for good|forever"
        r"|permanently)",
        r"(?:want|wanna|need) (?:it all|everything|my life|it) (?:all )?to end",
        r"(?:my|own) funeral|(?:fantasi[sz]ing|imagining|dreaming) about (?:my )?(?:death|dying"
        r"|being dead)|(?:thinking|think) about (?:my (?:own )?death|being dead)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("reunion", CRISIS, 0.4, "wants to be with someone again ({phrase})"),
        r"(?:be|being) with (?:my \w+|him|her|them) again",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.4, "lingered somewhere for a long time ({phrase})"),
        r"(?:stood|sat|standing|sitting|stayed|waited) (?:there |on it |at the edge )?for"
        r" (?:ages|hours|a long time|an hour|ever)",
        r"(?:been )?(?:sitting|sat|standing|stood|parked)(?: \w+)?(?: here| there| in the car)?"
        r" (?:for )?(?:ages|hours|an hour|a while|over an hour|\d+ (?:hours|mins|minutes))",
    ),
    rule(
        ("ideation", CRISIS, 1.0, "talks about someone else ending their life ({phrase})"),
        r"(?:killed|hanged|hung) (?:him|her|them)sel(?:f|ves)",
        r"took (?:his|her|their) own li(?:fe|ves)",
        flags=ABOUT_OTHER,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "says someone else means to end their life ({phrase})"),
        r"(?:kill|killing|kills|hang|hurt|hurting) (?:him|her|them)sel(?:f|ves)",
        flags=ABOUT_OTHER | ACT,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "says they intend a lethal action ({phrase})"),
        rf"{INTENTION} {LETHAL_ACTION}",
        r"top myself|off myself|do myself in|end myself",
        r"(?:hope|wish|pray|praying) (?:i|that i) (?:get|got|gets) (?:hit|run over|killed|crushed)",
        r"(?:hope|wish|pray|praying) (?:i|that i) (?:die|crash|dont make it|never come back)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "says they are suicidal ({phrase})"),
        r"suicidal",
        r"end it all",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.6, "mentions suicide in the first person ({phrase})"),
        r"suicide",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "uses slang for suicide ({phrase})"),
        r"kms",
        r"kys",
        r"sewer ?slide|sewer ?slid|sewerslided",
        r"unaliv(?:e|ing|ed)(?: myself)?",
        r"(?:self ?delete|self deleting|delete myself)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "wants to go to sleep and not wake up ({phrase})"),
        r"(?:sleep|asleep|bed)(?: now| tonight| forever)? and (?:not|never) wake up",
        r"(?:hope|wish|want|wanna|praying|pray) (?:that )?(?:i )?(?:dont|didnt|wont|never|not"
        r"|to not|to never) wake up(?! (?:with|early|late|in time|before|feeling|to|at|on)\b)",
        r"not wake up (?:again|tomorrow)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.6, "talks about not waking up ({phrase})"),
        r"(?:not|never) wake up",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.6, "imagines how easy or quick dying would be ({phrase})"),
        r"(?:it|that) would be (?:so )?(?:quick|easy|easier)(?=\s*(?:[.!]|$))",
        r"how (?:easy|quick) it would be",
        r"want (?:it|everything) (?:all )?to (?:stop|end)(?: forever| for good)?",
        r"just want it all to stop",
        flags=IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.4, "mentions dark thoughts ({phrase})"),
        r"dark thoughts|dark place|intrusive thoughts",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.4, "uses a euphemism sometimes meant as suicide ({phrase})"),
        r"catch(?:ing)? the bus",
        flags=IDEATION,
    ),
    # --- intent / resolve -------------------------------------------------------
    rule(
        ("intent", CRISIS, 1.0, "says not to try to stop them ({phrase})"),
        r"(?:dont|do not|dont you) (?:try|try and|try to) (?:and )?stop me",
        r"nothing (?:you|anyone) (?:can|could) (?:say|do) (?:will|would) stop me",
    ),
    rule(
        ("intent", CRISIS, 0.6, "sounds decided ({phrase})"),
        r"(?:made|making) up my mind(?! (?:to|about|that))",
        r"(?:i mean|meant) it this time",
        r"(?:might|may|probably) not (?:stop )?next time|wont stop next time",
        r"(?:i think )?(?:its|it is) time(?=\s*(?:[.!]|$))",
        r"(?:you|youll|you will) (?:know|understand) why",
        r"(?:dont|do not|please dont) (?:call|send) (?:anyone|anybody|the police|an ambulance"
        r"|help)",
        r"(?:im|i am) (?:going|gonna) to do it",
        r"(?:ill|i will|i am going to|im going to|going to|this time) do it (?:properly|right)",
        r"do it (?:properly|right) this time|this time (?:im|i am|ill) (?:going to )?do it",
        r"i think you know what for",
        r"this is it",
        r"(?:i|ive) (?:have )?(?:finally )?decided(?! (?:to|on|that|what|where|whether|not|against"
        r"|between|i|we|its|it))",
        r"not changing my mind",
    ),
    rule(
        ("intent", CRISIS, 0.3, "says they are ready ({phrase})"),
        r"(?:im|i am|i feel) (?:so )?ready(?=\s*(?:[.!]|$|now|tonight))",
        r"(?:thinking|thought) about (?:it|doing it)(?=\s*(?:[.!]|$))",
        r"fr this time|for real this time",
    ),
    rule(
        ("intent", CRISIS, 1.0, "describes a recent attempt ({phrase})"),
        r"(?:tried|attempted|tried it|did it) again (?:last night|yesterday|today|this morning"
        r"|tonight|earlier|just now)",
        r"attempted(?: suicide)?|(?:a|another) suicide attempt",
        r"(?:tried|trying|attempted|try) to (?:overdose|kill myself|hang myself|end (?:it|my life)"
        r"|take my (?:own )?life)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("intent", CRISIS, 0.6, "came close to acting ({phrase})"),
        r"(?:nearly|almost) did (?:it|something)",
        r"(?:tried|try) again",
        r"(?:it |that )?(?:didnt|did not) work\W*$|(?:it |that )?(?:didnt|did not) work\.",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    # --- plan ---------------------------------------------------------------------
    rule(
        ("plan", CRISIS, 1.0, "describes a plan or preparations ({phrase})"),
        r"(?:have|got|made|making|worked out|came up with) (?:a|the) plan(?! for (?:the|my|next"
        r"|this|a|our) (?:week|weekend|day|month|year|holiday|trip|party|exam|exams|future|money"
        r"|budget|move|wedding|birthday|christmas|summer)| with| to (?:see|go|get|meet|visit|tell"
        r"|talk|ask|save|study|start|try))",
        r"(?:planning|planned|plan) (?:how|when|where) (?:to|ill|i will|id)(?: do it)?",
        r"know (?:how|when|where) (?:ill|i will|id|i would|im going to) do it",
        r"(?:looked|looking|look|searched|searching|googled|googling|researching|researched)"
        r"(?: up)? (?:how many|how much|how to|which bridge|the highest|lethal|what dose)",
        r"(?:researching|researched|looked up|looking up|googling|googled|reading about"
        r"|searched) (?:suicide )?methods|(?:suicide|overdose) methods",
        r"(?:saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting|collected|stashing"
        r"|stashed|hiding|hidden|hid|squirrelling|squirreling)"
        rf"(?: up)? (?:my |all my |enough |(?:\w+ ){{1,3}})?{PILLS}",
        rf"(?:enough|got enough) {PILLS}(?: saved| stored| to)?",
        r"(?:wrote|written|writing|write|left) (?:a |my )?(?:suicide |goodbye )?note(?! to myself)",
        r"(?:wrote|written|writing) (?:my |the |some )?(?:goodbye )?(?:letters|notes)"
        r"|(?:wrote|written|writing) to everyone|goodbye (?:letters?|notes?)",
        r"(?:made|making|sorted|sorting|arranged) (?:the )?(?:arrangements|plans) for (?:the|my)"
        r" (?:kids|children|cat|dog|pets?|funeral)",
        r"(?:put|putting|got|getting|sorted|sorting) (?:all )?my affairs (?:in order|sorted)",
        r"my affairs (?:are|were|have been|is|all) (?:all )?(?:in order|sorted|settled|tidy"
        r"|arranged)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        # "it's all planned out" is strong; plus a day ("for friday") it is a crisis.
        ("plan", CRISIS, 0.8, "says something is planned ({phrase})"),
        r"(?:its|it is|everything is|ive got it|i have it|got it) all planned(?: out)?",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        # Weak on purpose: "everything's sorted" is usually about a holiday.
        ("plan", CRISIS, 0.4, "says things are sorted or planned ({phrase})"),
        r"(?:have|got) everything (?:ready|sorted|set up|in order)",
        r"(?:everything is|everythings|its all) (?:ready|sorted|set up|in order)",
        r"(?:thing|it|everything|all) planned for (?:tonight|tomorrow|this weekend)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    # --- method / means -----------------------------------------------------------
    rule(
        ("method", CRISIS, 0.5, "mentions a lethal method ({phrase})"),
        r"rope|noose|gun|pistol|rifle|shotgun|razor|razors|blades?|bleach|poison|helium"
        r"|charcoal|carbon monoxide|(?:plastic )?bag over my head|ligature"
        r"|exhaust(?: pipe)?|hose pipe|train tracks|railway (?:line|tracks)|tracks|ledge|cliff",
        flags=NEGATABLE,
    ),
    rule(
        ("method", CRISIS, 0.3, "mentions a possible means ({phrase})"),
        rf"{PILLS}|knife|knives|bridge|roof|motorway|(?:watching|staring at|looking at) the trains",
        r"(?:top|edge) of (?:the|my|a) (?:building|car park|bridge|cliff|roof)",
        r"platform|top floor|multi storey",
    ),
    rule(
        ("method", CRISIS, 0.5, "uses an emoji for a method ({phrase})"),
        "\U0001f52b",  # pistol
        "\U0001fa62",  # knot / rope
        "\U0001f52a",  # kitchen knife
        word_bounded=False,
    ),
    rule(
        ("method", CRISIS, 0.3, "uses an emoji for pills or blood ({phrase})"),
        "\U0001f48a",  # pill
        "\U0001fa78",  # drop of blood
        word_bounded=False,
    ),
    rule(
        ("means_at_hand", CRISIS, 1.0, "has the means with them right now ({phrase})"),
        rf"(?:have|got|holding|ive got|im holding) (?:the|a|my|all my|some) (?:\w+ )?"
        rf"(?:razor|blade|knife|gun|rope|noose|{PILLS}) (?:in my hand|here|ready|lined up"
        r"|right here|next to me|on the table|in front of me)",
        rf"{PILLS} (?:lined up|counted out|in front of me|in my hand)",
        r"(?:im|i am|sitting|sat|lying|laying|in the bath|in bed)(?: \w+){0,6} with (?:a|the|my"
        rf"|my \w+s|his|her)(?: \w+)? (?:razor|blade|knife|rope|noose|gun|{PILLS})",
        r"(?:knife|blade|razor) (?:to|on|against) my (?:wrists?|arms?|throat|skin|legs?)",
        r"(?:knife|blade|gun|razor|rope) (?:is )?in my (?:bag|pocket|hand|car|room|lap)",
        r"(?:holding|gripping|in my hand|in my hands) (?:the|a|my|his|her|dads|mums) (?:\w+ )?"
        r"(?:razor|blade|knife|gun|rope|noose|pistol)",
        flags=NEGATABLE,
    ),
    rule(
        # A gun, noose or gas is rarely household; razors, rope and bleach are (see below).
        # An everyday reason ("charcoal for the bbq", "clay shooting") still explains it.
        ("means_at_hand", CRISIS, 1.0, "has the means with them right now ({phrase})"),
        r"(?:have|got|ive got|took|taken|grabbed|found|bought|brought|fetched|loaded)"
        r" (?:my |the |a |his |her |their |my \w+s |my \w+ )?(?:\w+ )?(?:noose|gun|shotgun"
        r"|pistol|rifle|helium|charcoal|ligature)(?! (?:cleaning|safe|licen[cs]e|shop|range|show"
        r"|club|case|holster))",
        flags=NEGATABLE | EVERYDAY,
    ),
    rule(
        ("means_at_hand", CRISIS, 1.0, "is at a high place or on the tracks ({phrase})"),
        r"(?:standing|sat|sitting|stood|im|i am) (?:on|at) (?:the |a )?(?:edge of the "
        r"|top of the )?(?:bridge|ledge|roof(?! (?:terrace|garden|bar|top bar|deck|restaurant))"
        rf"|edge{NOT_A_DROP}|cliff|tracks|railway|platform edge)",
        rf"(?:on|at) the (?:ledge|edge){NOT_A_DROP} (?:at|of)",
        r"(?:im|i am) at the (?:bridge|tracks|cliffs?)",
        r"(?:(?:im|i am|sat|sitting|standing|stood|waiting) (?:at|on|in|up)|writing (?:this )?from)"
        r" (?:the )?(?:top floor|roof(?! (?:terrace|garden|bar|top bar|deck|restaurant))"
        rf"|multi storey|car park roof|top of the \w+|bridge|cliff|edge{NOT_A_DROP}|tracks|ledge)",
        r"^(?:on|at) (?:the )?(?:train tracks|tracks|railway|bridge|ledge|roof|cliff)",
        flags=NEGATABLE,
    ),
    rule(
        ("means_at_hand", CRISIS, 1.0, "is set up to gas themself in a car ({phrase})"),
        r"(?:engine|car) (?:is )?running",
        r"(?:exhaust|hose)(?: pipe)?(?: \w+)* (?:set up|in the car|hooked up)",
        flags=NEGATABLE,
    ),
    rule(
        ("means_at_hand", CRISIS, 0.8, "has gathered pills or a lethal means ({phrase})"),
        rf"(?:got|have|ive got|taken|took) all (?:of )?(?:her|his|their|my \w+s) (?:\w+ )?{PILLS}",
        r"(?:have|got|ive got|holding) (?:the|a) (?:rope|noose|gun|shotgun|pistol)",
        flags=NEGATABLE,
    ),
    rule(
        ("means_at_hand", CRISIS, 0.6, "has pills or household means to hand ({phrase})"),
        rf"(?:have|got|ive got) (?:the|enough) (?:\w+ )?{PILLS}(?: here| ready| with me"
        r"| next to me)?",
        rf"(?:getting|got|get|laid|laying|lay|put|putting|lined|lining) (?:the |my |all the "
        rf"|all my )?(?:\w+ )?{PILLS} out",
        flags=NEGATABLE,
    ),
    # --- drinking makes every other sign more dangerous ----------------------------
    rule(
        ("intoxication", CRISIS, 0.3, "has been drinking or using ({phrase})"),
        r"(?:whole|entire|full|a|2|two|3|three) bottles? of (?:vodka|wine|whisky|whiskey|gin"
        r"|rum|spirits)",
        r"(?:been )?drinking all (?:day|night)|(?:im|i am|so|really) (?:drunk|wasted|high)"
        r"|had (?:\d+|loads of|a lot of|too many) (?:drinks|beers|shots|pints)",
        flags=ABOUT_SELF,
    ),
    # --- acts in progress or just done ---------------------------------------------
    rule(
        ("overdose", CRISIS, 1.0, "says they have taken an overdose ({phrase})"),
        rf"(?:took|taken|take|swallowed|downed|necked|popped|had) {QUANTITY} (?:of )?"
        rf"(?:my |the |those |these |her |his )?(?:\w+ )?{PILLS}",
        r"(?:overdosed|overdosing|overdose on|od on|odd on|odd)",
        r"took an overdose|taken an overdose",
        rf"(?:took|taken|swallowed|downed|necked|popped) (?:my |the |her |his )?(?:whole|entire"
        rf"|full) (?:\w+ ){{0,3}}(?:of )?(?:my |the )?{PILLS}",
        rf"(?:took|taken|swallowed|downed|necked|popped) (?:\w+ ){{0,4}}{PILLS} (?:all )?at once",
        rf"(?:took|taken|swallowed|downed) (?:some|a few|loads|lots|a lot) of (?:my \w+s|her|his"
        rf"|their|\w+s) (?:\w+ )?{PILLS}",
        r"(?:swallowed|took|taken|downed) (?:everything|all|whatever)(?: i could find)?"
        r"(?: in| from)? (?:the |my )?(?:medicine |bathroom |kitchen )?(?:cabinet|cupboard"
        r"|drawer|box)",
        r"swallowed everything",
        r"(?:drank|drunk|swallowed|took) (?:some |the )?(?:bleach|poison|antifreeze)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        # Ambiguous alone ("I already took them this morning" is adherence), strong in context.
        ("overdose", CRISIS, 0.6, "says they took all of something ({phrase})"),
        r"took (?:them|it) all|took all of (?:them|it)",
        r"(?:already|just) (?:taken|took|swallowed|had) (?:them|it|the lot|everything|all of them)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        ("intent", CRISIS, 0.6, "is at the hospital but will not go in ({phrase})"),
        r"(?:outside|at) (?:the )?(?:hospital|a&e|er|emergency department)(?: but| and)?"
        r" (?:i )?(?:cant|can not|cannot|wont|dont want to) go in",
    ),
    rule(
        ("self_harm", CRISIS, 1.0, "describes hurting themself ({phrase})"),
        rf"{SELF_HARM_VERBS} myself",
        r"self[ -]?harm(?:ed|ing)?|sh again",
        r"(?:cut|cutting) (?:again|tonight|deeper|too deep|my (?:wrists?|arms?|legs?|thighs?))",
        r"(?:im|i am|been|keep|started|still|was|currently) cutting",
        r"cutting (?:rn|now|right now|tonight)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        ("self_harm", CRISIS, 1.0, "says they injured themself on purpose ({phrase})"),
        r"(?:burn|burned|burnt|cut|hurt|hit|scratched|bruised|scalded) (?:my|myself)(?: \w+){0,4}"
        r" (?:on purpose|deliberately)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        ("self_harm", CRISIS, 0.4, "describes an injury that may be self-inflicted ({phrase})"),
        r"(?:cut|burned|burnt|scratched|scalded|bruised|hit|hurt) my (?:arms?|wrists?|legs?"
        r"|thighs?|skin|stomach|hands?|face|head)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        ("self_harm", CRISIS, 0.6, "describes a wound that may need care ({phrase})"),
        r"(?:a lot of|so much|lots of) blood|(?:wont|cant|will not) stop bleeding",
        r"(?:its|it is|the cut is|the cuts are|cuts are|cut is) (?:pretty |really |quite |very "
        r"|too )?deep",
        flags=ACT,
    ),
    # --- finality, goodbyes, giving things away ------------------------------------
    rule(
        ("finality", CRISIS, 1.0, "sounds like a goodbye ({phrase})"),
        r"last time you(?:ll| will)? hear from me",
        rf"who (?:gets|will get|takes|will take|is taking|should have) my {PETS_AND_THINGS}",
        r"(?:wont|will not|never) (?:bother|burden|trouble|annoy) (?:anyone|you|anybody|them"
        r"|you all) (?:again|anymore|any more|much longer|ever again)",
        r"wont need (?:it|them|this|these|that)(?: anymore| where im going)",
        r"not going to make it (?:through|past) (?:tonight|the night|today|the weekend)",
        r"(?:dont think|not sure|doubt) (?:ill|i will|id) (?:be here|be around|still be here"
        r"|still be around)",
        r"(?:wont|will not|not going to) be (?:here|around|a problem|a burden)"
        r"(?: for anyone| for you)? (?:much|for much|for) longer",
        r"(?:please )?tell (?:my \w+|everyone|everybody|them|the kids|him|her) (?:that )?"
        r"(?:i love|i loved|im sorry|im so sorry|sorry)",
        r"(?:wont|will not|dont|never) have to (?:deal with|worry about|put up with|look after"
        r"|hear from|see) me (?:again|anymore|soon|much longer|for long|any more)",
        r"(?:goodbye|bye|love you) (?:everyone|all|everybody|world)",
        flags=NEGATABLE,
    ),
    rule(
        # A farewell that is the whole message ("sorry for everything", "goodbye x").
        ("finality", CRISIS, 1.0, "sends only a farewell ({phrase})"),
        r"^\W*(?:im |i am )?(?:so |really )?sorry (?:for|about) (?:everything|all of it|it all"
        r"|all this)\W*(?:x+)?\W*$",
        r"^\W*(?:goodbye|good bye|farewell|bye for good|bye forever)(?: \w+)?\W*(?:x+)?\W*$",
        flags=NEGATABLE,
    ),
    rule(
        ("finality", CRISIS, 1.0, "says this is their last message ({phrase})"),
        r"(?:this is|this will be|its|heres) (?:my|the) last (?:message|text|time)",
        r"(?:my )?last (?:message|text)(?: \w+)? (?:from me|ill send|i will send|ever|to you)",
        r"(?:one|for the|one more|one last) (?:more |last )?time(?=\s*(?:[.!,]|$|x|before))",
        flags=NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 1.0, "is giving their things away ({phrase})"),
        rf"(?:gave|given|giving|give) (?:away )?(?:all )?(?:of )?my (?:\w+ ){{0,2}}"
        rf"{PETS_AND_THINGS}",
        r"(?:gave|given|giving|give) (?:my |all my )?(?:stuff|things|belongings|possessions"
        r"|everything) away",
        r"(?:gave|given|giving) away (?:all|everything)",
        rf"(?:gave|given|giving|give) (?:away )?(?:the |our |all the )?{PETS_AND_THINGS}"
        r" (?:away|to(?! the (?:vet|vets|groomer|groomers|kennels|sitter|dog sitter|cattery)))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 0.6, "may be giving things away ({phrase})"),
        r"gave away|giving away|given away",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 0.6, "sounds like a goodbye ({phrase})"),
        r"goodbye|good bye|farewell",
        r"(?:you|youve) helped (?:me )?more than you(?:ll)? (?:know|realise|realize|ever know)",
        r"if (?:im|i am) not (?:here|around|there)",
        # "it's my last day at work" is not a goodbye
        r"(?:its|it is|this is) my last (?:night|day|week|weekend)"
        r"(?! (?:at|of|in|before|on|off|with|here at)\b)",
        r"my last (?:night|day) (?:on earth|alive|here)",
        r"(?:please )?(?:dont|do not) (?:be sad|cry for me|blame yourself|miss me|grieve)",
        r"(?:ive|i have) done my (?:bit|part|time)(?=\s*(?:[.!]|$))|my work here is done",
        r"(?:i know|know) how to get there",
        r"(?:feel|felt|feeling) (?:so )?(?:calm|at peace|peaceful) (?:for the first time|now that"
        r"|about it|about my decision)|made peace with",
        r"thank you for everything you(?:ve)? (?:done|did)|thanks for everything you(?:ve)? done",
        rf"look after my {PETS_AND_THINGS}(?: for me)?",
        r"where im going",
    ),
    rule(
        ("finality", CRISIS, 0.4, "may be saying goodbye ({phrase})"),
        r"bye|thank you for everything|thanks for everything|sorry for everything"
        r"|(?:it|its|it was|it wasnt|it is) not your fault|it wasnt your fault"
        r"|(?:take care of|look after) yourself|(?:i|im) (?:so )?sorry\W*$",
        r"(?:just )?wanted to (?:say|let you know) (?:thank you|thanks|you helped)",
        r"(?:just )?(?:wanted|want) to (?:thank you|say thank you|say thanks)",
        "\u26b0\ufe0f?|\U0001faa6",  # coffin, headstone
    ),
    # --- perceived burden -----------------------------------------------------------
    rule(
        ("burden", CRISIS, 1.0, "believes others would be better off without them ({phrase})"),
        r"better off without me",
        r"better off if i (?:just )?(?:wasnt|werent|was not|were not|was gone|were gone|died"
        r"|disappeared)",
        r"(?:relieved|happier|easier|better)(?: off)? (?:for everyone |for them "
        r"|for all )?(?:without me"
        r"|if i (?:just )?(?:wasnt|werent|was not|were not|was gone|were gone|was dead|were dead"
        r"|disappeared|died|wasnt here|wasnt around))",
        r"(?:doing|do|did) (?:everyone|them|the world|you all|my family) a favou?r",
        r"(?:nobody|no one|noone) (?:would|will|d) (?:even )?(?:notice|miss me|care)"
        r"(?: if| when)? (?:i|im)",
        r"(?:nobody|no one|noone|no ones|nobodys)(?: \w+)? (?:would|will|d|is going to|s going to"
        r"|going to|is gonna|gonna|ever) (?:even )?(?:miss me|notice)(?! (?:at|if i dont go|if i"
        r" skip|when i leave (?:the|work)))",
        r"disappear(?:ed)? (?:for good|forever)",
        r"(?:a|an) (?:\w+ )?burden (?:on|to) (?:everyone|everybody|my family|them|all)",
        r"(?:easier|better) for (?:you|everyone|them|all|my family) if i (?:just )?(?:stopped"
        r"|wasnt|werent|disappeared|went away|gave up|ended|left for good)",
        r"better off with (?:their|his|her|my) (?:dad|mum|mom|father|mother|gran|nan|grandparents"
        r"|family|aunt|auntie|uncle)(?: full time)?",
        r"(?:the kids|my kids|the children|my children|my family|everyone|they|he|she|you)"
        r" (?:will|would|d|ll) (?:all )?be (?:so much |much |a lot )?(?:better off|happier|safer)"
        r"(?=\s*(?:[.!,]|$|without|if|when|once))",
        r"(?:wont|will not|never) be (?:anyones|anybodys|your|their|a|everyones) (?:problem|burden"
        r"|worry)(?: again| anymore| any more)?",
        r"at least (?:they|the family|my family|my \w+|everyone|the kids|you)(?:ll| will| would"
        r"| can"
        r"| d)? (?:get|have|be) (?:the|my|some|a) (?:insurance|money|house|flat|peace|rest|break)",
        flags=EVERYDAY,
    ),
    rule(
        ("burden", CRISIS, 0.4, "puts themself down as a failure to others ({phrase})"),
        r"(?:such a|a|an absolute|a complete) (?:let down|letdown|disappointment|failure"
        r"|waste of space|waste of oxygen)",
        r"sorry for being (?:such )?(?:a burden|so much work|so much trouble|a pain|so difficult)",
        r"(?:nobody|no one|noone) (?:needs|wants|loves|cares about) me(?: anymore| any more)?",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("burden", CRISIS, 0.6, "feels like a burden ({phrase})"),
        r"(?:im|i am) (?:just |only |such )?a burden",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    # --- hopelessness ---------------------------------------------------------------
    rule(
        ("hopelessness", CRISIS, 0.5, "sounds hopeless ({phrase})"),
        r"(?:cant|can not|cannot) (?:do this|do it|go on|take (?:it|this)|keep going|cope)"
        r"(?: anymore| any more| much longer)",
        r"(?:cant|cannot) go on",
        r"no way out",
        r"no point(?: anymore| in anything| in living| in going on| to anything|\W*$|[.!])",
        r"(?:see|theres|there is|i have) no future|no future for me",
        r"(?:whats|what is) the point",
        r"everything is pointless|its all pointless|life is pointless",
        r"(?:im|i am) (?:so )?done(?: with (?:everything|it all|life|all of it|this))?\W*$",
        r"(?:im|i am) (?:so )?done with (?:everything|it all|life|all of it)",
        r"(?:tired|sick) of (?:everything|all of it|it all|living|life|being alive|being me"
        r"|fighting|trying|struggling|being here)(?=\s*(?:[.!,]|$|anymore|any more|so|and))",
        r"(?:cant|cannot|can not) see (?:a|any) way (?:through|out|forward)",
        r"(?:the )?only way out|only (?:option|solution|answer|way) (?:left|i have left)",
        r"stop(?:ped)? everything",
        r"(?:so )?done with everything",
        r"(?:cant|cannot) see (?:any |a )?(?:way out|other way|future)",
        r"(?:dont|cant) see any other way",
        flags=IDEATION | NEGATABLE,
    ),
    # --- timing ---------------------------------------------------------------------
    rule(
        ("timing", CRISIS, 0.3, "says when ({phrase})"),
        rf"{TONIGHT}(?:s the night)?",
        r"(?:an?|one|two|\d+) (?:hour|hours|mins?|minutes) ago|earlier today",
        r"soon|this weekend",
        rf"(?:on|by|for|this|next) {WEEKDAY}",
        r"(?:when|after|once|as soon as) (?:the kids|everyone|every1|everybody|everybodys|they|he"
        r"|she|my \w+|the house)(?:s| is| are| has| have| go| goes| get| gets)? (?:\w+ )?(?:asleep"
        r"|in bed|to bed|gone|out|left|at work|empty|quiet)",
    ),
    rule(
        # "now" and "today" are in half of all messages: they say little about timing.
        ("timing_now", CRISIS, 0.2, "says it is now ({phrase})"),
        rf"{NOW}",
        r"today",
    ),
    # --- danger to others ------------------------------------------------------------
    rule(
        ("harm_to_others", CRISIS, 1.0, "says they might hurt someone ({phrase})"),
        r"(?:going to|gonna|will|ill|want to|wanna|about to|could) (?:kill|hurt|stab|shoot"
        r"|strangle|attack|punish|smother) (?:him|her|them|someone|somebody|people|the baby"
        r"|my \w+|that \w+|everyone)",
        r"(?:make|making) (?:him|her|them|everyone|them all|you all) (?:pay|suffer|sorry)",
        r"(?:bring|bringing|take|taking|brought|took) (?:a|the|my|dads|mums|\w+s) (?:knife|gun"
        r"|blade"
        r"|weapon|machete|bat) (?:to|into|in to) (?:school|work|college|class|uni|the party|the"
        r" office|church|the match)",
        r"(?:going to|gonna|might|could) hurt someone",
        r"(?:going to|might|could|will|want to|scared ill|afraid ill|scared i will|afraid i might)"
        r"(?: \w+ and)? (?:hurt|kill|hit|shake|smother|harm|strangle)"
        r" (?:my (?:son|daughter|baby|kids?|child|children|partner|wife|husband|mum|mom|dad)"
        r"|him|her|them|someone)",
        r"smash (?:his|her|their) (?:face|head) in|beat (?:him|her|them) (?:up|to death)",
        r"(?:i )?know where (?:he|she|they) (?:lives?|works?|sleeps?)",
        r"thinking about how (?:id|i would|i could|to) (?:do it|hurt|kill)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    # --- the client (or someone with them) being harmed now -------------------------
    rule(
        ("being_harmed", CRISIS, 1.0, "is being threatened or attacked ({phrase})"),
        r"threat(?:ened|ening)? to kill (?:me|us|her|him|my \w+)",
        r"(?:says|said|saying|keeps saying|screaming|shouting|yelling|texting|texted|threatening)"
        r"(?: that)?(?: if i \w+(?: \w+){0,3})?"
        r" (?:hell|shell|he will|she will|hed|shed|he would|she would|theyll) (?:kill|hurt)"
        r" (?:me|us|her|him|my \w+|the kids|the baby|the children)",
        r"(?:hands?|arm) (?:round|around) my (?:throat|neck)",
        r"(?:choked|choking|strangled|strangling) me",
        r"(?:hes|shes|theyre|he is|she is|they are|is|keeps|keep|are) (?:hitting|beating"
        r"|attacking|hurting|strangling|choking|punching|kicking) (?:me|us)",
        r"(?:is|s|keeps|are|re) (?:hitting|beating|attacking|hurting|strangling|choking)"
        r" (?:me|us|her|him|my \w+|mum|mom|mam|dad|\w+)(?: right)? (?:now|rn)",
        r"(?:someone|somebody|a man|a guy|he|they|people) (?:is |are |s |re )?(?:trying to|try"
        r" to|tried to) (?:get|break|force (?:their|his|her) way) in",
        r"(?:raped|sexually assaulted|molested) me",
        r"(?:hitting|beating|attacking) (?:me|us|her|him|my \w+) (?:right now|now|rn)",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.8, "says someone hurt them ({phrase})"),
        r"(?:hit|hits|hitting|punched|kicked|raped|attacked|assaulted|hurt|slapped|shoved"
        r"|pushed) me(?! off)",
        r"(?:beat|beats|beating) me(?: up| again| black)|(?:he|she|they) (?:beat|beats) me",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.6, "is hiding or barricaded ({phrase})"),
        r"hiding (?:in|from|under)",
        r"locked (?:myself |us )?in (?:the|my) (?:bedroom|bathroom|room|car|toilet)",
        r"(?:im|i am) locked in|locked me in|wont let me (?:leave|out|go)",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.5, "someone threatening is nearby ({phrase})"),
        r"(?:banging|bashing|pounding|kicking|hammering) (?:on|at) (?:my|the|all the) (?:front "
        r"|back )?"
        r"(?:doors?|windows?)",
        r"(?:is|hes|shes|theyre|are) outside(?= (?:banging|shouting|screaming|again|right now|with"
        r" a))",
        r"(?:is|hes|shes|theyre|are) (?:outside|at) (?:my|the) (?:house|door|flat|window|place"
        r"|front door)",
        r"outside my (?:house|door|flat|window|place)",
        r"(?:going to|trying to|try to|will) (?:get|break|force (?:his|her|their) way) in",
        r"(?:drunk|high|off his face|off her face) and (?:screaming|shouting|violent|aggressive"
        r"|smashing|throwing)",
        r"(?:throwing|threw|throws) (?:things|stuff|plates|glasses|objects) at me",
        r"(?:screaming|shouting|yelling) at me",
        r"with a (?:bat|knife|gun|weapon|hammer)",
        r"followed me (?:home|here)",
        r"showed up at my (?:work|house|door|flat|job|school)",
        r"(?:break|breaking|kick|kicking) (?:it|the door|my door) (?:down|in)",
        r"(?:hes|shes|theyre|he is|she is|they are) (?:still (?:here|in the house|in the flat"
        r"|outside|downstairs)|outside)",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.3, "is frightened and asking for help ({phrase})"),
        r"(?:im|i am) (?:so |really |really really )?(?:scared|terrified)(?: for my life)?",
        r"please help(?: me)?|(?:please )?send (?:someone|help|the police)",
        r"call (?:the police|999|911|112)",
        r"(?:took|taken|smashed|broke) my phone",
        r"(?:dont|do not) feel safe",
        flags=ACT,
    ),
    # --- command hallucinations ------------------------------------------------------
    rule(
        (
            "command_hallucination",
            CRISIS,
            1.0,
            "hears voices telling them to do something ({phrase})",
        ),
        r"(?:voice|voices) (?:\w+ )?(?:keeps?|are|is|say|says|saying|telling|tell|told|tells|want"
        r"|wants|order|ordering|command|commanding)(?: me)?(?: that)?(?: i)? (?:to|have to|need to"
        r"|must|should)",
        r"(?:hearing|hear) (?:a |the )?voices? (?:telling|tell|saying)",
        r"(?:hearing|hear|hears) (?:him|her|them|it|someone|a man|a woman) (?:telling|tell|say"
        r"|saying)(?: me)? (?:to|i should|i have to|i must)",
        r"(?:hes|shes|theyre|its|he is|she is|they are) not real but",
        r"(?:god|the devil|they|satan) (?:is|are|keeps?) telling me to (?:hurt|kill|jump)",
        flags=ACT,
    ),
    # ================================================================================
    # Families of meaning (generalisation rounds). Each family is written as the idea
    # behind many phrasings - a farewell that sums up, arrangements for after death,
    # absence from the future, getting the means, a time with an undirected "it" -
    # rather than as one sentence. Weak members need a partner (see COMBINATIONS).
    # ================================================================================
    # --- farewell: thanking or summing up the relationship as if it is over ---------
    rule(
        ("finality", CRISIS, 0.6, "thanks them as if saying goodbye ({phrase})"),
        r"(?:thank you|thanks|thankyou|ty) (?:so much |again )?for (?:putting up with me"
        r"|trying (?:so hard )?(?:with me|to help(?: me)?|everything)|never giving up on me"
        r"|not giving up on me|(?:all )?(?:these|the last) (?:\w+ )?(?:months|years|weeks)"
        r"|everything you(?:ve)? (?:done|tried|did)|all you(?:ve)? done)"
        r"(?! (?:for (?:my|him|her|them|us|\w+s)|with (?:my|him|her|them|the)))",
        r"you (?:were|always were|really were|was) (?:\w+ ){0,2}(?:one of the good ones|the only"
        r" one|the only person|so kind|so good to me|always kind|good to me|kind to me|more than i"
        r" deserved|the best|a good (?:one|therapist|person))",
        r"you(?:ve| have) been (?:\w+ ){0,2}(?:one of the good ones|more than i deserved)",
        r"(?:you did|youve done|you have done) (?:your best|everything you could|all you could"
        r"|more than (?:enough|anyone))",
        r"(?:there was |theres |there is )?nothing (?:more )?(?:you|anyone"
        r"|anybody) could (?:have )?"
        r"(?:done|do|said)",
        r"(?:please )?forgive me|i hope you (?:can |will )?forgive me",
        r"(?:i hope|one day|someday) (?:you|they|everyone|you all|youll|theyll) (?:will |can "
        r"|would )?"
        r"understand",
        r"(?:it was|its been|it has been) (?:nice|good|lovely|an honour|a pleasure) knowing you",
        r"see you (?:on the other side(?! of)|in (?:another|the next) life|never)",
        r"(?:remember me|dont forget me|think of me) (?:fondly|kindly|as|when)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("finality", CRISIS, 0.4, "may be saying goodbye ({phrase})"),
        r"(?:thank you|thanks|thankyou|ty) (?:so much |again )?for (?:always (?:being there"
        r"|listening|trying|caring)|being (?:so )?(?:patient|kind|good|gentle) (?:to|with) me"
        r"|caring about me|believing in me|(?:all )?your patience)",
        r"sorry(?: \w+)?\W*$",
        r"(?:its|it is|it was|it isnt|it wasnt|this is|this isnt) (?:not )?(?:your|anyones|her|his"
        r"|their|my \w+s|\w+s) fault(?! (?:the|that|if|when|my|for|about|he|she|they|we|it))",
        r"love you (?:all|always|so much)|always loved you",
        r"(?:look after|take care of) (?:each other|them|him|her|my \w+)(?: for me)?",
        flags=NEGATABLE,
    ),
    rule(
        ("finality", CRISIS, 1.0, "asks someone to pass on an apology or love ({phrase})"),
        r"(?:please )?(?:tell|let) (?:\w+ )?(?:\w+ )?(?:know )?(?:that )?(?:i love (?:him|her|them"
        r"|you)|im (?:so )?sorry|i was sorry|i never meant|it wasnt (?:their|his|her) fault"
        r"|i said (?:bye|goodbye)|(?:bye|goodbye) (?:from me|for me))",
        flags=NEGATABLE,
    ),
    # --- peace, relief, a decision with no object ----------------------------------
    rule(
        ("finality", CRISIS, 0.6, "sounds at peace with a decision ({phrase})"),
        r"(?:made|making|make) (?:my )?peace with (?:it|this|that|everything|things|all of it"
        r"|the world|everyone|my decision)(?=\s*(?:[.!,]|$|now|finally|at last|and|so|its|i))",
        r"(?:at|feel at|feeling at|finally at) peace(?: with (?:it|this|that|everything|things"
        r"|my decision|the decision|what i))?(?=\s*(?:[.!,]|$|now|finally|at last|about))",
        r"(?:so |really |very |feels |feel |its |it feels )?(?:peaceful|calm|calmer|relieved"
        r"|relief|lighter)(?: \w+){0,2} (?:knowing|now that|since i|that i|to know) (?:it|i|this"
        r"|everything)",
        r"(?:it|itll|it will|everything|this|it all|all of this)(?:ll| will"
        r"| is going to)? (?:all )?"
        r"be over (?:soon|tonight|tomorrow|by|this|after|before|in a|shortly)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("intent", CRISIS, 1.0, "feels relief at having decided ({phrase})"),
        r"(?:relief|relieved|calm|peace|peaceful|lighter|weight off)(?: \w+){0,3} (?:to have"
        r"|now that"
        r"|since|that) (?:i(?:ve| have)? )?(?:finally )?(?:decided|made (?:up )?my mind|a plan"
        r"|got a plan|chosen)(?! (?:to|on|that|what|where|whether|between|against|about))",
        flags=NEGATABLE,
    ),
    # --- arrangements for after they are gone --------------------------------------
    rule(
        ("arrangements", CRISIS, 1.0, "is arranging things for after they are gone ({phrase})"),
        r"so (?:that )?(?:no one|nobody|noone|no body|my \w+|they|he|she|you)(?: else)? (?:has|have"
        r"|will have|wont have|doesnt have|dont have|needs?|wont need) to (?:clear|sort|deal with"
        r"|clean|go through|find|pack|empty|worry about)",
        r"(?:dont|do not|didnt) want (?:anyone|anybody|them|my \w+|you|her"
        r"|him)(?: else)? to (?:have to"
        r" )?(?:clear|sort out|go through|deal with|find|clean up|worry about|pack up|empty)"
        r" (?:my|me|it|the|all)",
        r"(?:my |the )?(?:funeral|cremation|burial|ashes|coffin|headstone|eulogy)(?: \w+){0,3}"
        r" (?:songs?|music|plans?|wishes|arrangements|sorted|planned|paid|picked|chosen)",
        r"(?:does|will|would) (?:my |the )?(?:life )?insurance (?:still )?(?:pay ?out|cover)"
        r" (?:if|for|when|suicide)",
        r"(?:who|what) (?:to do|should happen|happens|will happen) (?:with|to) (?:my|the) (?:\w+ )?"
        r"(?:cat|dog|pets?|things|stuff|kids|children|flat|room|belongings|body|ashes|accounts)"
        r" (?:after|when|once)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("arrangements", CRISIS, 1.0, "has written or updated their will ({phrase})"),
        r"(?:wrote|written|writing|updated|updating|made|making|finished|sorted|sorting|signed"
        r"|changed|redid|redone|done) (?:my|a|out my|up my) will(?! (?:power|be|not|you|i))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 0.6, "is handing over passwords or accounts ({phrase})"),
        r"(?:left|leaving|wrote down|written down|writing down|sent|gave|given|shared|put|putting)"
        r" (?:all )?(?:my |the |our )?(?:\w+ )?(?:passwords?|passcodes?|pin|pins|pin numbers?"
        r"|logins?|bank details|account details|phone code)",
        r"(?:passwords?|passcodes?|logins?|pin numbers?|bank details)(?: \w+){0,6} (?:for|to)"
        r" (?:my \w+|him|her|them|you|everyone)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 0.6, "is arranging care for a pet or person ({phrase})"),
        r"(?:make sure|makes sure|ask \w+ to|tell \w+ to|someone (?:needs|will need|has|will have)"
        r" to|can someone|could someone) (?:someone |they |he |she |you )?(?:\w+ )?(?:feeds?"
        r"|feeding"
        r"|looks? after|looking after|checks? on|checking on|takes? care of|walks?|rehomes?"
        r"|re homes?) (?:my |the |our |little )?(?!(?:my|the|our|invoice|payment|bill|email"
        r"|booking|form|letter|appointment|session|status|progress|account|order|parcel"
        r"|delivery)\b)\w+",
        rf"(?:found|finding|find|sorted|arranged|asked) (?:a )?(?:new )?(?:home|someone) for my"
        rf" (?:\w+ )?{PETS_AND_THINGS}",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 0.4, "leaves instructions for others ({phrase})"),
        r"(?:hell|shell|theyll|youll|he will|she will|they will|you will|someone will) need"
        r" (?:it|them|this|these|that|those) (?:for|to|when|after|if)",
        r"(?:his|her|their|the (?:cats|dogs)) (?:food|lead|meds|bowl|vet|insulin|tablets|treats)"
        r"(?: \w+)? (?:is|are) (?:in|on|under|by|at|behind)",
        r"(?:the )?(?:spare )?keys? (?:is|are) (?:under|behind|with|in the)",
        r"(?:letters?|notes?|envelopes?|cards?)(?: \w+){0,3} (?:is|are) (?:in|on|under|by) (?:the"
        r"|my)"
        r" (?:drawer|bed|desk|table|pillow|kitchen|side|top)",
        r"(?:cancelled|canceled|cancelling) (?:all )?(?:my )?(?:subscriptions|direct debits|phone"
        r" contract|standing orders)",
        r"(?:paid off|paying off|cleared) (?:all )?(?:my )?debts",
        r"(?:returned|giving back|gave back) (?:everything|all the (?:\w+ )?(?:things|stuff)) i"
        r" borrowed",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- absence from the future ---------------------------------------------------
    rule(
        ("absence", CRISIS, 1.0, "says they will not be around in future ({phrase})"),
        r"(?:wont|will not|dont|do not) (?:be )?need(?:ing)? (?:(?:the|my|our|any|another|next|this"
        r"|that|\w+s) )?(?:sessions?|slots?|appointments?|appts?|therapy|prescriptions?|refills?"
        r"|meds|tablets|pills|help|you|it|them|these|those|that|this)\W+(?:\w+\W+){0,3}?(?:any of"
        r" them|anymore|any more|ever again|again|after (?:this|today|tonight|that)|any longer)",
        r"no (?:point|use|sense) (?:in )?(?:booking|rebooking|scheduling|rescheduling|making"
        r"|planning"
        r"|arranging|paying|renewing|refilling|ordering|getting|buying|keeping)",
        r"there (?:wont|will not|isnt going to) be (?:a|another|any) (?:next|more)",
        r"(?:you |youll |you will )?(?:wont|will not|never) (?:hear from|see) me (?:again|anymore"
        r"|after)",
        r"(?:ill|i will|i should) be (?:gone|dead|free|at peace|out of (?:everyones|your|their)"
        r" (?:way|hair|lives)) (?:by|before|soon|tomorrow|tonight|after|when|this)",
        r"(?:wont|will not|not going to) (?:see|make it to|be here for|be around for) (?:christmas"
        r"|my birthday|next year|the spring|the summer|another|the new year|new year)",
        r"after (?:tonight|this weekend|today|tomorrow|this)\W*(?:it|none of (?:it|this)|nothing)"
        r" (?:wont|will not|doesnt|will) matter",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("absence", CRISIS, 0.6, "may not be around in future ({phrase})"),
        r"(?:wont|will not|dont|do not) (?:be )?need(?:ing)? (?:(?:the|my|our|another|next|this"
        r"|\w+s) )?(?:sessions?|slots?|appointments?|appts?|therapy)",
        r"(?:wont|will not|not going to) be (?:around|here|there|alive) (?:for|to see|when|by|at"
        r"|on|next|after)",
        r"(?:dont|do not|no need to) (?:bother |worry about )?(?:booking|rebooking|scheduling|book"
        r"|rebook|schedule)(?: me)?(?: in)? (?:another|any more|anymore|the next|next|again|for)",
        r"(?:when|after|once) (?:im|i am|ive|i have)(?: been)? (?:gone|not here|not around"
        r"|no longer"
        r" (?:here|around))(?! (?:on|to|for|away|out|abroad|home|back|shopping))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("absence", CRISIS, 0.4, "imagines not replying or turning up ({phrase})"),
        r"if (?:anything|something) (?:happens|were to happen|should happen|happened) to me",
        r"if (?:i|im) (?:dont|do not|cant|stop|never|dont ever|no longer) (?:reply|answer|respond"
        r"|get back|turn up|show up|come back|make it|text back|message back|pick up|come home)",
        r"(?:cancel|stop|end) (?:them all|all of them|all my (?:sessions|appointments)|everything)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- getting or keeping the means ----------------------------------------------
    rule(
        ("plan", CRISIS, 1.0, "has got hold of a means ({phrase})"),
        r"(?:bought|buying|buy|ordered|ordering|picked up|picking up|got hold of|getting hold of"
        r"|went out for|fetched|collected)(?: \w+){0,3}? (?:rope(?! (?:ladder|swing|lights|toy"
        r"|bridge|course|access))|ropes|noose|charcoal|helium"
        r"|ligature|gun(?! (?:cleaning|safe|licen[cs]e|shop|range|show|club))|pistol|rifle"
        r"|shotgun|antifreeze|weedkiller|rat poison|hose ?pipe"
        r"|(?:a lot|lots|boxes|packets|packs|loads|\d+ (?:boxes|packets|packs)) of (?:paracetamol"
        r"|pills|tablets|painkillers|sleeping pills|ibuprofen|aspirin))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("plan", CRISIS, 1.0, "is keeping pills back ({phrase})"),
        r"(?:putting|put|setting|set|keeping|kept|saving|saved|hiding|hid|hidden|stashing|stashed"
        r"|squirrelling|squirreling|holding back|held back|storing|stored)"
        rf" (?:a few |some |one |two |\w+ )?(?:of )?(?:my |the |her |his |\w+s )?(?:\w+ )?{PILLS}"
        r"(?: \w+){0,3} (?:aside|away|back|to one side|in a drawer|in a box|in a jar|somewhere)",
        rf"(?:not taking|stopped taking|havent been taking|skipping) (?:my )?(?:\w+ )?{PILLS}"
        r" (?:and|so i can|so i) (?:saving|keeping|save|keep|hiding|hide|stash)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("plan", CRISIS, 1.0, "says the means is ready and waiting ({phrase})"),
        r"(?:garage|shed|loft|attic|cabinet|cupboard|drawer|bathroom|boot|basement|cellar|kitchen"
        r"|bag|car)(?: \w+){0,2} (?:has|had|have|holds|is where|is full of) (?:what|everything|all)"
        r" i (?:need|needed|want)",
        r"(?:the |my )?(?:rope|noose|pills|tablets|hose|charcoal|gun|blades?|razors?) (?:is|are)"
        r" (?:ready|in the (?:car|boot|garage|shed|loft|drawer|bag)|hidden|sorted|set up|waiting)",
        flags=NEGATABLE,
    ),
    rule(
        ("plan", CRISIS, 0.6, "says they have what they need ({phrase})"),
        r"(?:got|have|found|bought|collected|gathered|sorted|ive got) (?:what|everything|all)"
        r" i (?:need|needed)(?=\s*(?:[.!,]|$|now|ready|here))",
        r"(?:nearly|almost|finally|now) (?:have|got|collected|saved) enough(?=\s*(?:[.!,]|$|now))",
        r"know (?:exactly )?where to (?:get|find|buy|go)(?: (?:it|one|them|what i need))?"
        r"(?=\s*(?:[.!,]|$|now))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- a time, with an undirected "it" -------------------------------------------
    rule(
        ("intent", CRISIS, 0.8, "says when it will end or happen ({phrase})"),
        r"(?:it|it all|everything|this)(?:ll| will)?(?: all)? (?:ends|end|stops|stop|happens|happen"
        r"|finishes) (?:tonight|tomorrow|this weekend|on \w+day|soon|today|after|this week"
        r"|for good)(?! at \d)",
        rf"(?:{TONIGHT}|tomorrow|this weekend|today|this week|on \w+day|sunday|saturday)\W*(?:is"
        r" when |s when )?(?:it|it all|everything) (?:ends|stops|happens|finishes)",
        r"go(?:ing)? through with it",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- burden: others' lives would be easier without them -----------------------
    rule(
        ("burden", CRISIS, 1.0, "believes others would be relieved without them ({phrase})"),
        r"(?:everyone|everybody|they|you|you all|my \w+|the world|people)(?:ll| will| would| can"
        r"| could| d)? (?:finally )?(?:get|have|be|catch) (?:a (?:break|rest) from|free of|rid of"
        r"|shot of|relieved of) me",
        r"(?:holding|dragging|weighing) (?:everyone|everybody|them|you|my \w+) (?:back|down)",
        r"(?:im|i am|im just|i am just) (?:dead weight|in (?:everyones|the) way|a drain|a waste of"
        r" (?:space|time|money|everyones time)|ruining (?:everyones|their|your) li(?:fe|ves))",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    # --- wanting not to exist -------------------------------------------------------
    rule(
        ("ideation", CRISIS, 1.0, "is tired of being alive ({phrase})"),
        r"(?:had enough|tired|sick|done|sick and tired|exhausted|weary|over) (?:of"
        r"|with) (?:existing"
        r"|being alive|living(?! (?:in|with|at|on|next|near|under|like|out|here|there|off|for|as))"
        r"|breathing|waking up|being here|life itself)",
        r"nothing (?:left )?to live for",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("hopelessness", CRISIS, 0.5, "sounds like they have given up ({phrase})"),
        r"(?:im|i am) (?:so |just |fully |completely |actually |really )?(?:done|finished)"
        r"(?=\s*(?:[.!,]|$))",
        r"(?:theres|there is) nothing left (?:for me|here|in me|to (?:try|give|fight for))",
        r"(?:tired|sick|sick and tired) of living like this",
        flags=ABOUT_SELF | NEGATABLE | IDEATION | EVERYDAY,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "wants it all to be over ({phrase})"),
        r"(?:want|wanted|need|needed) (?:it|it all|everything|all of this|this"
        r"|all this) (?:all )?to"
        r" be over(?=\s*(?:[.!,]|$|now|already|for good|x))",
        flags=ABOUT_SELF | NEGATABLE | IDEATION | EVERYDAY,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "uses slang for suicide ({phrase})"),
        r"ctb|catch(?:ing)? the bus for good",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    # --- self-harm wounds and acts -------------------------------------------------
    rule(
        ("self_harm", CRISIS, 1.0, "describes a serious self-harm wound ({phrase})"),
        r"(?:bleeding|bled) (?:through|all over|everywhere|a lot|heavily|loads)",
        r"(?:went|gone|cut|go|going) (?:too|way too|much|really|so) deep",
        r"deeper than (?:usual|ever|before|last time|i meant|i wanted)",
        r"(?:needs?|need|might need|think i need|should (?:i|it) get) stitches",
        r"blood everywhere|(?:soaked|soaking) (?:through|in blood)",
        r"(?:cant|cannot|wont) stop the bleeding",
        r"(?:cut|burn|burned|burnt|scratched|carved|slashed|hurt|marked) (?:myself|my (?:arms?"
        r"|wrists?|legs?|thighs?|stomach|skin|hips?))(?: \w+){0,3} (?:with|using) (?:a |the |my )?"
        r"(?:lighter|cigarette|razor|blade|sharpener|compass|scissors|glass|knife|iron)",
        r"(?:banging|hitting|punching|smashing) my head (?:against|on|into)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    # --- overdose: a whole container -----------------------------------------------
    rule(
        ("overdose", CRISIS, 1.0, "says they swallowed a whole supply ({phrase})"),
        r"(?:took|taken|swallowed|downed|necked|popped|emptied) (?:the |a |my |her |his |\w+s )?"
        r"(?:whole|entire|full|rest of the|rest of my|last of the|last of my) (?:\w+ )?(?:pack"
        r"|packet"
        r"|box|bottle|strip|blister|tub|sheet|jar|pot|supply|prescription)(?! of (?:wine|beer"
        r"|water|cider|prosecco|vodka|gin|crisps|biscuits|chocolates?))",
        r"swallowed (?:the |a |my )?(?:pack|packet|box|bottle|strip|tub|jar|lot)",
        r"(?:i|ive|just|i just|i have) (?:odd|oded|od)(?= on|\W*$|\W)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    # --- being harmed: restrained, hiding, threatened -------------------------------
    rule(
        ("being_harmed", CRISIS, 1.0, "is being restrained or threatened ({phrase})"),
        r"(?:pinned|pinning|holding|held|pushed|shoved|pressing) me (?:down|against|to the|up"
        r" against|into)",
        r"(?:got|has|have|had) me (?:pinned|trapped|cornered|locked in|by the (?:throat|neck"
        r"|hair))",
        r"(?:cornered|trapped) (?:me|us)(?: in)?",
        r"(?:said|says|saying|threatened|told me|keeps saying"
        r"|swore)(?: that)?(?: if i \w+(?: \w+){0,4})?"
        r" (?:hell|shell|theyll|he will|she will|he would|she would|hed|shed|theyd|he is going to"
        r"|shes going to|hes going to|he was going to|she was going to) (?:make sure (?:i|you)"
        r" (?:never|dont|cant|wont|regret|pay|suffer|get hurt|disappear|lose)|make me (?:pay"
        r"|regret|suffer)|break my|finish me|end me|get me|come for me|take the kids|burn|smash"
        r"|put me in)",
        r"threaten(?:ed|ing|s)? (?:to (?:hurt|kill|stab|burn|take)|me with)",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.6, "is hiding while someone dangerous is near ({phrase})"),
        r"(?:texting|messaging|writing|typing|hiding) (?:you |this )?(?:from|in) (?:the )?(?:loo"
        r"|toilet|bathroom|wardrobe|cupboard|closet|under the bed)",
        r"(?:hes|shes|theyre|he is|she is|they are|hell be|shell be|he will be|she will be)"
        r" (?:coming|getting) back(?: \w+)? (?:tonight|soon|later|any minute|in an hour|in \w+"
        r" minutes)",
        r"(?:hes|shes|theyre|he is|she is|they are|hes got|shes got) (?:got )?(?:a )?(?:knife|gun"
        r"|weapon|bat|hammer)",
        flags=ACT,
    ),
    # --- harm to others: images or urges ------------------------------------------
    rule(
        ("harm_to_others", CRISIS, 0.8, "has images or urges of hurting someone ({phrase})"),
        r"(?:picturing|imagining|imagine|picture|thoughts of|fantasi[sz]ing about|urges? to|images"
        r" of|keep seeing myself) (?:myself )?(?:hurting|killing|stabbing|strangling|smothering"
        r"|drowning|suffocating|shaking|hitting|pushing|poisoning|putting a pillow over|hurt|kill"
        r"|stab|strangle|smother|drown|shake|hit|push|poison) (?:him|her|them|the baby|my \w+"
        r"|someone|people|\w+)",
        r"pillow over (?:his|her|their|the babys|my \w+s) (?:face|head|mouth)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "is afraid they will act ({phrase})"),
        r"(?:scared|afraid|terrified|worried|frightened) (?:that )?(?:ill|i will|i might|i could"
        r"|id)"
        r" (?:actually |really )?(?:do it|go through with it|act on (?:it|them|the thoughts)|snap"
        r"|lose control)(?=\s*(?:[.!,]|$|this|tonight|one|soon))",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    # --- high places ----------------------------------------------------------------
    rule(
        ("means_at_hand", CRISIS, 1.0, "is at the top of a high place ({phrase})"),
        r"(?:on|at|up on) (?:the )?(?:top|highest) (?:level|deck|floor|storey|story) of (?:the "
        r"|a )?"
        r"(?:car park|multi ?storey|parking|building|bridge|tower|flats)",
        r"(?:so |very |really |its )?(?:quiet|peaceful|windy|high|cold|dark) up here",
        flags=NEGATABLE,
    ),
    # --- more ways of saying: not needing things, not worrying, messages for later ---
    rule(
        ("absence", CRISIS, 1.0, "says they will not be needing things in future ({phrase})"),
        r"(?:wont|will not|not going to|dont plan on|dont plan to|dont expect to|dont think ill"
        r"|not planning on|not planning to)(?: be)? (?:need|needing|using|renewing|collecting"
        r"|picking up|ordering) (?:a |the |my |any |another )?(?:repeat )?(?:prescriptions?"
        r"|refills?|meds|medication|tablets|pills|passport|(?:winter )?coat|renewal)",
        r"(?:dont|do not|not|no) (?:plan|planning|intend|intending|expect|expecting|going)"
        r" (?:on |to )?(?:be|being|still be|still being) (?:here|around|alive)",
        r"(?:dont|do not|no need to) (?:bother|worry about) (?:holding|keeping|saving|booking"
        r"|rebooking|renewing|ordering|refilling|chasing) (?:my|a|the|me|any)",
        r"(?:no more|any more|another|any) tomorrows?(?! (?:morning|night|afternoon|at))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 1.0, "tells them not to worry about them afterwards ({phrase})"),
        r"(?:dont|do not|no need to|try not to|please dont) (?:worry|be sad|be upset|feel bad"
        r"|blame yourself|cry) (?:about|for|over) me (?:after (?:today|tonight|this|tomorrow)"
        r"|when im gone|once im gone|after im gone)",
        r"(?:im |i am )?(?:so )?sorry (?:i |that i )?(?:couldnt|could not|wasnt|was not|cant|failed"
        r" to|never) (?:be )?(?:stronger|strong enough|fight (?:it|this|anymore|any longer|harder)"
        r"|hold on(?: any longer| anymore)?|keep going|get better|be enough|be what you needed"
        r"|be the \w+ (?:you|they|she|he) (?:wanted|needed|deserved))",
        flags=NEGATABLE,
    ),
    rule(
        ("finality", CRISIS, 0.6, "tells them not to worry about them ({phrase})"),
        r"(?:dont|do not|no need to|try not to|please dont) (?:worry|be sad|feel bad) (?:about|for"
        r"|over) me (?:anymore|any more|now|ok|x)",
        r"(?:none of this|none of it|this|it) (?:was|is|wasnt|isnt|has nothing to do with)"
        r" (?:because of|about|on|to do with)? ?(?:you|her|him|them|my \w+)(?=\s*(?:[.!,]|$|x))",
        flags=NEGATABLE,
    ),
    rule(
        ("arrangements", CRISIS, 1.0, "leaves a message for someone for later ({phrase})"),
        r"(?:pass|give|send|get|read) (?:a |this |my |the |these )?(?:message|letter|note|words)"
        r"(?: on)? to (?:my |\w+ )?(?:\w+ )?(?:when|one day|after|once|for me)",
        r"(?:when (?:she|he|they)(?:s| is| are)? (?:older|old enough|grown up|grows up|grow up)"
        r"|one day when (?:she|he|they)(?:s| is| are)?)",
        r"(?:instructions|wishes|plans|arrangements|songs|music|readings|hymns) for (?:my |the )?"
        r"(?:funeral|cremation|burial|ashes|memorial)",
        r"so (?:nobody|no one|noone|nobodys|no ones|they|my \w+|you)(?:s| is| are| will be| isnt"
        r"| wont be| gets| get)? (?:left|stuck|lumbered|burdened|landed) with",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 0.6, "is leaving things to people ({phrase})"),
        r"(?:\w+|you|he|she|they) (?:can|should|will|gets? to|is to) (?:have|keep|take|inherit)"
        r" (?:my|all my|the) (?:\w+ )?(?:flat|house|car|keys|things|stuff|cat|dog|guitar|books"
        r"|clothes|jewellery|jewelry|ring|money|savings|laptop|phone|bike|records|plants|pets?"
        r"|room|tools|paintings|camera|watch)",
        r"(?:left|leaving|written|wrote|writing) (?:\w+ )?instructions (?:for|with) ",
        flags=NEGATABLE | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 0.4, "says where things are left for others ({phrase})"),
        r"(?:in|inside|into) (?:the|an|a) envelope",
        r"(?:envelope|letters?|notes?|keys|key|will|instructions)(?: \w+){0,3} (?:on|in|under)"
        r" (?:the|my) (?:table|bed|drawer|desk|pillow|side|kitchen|door|mantelpiece|shelf)",
        flags=NEGATABLE | EVERYDAY,
    ),
    # --- research and scouting -----------------------------------------------------
    rule(
        ("plan", CRISIS, 1.0, "has been researching or scouting how ({phrase})"),
        r"(?:googl\w*|search\w*|research\w*|looked up|looking up|look up|reading up|read up"
        r"|reading about|read about|asked chatgpt|checking|checked|working out|worked out)"
        r" (?:on )?(?:how long (?:it takes|it would take|does it take|would it take|till|until"
        r"|before)|how (?:high|deep|far|fast|much would|many would)|whether it (?:hurts|would hurt)"
        r"|(?:does|would) it hurt|what happens (?:if|when) you|lethal|fatal|painless)"
        r"(?! to (?:get|hear|arrive|come|cook|heal|grow|learn|drive|fly|walk|recover|process))",
        r"(?:i )?know (?:exactly )?(?:which|what|the exact) (?:bridge|building|car park|cliff|train"
        r"|spot|place|tablets|pills|dose|method|rope|tree|time)(?=\s*(?:[.!,]|$|now|i|and|to))",
        r"(?:went|been|going|gone|go) (?:back )?(?:there |up there |down there )?(?:\w+ ){0,3}to"
        r" (?:look|check|see|scope)(?: at| out)? (?:it|the (?:bridge|cliff|tracks|railway|drop"
        r"|edge|spot|place|building|roof))?(?=\s*(?:[.!,]|$|again|properly|at))",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "finds a way of dying tempting ({phrase})"),
        r"(?:bridge|tracks|railway(?: line)?|rail (?:line|tracks)|train(?:s| line| tracks)?|river"
        r"|canal|sea|ocean|lake|cliffs?|edge|ledge|roof|balcony|window|motorway|road|traffic"
        r"|drop|water|platform|car park|multi storey|pills|tablets|knife|knives|blades?|rope"
        r"|gun|razor)(?: \w+){0,4} (?:is|are|looks?|looking|seems?|seeming|feels?|keeps?)"
        r" (?:\w+ )?(?:so |very |really |more and more |too )?(?:tempting|inviting|appealing"
        r"|calling(?: me| to me)?|like (?:the|an|my) (?:answer|option|way out|solution))",
        r"(?:tempting|tempted) to (?:step|jump|walk|drive|swerve|take|swallow|let go|lean)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("means_at_hand", CRISIS, 1.0, "is shut in a car or garage ({phrase})"),
        r"(?:in|inside|with) (?:the|my) (?:garage|car)(?: \w+){0,4} (?:with|and) (?:the|all the)"
        r" (?:door|doors|windows?|garage door) (?:shut|closed|sealed|taped|locked)",
        r"(?:taped|sealed|blocked) (?:up )?(?:the )?(?:door|doors|windows?|vents?|gaps)",
        flags=NEGATABLE | EVERYDAY,
    ),
    # --- a time, the nerve, "this is the night" -------------------------------------
    rule(
        ("intent", CRISIS, 0.8, "sounds like the moment has come ({phrase})"),
        r"this is (?:the|my) (?:night|day|moment|end|time)(?=\s*(?:[.!,]|$|x))",
        r"(?:finally )?(?:got|get|getting|found|worked|built|building|working) (?:up )?(?:the )?"
        r"(?:nerve|courage|guts|bottle)(?: up)?(?=\s*(?:[.!,]|$|now|at last|finally|tonight"
        r"|to do it|to go through))",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("intent", CRISIS, 0.6, "says when an unnamed thing will happen ({phrase})"),
        rf"(?:it|itll|it will|its going to|it is going to)(?: be)? (?:be )?(?:{TONIGHT}|tomorrow"
        r"|this weekend|soon|on \w+day)(?! (?:at|morning|afternoon|evening|that|when|then|so|\d))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- self-harm: blood and open wounds -------------------------------------------
    rule(
        ("self_harm", CRISIS, 1.0, "describes an open wound ({phrase})"),
        r"(?:cuts?|wounds?|it) (?:is|are|s|re|look|looks) (?:\w+ )?(?:gaping|wide open|pouring"
        r"|gushing|spurting)|gaping|gushing blood|spurting",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        ("self_harm", CRISIS, 0.6, "describes a lot of blood ({phrase})"),
        r"blood (?:all over|everywhere|on the (?:floor|bed|sheets|carpet|walls))|(?:lost|losing)"
        r" (?:a lot of |so much |loads of )?blood|pool of blood",
        flags=ABOUT_SELF | NEGATABLE | ACT | EVERYDAY,
    ),
    rule(
        # Counts for little alone; with a wound or an overdose it adds a bonus.
        ("symptom", CRISIS, 0.1, "feels physically unwell ({phrase})"),
        r"(?:feel|feeling|im|getting|going|starting to feel) (?:really |so |very |a bit )?(?:dizzy"
        r"|faint|lightheaded|light headed|woozy|weird|drowsy|sleepy|numb|cold|shaky|sick|weak)",
        r"(?:cant|cannot) (?:stay awake|keep my eyes open|see properly|feel my)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    # --- being harmed: aggressor, barricade, coercive threats ------------------------
    rule(
        ("being_harmed", CRISIS, 1.0, "is being threatened ({phrase})"),
        r"(?:hell|shell|theyll|he will|she will|hed|shed|theyd|he would|she would|hes going to"
        r"|shes going to) (?:do it|kill (?:herself|himself|themselves|me|us)|hurt (?:herself"
        r"|himself|me|us|the kids)|do something|use it) if i (?:leave|go|tell|call|dont|try"
        r"|report)",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.6, "is barricaded in or facing violence ({phrase})"),
        r"(?:door|doors) (?:is |are )?(?:wedged|barricaded|blocked|jammed)|(?:wedged|barricaded"
        r"|blocked|jammed) the door|(?:chair|wardrobe|bed|drawers) (?:against|under|in front of)"
        r" the (?:door|handle)",
        r"(?:drunk|high|off (?:his|her|their) face|raging|kicking off|lost it)(?: \w+){0,3}"
        r" (?:smashing|throwing|screaming|shouting|punching|kicking|breaking|threatening|violent"
        r"|aggressive)",
        flags=ACT,
    ),
    # --- command hallucinations and delusions --------------------------------------
    rule(
        ("command_hallucination", CRISIS, 0.6, "hears or sees things giving orders ({phrase})"),
        r"(?:tv|telly|television|radio|the news|walls?|my head|the neighbours|the wires|voices?"
        r"|god|the devil|satan|the angels|the spirits|aliens|the man|the woman|a man|a woman)"
        r"(?: \w+){0,3} (?:keeps? |is |are )?(?:giving|gives|sending|sends|instructing|ordering"
        r"|commanding) me(?: \w+)?",
        r"(?:he|she|it|they|the voice|the voices) (?:says|said|keeps saying|tells me|told me)"
        r" (?:that )?(?:the )?(?:pills|knife|rope|bridge|only way|i must|i have to|i should"
        r"|i need to|i deserve)",
        r"the only way to (?:get clean|be free|be pure|be saved|make (?:it|them) stop|stop"
        r" (?:it|them|the voices))",
        flags=ACT,
    ),
    # --- others would be fine without them -----------------------------------------
    rule(
        ("burden", CRISIS, 1.0, "believes others would be fine without them ({phrase})"),
        r"(?:fine|better|ok|okay|happier|easier|move on|keep (?:turning|going)|carry on|manage"
        r"|cope|get on)(?: \w+){0,2} without me",
        r"(?:nobody|no one|noone|they|you|people|anyone|everyone)(?: \w+)? (?:wont|will not"
        r"|wouldnt|would not|will never|would never) (?:even )?(?:notice|miss me|realise|realize"
        r"|care)(?: (?:if|when|that) (?:im|i am|i was|i)\b)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "would rather be dead ({phrase})"),
        r"(?:id|i would|i had) (?:much )?rather be dead",
        r"(?:want|wanna|wish i could|just want) to (?:go to )?sleep and (?:not|never) (?:wake"
        r"|deal|face|have to|come back)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "uses a face and a gun emoji ({phrase})"),
        "[\U0001f600-\U0001f64f\U0001f910-\U0001f93f\U0001f970-\U0001f97f]\ufe0f?\\s*\U0001f52b"
        "|\U0001f52b\\s*[\U0001f600-\U0001f64f\U0001f910-\U0001f93f\U0001f970-\U0001f97f]",
        word_bounded=False,
    ),
    # --- leaving things in order for whoever comes after --------------------------
    rule(
        ("arrangements", CRISIS, 1.0, "expects someone to find them or their things ({phrase})"),
        r"(?:whoever|whoevers|the person who|whoever it is that|someone) (?:finds|will find"
        r"|comes in|comes round|opens the door|has to (?:come|deal))",
        r"make sure (?:my |the )?\w+(?: \w+)? (?:gets|receives|reads|has|finds|is given)"
        r" (?:my|the|this|that) (?:letter|note|message|card|envelope|things|stuff|ring|money)",
        r"(?:envelope|letter|note|box)(?: \w+){0,2} with (?:your|his|her|their|my \w+s|\w+s) name"
        r" on",
        r"(?:wrote|written|writing|texted|messaged|rang|called) (?:to )?(?:everyone|my \w+|\w+)"
        r"(?: and (?:my )?\w+)? to (?:say|tell them|tell her|tell him) (?:goodbye|bye|i love"
        r" (?:them|him|her|you)|sorry for everything|sorry(?=\s*(?:[.!,]|$|x)))",
        r"(?:wanted|want) (?:them|you|him|her|everyone) to hear it from me",
        flags=NEGATABLE,
    ),
    rule(
        ("arrangements", CRISIS, 0.6, "has been settling their affairs ({phrase})"),
        r"(?:its|it is|everythings|everything is|all|its all|thats all|things are)"
        r" (?:all )?(?:arranged|organised|organized|taken care of|in order|sorted now"
        r"|squared away)(?=\s*(?:[.!,]|$|x)|\s+now\s*(?:[.!,]|$|x))",
        r"(?:insurance|life insurance) (?:money|pay ?out|policy)",
        r"(?:\w+|my \w+) knows where (?:it is|they are|to find|everything is|the \w+ (?:is|are))?",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 0.4, "has been closing accounts ({phrase})"),
        r"(?:deleted|deleting|closed|closing|cancelled|canceled|cancelling) (?:all )?(?:of )?my"
        r" (?:accounts|social media|profiles?|facebook|instagram|insta|tiktok|gym|phone contract"
        r"|bank account|subscriptions|direct debits)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 0.6, "sums up the relationship as if it is over ({phrase})"),
        r"(?:thank you|thanks|thankyou) (?:so much )?for (?:your|all your|all the|the) (?:kindness"
        r"|patience|care|help|support|time)(?: \w+){0,2} (?:over|these|all these|for) (?:the )?"
        r"(?:years|months|last \w+ (?:years|months))",
        r"(?:i )?(?:just )?(?:wanted|want|needed) to (?:hear your voice|see you|talk to you|say"
        r" (?:goodbye|bye|thank you|thanks))(?: (?:one|one more|one last) (?:more |last )?time)?",
        r"(?:said|say|saying) (?:sorry|goodbye|my goodbyes) (?:to|for) (?:everyone|everything"
        r"|my \w+)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- absence: leaving and not coming back -------------------------------------
    rule(
        ("absence", CRISIS, 1.0, "says they are not coming back ({phrase})"),
        r"(?:not|never|wont be|wont|will not be|im not) (?:coming|going to come|be coming) (?:back"
        r"|home)(?! (?:to|till|until|before|for|on|this|next|tonight|today|tomorrow|from|in))",
        r"(?:wont|will not|not going to|dont) (?:be )?need(?:ing)? (?:it|them|these|those|that"
        r"|any of (?:it|them|this))(?=\s*(?:[.!,]|$|x|now))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- resolve and calm ---------------------------------------------------------
    rule(
        ("intent", CRISIS, 0.4, "sounds resolved ({phrase})"),
        r"(?:know|knows|decided|clear on|sure of|sure about) what i (?:have|need|must|am going|m"
        r" going|want) to do(?=\s*(?:[.!,]|$|now|and|x))",
        r"(?:not|no longer|never) (?:scared|afraid|frightened) (?:anymore|any more|now)(?! of)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("hopelessness", CRISIS, 0.5, "says they have stopped caring ({phrase})"),
        r"(?:idc|i dont care|dont care) (?:anymore|any more|about anything|what happens)"
        r"(?! (?:what|about|if|whether|how|who|that))",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    # --- means: gathered, at the edge, the train, household poison -----------------
    rule(
        ("means_at_hand", CRISIS, 1.0, "is at the edge or waiting for a train ({phrase})"),
        r"(?:other|wrong|far) side of the (?:railings?|fence|barrier|rail|balcony|wall|bridge"
        r"|safety)",
        r"(?:climbed|climbing|climb|got|getting) (?:over|onto|on to|up on) (?:the )?(?:railings?"
        r"|barrier|fence|edge|ledge|parapet|wall of the bridge)",
        r"(?:waiting for|watching|waiting on) (?:the )?(?:fast|next|express|through|non stop"
        r"|freight) (?:one|train)|doesnt stop here",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("means_at_hand", CRISIS, 0.6, "has their medication out and ready ({phrase})"),
        rf"{PILLS}(?: \w+){{0,2}} (?:on the (?:table|bed|floor|side)|in front of me|next to me"
        r"|counted|lined up|ready)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("means_at_hand", CRISIS, 0.4, "mentions all of their medication ({phrase})"),
        rf"all (?:of )?my (?:\w+ )?{PILLS}",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("overdose", CRISIS, 1.0, "says they have taken an overdose or poison ({phrase})"),
        r"(?:took|taken|swallowed|had|necked|downed) (?:my |the |a |\w+s )?(?:whole |entire "
        r"|full )?"
        r"(?:months|weeks|week|month|days|\w+ days) (?:worth|supply)",
        r"(?:drank|drunk|drink|swallowed|took|had) (?:the |some |some of the |a bottle of )?"
        r"(?:stuff|whatever|something|bottle|liquid|cleaner|cleaning stuff|cleaning products?)"
        r"(?: \w+){0,2} (?:under the sink|from under|in the cupboard under|from the garage)",
        flags=ABOUT_SELF | NEGATABLE | ACT | EVERYDAY,
    ),
    rule(
        # "after the pills" is how an overdose often shows up, but also a side effect
        # ("threw up after taking the new tablets"): weak unless the body says more.
        ("overdose", CRISIS, 0.4, "feels something after taking pills ({phrase})"),
        rf"after (?:the|taking|i took|those|all the|all those|taking all"
        rf"|taking the) (?:\w+ )?{PILLS}",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        ("symptom", CRISIS, 0.1, "feels physically unwell ({phrase})"),
        r"(?:everything|room|head)(?: is| s)? (?:spinning|going dark|going black|fuzzy)",
        r"(?:throat|stomach|mouth|chest) (?:is )?(?:burning|on fire)",
        r"(?:cant|cannot) feel my (?:legs|arms|hands|feet|face)",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    # --- being harmed: controlled and confined ------------------------------------
    rule(
        ("being_harmed", CRISIS, 0.6, "is being locked in ({phrase})"),
        r"(?:hes|shes|he|she|they|theyve)(?: \w+){0,5} (?:and )?(?:locked|bolted) (?:the|all the"
        r"|me|us)(?: \w+)?(?: in| door| doors| windows)",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.6, "is being confined or cut off ({phrase})"),
        r"(?:hes|shes|theyve|he has|she has|theyre|he|she|they) (?:locked|bolted|blocked)"
        r" (?:the|all the|me in|us in)(?: \w+)?(?: door| doors| windows)?",
        r"(?:on|using) (?:my \w+s|a|an|his|her|a borrowed|a secret|my old|my \w+s old) (?:old )?"
        r"phone(?: because| cos| as)?",
        r"(?:hear|hearing|can hear) (?:her|him|them|mum|dad|my \w+) (?:screaming|crying|shouting"
        r"|begging)",
        flags=ACT,
    ),
    # --- command hallucinations: more sources and callers ---------------------------
    rule(
        (
            "command_hallucination",
            CRISIS,
            1.0,
            "hears a presence telling them what to do ({phrase})",
        ),
        r"(?:demons?|spirits?|angels?|the entity|the thing|the presence|voices?|they|god|jesus"
        r"|the devil|satan) (?:say|says|said|tell|tells|told|keep telling|keeps telling|want|wants"
        r"|is telling|are telling) (?:me )?(?:that )?(?:im|i am|i|me) (?:not allowed|have to|must"
        r"|need to|should|deserve|to)",
        r"(?:god|jesus|the angels|they|my \w+ in heaven|heaven|the lord) (?:wants|want|is calling"
        r"|are calling|calling|is waiting for|are waiting for) me (?:home|to (?:join|be with"
        r"|come))",
        r"punish(?:ing)? myself",
        flags=ACT,
    ),
    # --- canonical warning signs (written from general safety-planning knowledge) ---
    rule(
        ("ideation", CRISIS, 1.0, "wants to end the pain for good ({phrase})"),
        r"(?:end|stop|escape|make|get away from) (?:the|this|my) pain(?: stop| end)? (?:for good"
        r"|forever|permanently|once and for all|tonight)",
        r"(?:going to|want to|need to|have to|ready to|about to|will|ill) (?:end|stop|escape)"
        r" (?:the|this|my|all (?:the|this)) pain",
        r"(?:want|need) (?:the|this|my) pain to (?:stop|end) (?:for good|forever|permanently)",
        r"no way out of (?:this|the|my) pain",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("hopelessness", CRISIS, 0.5, "describes unbearable pain or feeling trapped ({phrase})"),
        r"(?:the |this |my )?pain (?:is )?(?:unbearable|too much|wont stop|never stops|is"
        r" everywhere)",
        r"(?:feel|feeling|im|i am) (?:so |completely |totally )?trapped",
        r"(?:cant|cannot|can not) live like this(?: anymore| any more)?",
        r"(?:its|it is) too late(?: for me| now)?(?=\s*(?:[.!,]|$|x))|beyond help"
        r"|(?:no one|nobody|noone) can help me(?: now| anymore)?",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("plan", CRISIS, 1.0, "has looked into ways to do it ({phrase})"),
        r"(?:looking|looked|look|searching|searched|researching|researched|reading|read|found"
        r"|googling|googled) (?:at |up |into |about )?(?:ways|methods"
        r"|how) to (?:do it(?=\s*(?:[.!,]"
        r"|$|x|tonight|soon|quickly|painlessly|without|online))|die|end it|end things|kill myself"
        r"|not wake up|make it quick)",
        r"the (?:when|how|where) and the (?:how|when|where)|(?:when|how|where) and (?:how|when"
        r"|where)(?=\s*(?:[.!,]|$))",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("plan", CRISIS, 0.6, "has it all worked out ({phrase})"),
        r"(?:got|have|ive got|i have) (?:it|everything) (?:all )?(?:worked out|figured out|planned"
        r" out)(?=\s*(?:[.!,]|$|x|the (?:when|how|where))|\s+now\s*(?:[.!,]|$))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 1.0, "says they have been saying goodbye ({phrase})"),
        r"(?:saying|said|say) (?:all )?my goodbyes",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 0.6, "sounds suddenly calm or clear ({phrase})"),
        r"(?:strangely|weirdly|oddly|suddenly|so|really|very|finally) (?:calm|peaceful|at peace"
        r"|clear headed|light)(?= (?:today|now|tonight|about|for)|\s*(?:[.!,]|$))",
        r"everything (?:is|feels|seems) (?:so )?(?:clear|simple|easy|obvious) now"
        r"(?! (?:about|why|what|how|that|with))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("intent", CRISIS, 0.6, "sees only one way ({phrase})"),
        r"(?:this|it|that|there) is (?:the|only one) only (?:way|option|answer|solution)"
        r"|(?:this|it|that)(?:s| is) the only (?:way|option|answer|solution)(?=\s*(?:[.!,]|$|left"
        r"|out|now|x))",
        r"(?:something|it|things?) (?:i|that i|you) (?:cant|cannot|wont be able to) (?:undo|take"
        r" back|come back from|reverse)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("intent", CRISIS, 1.0, "says they will do something they cannot undo ({phrase})"),
        r"(?:going to|about to|will|ill|want to|might) do something (?:tonight |today |now )?(?:i"
        r"|that"
        r" i|you) (?:cant|cannot|wont be able to) (?:undo|take back|come back from|reverse)",
        r"(?:made|making) up my mind(?=\s*(?:[.!,]|$|x|now))|(?:i|ive) (?:have )?(?:finally )?"
        r"decided(?=\s*(?:[.!,]|$|x))",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("absence", CRISIS, 0.6, "looks forward to not feeling anything ({phrase})"),
        r"(?:wont|will not|never) have to (?:feel|deal with|face|think about|hurt|suffer|wake up"
        r"|go through) (?:anything|this|it|any of (?:this|it)|anymore|again|like this)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "wants to join someone who has died ({phrase})"),
        r"(?:join|be with|see) (?:my )?(?:late |dead )?(?:\w+ )?(?:husband|wife|mum|mom|dad|son"
        r"|daughter|brother|sister|nan|gran|partner|baby|him|her|them) (?:again soon|soon|in heaven"
        r"|up there|on the other side|tonight)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.6, "talks about joining someone ({phrase})"),
        r"(?:going to|want to|ready to|time to|wanna) join (?:my )?(?:\w+ )?(?:husband|wife|mum|mom"
        r"|dad|son|daughter|brother|sister|nan|gran|partner|baby|him|her|them)"
        r"(?! (?:on|at|in|for|and|with|later|tomorrow|next))",
        r"(?:im|i am|i feel) (?:so )?ready to (?:go|leave|die|be done|let go|rest)"
        r"(?=\s*(?:[.!,]|$|now|x))",
        flags=ABOUT_SELF | NEGATABLE | IDEATION | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 1.0, "asks someone to look after their family ({phrase})"),
        r"(?:please|can you|could you|promise (?:me )?(?:you(?:ll)?|to)"
        r"|will you) (?:please )?(?:look"
        r" after|take care of|keep an eye on|watch over|be there for) my (?:\w+ )?(?:kids|children"
        r"|son|daughter|boys|girls|baby|babies|mum|mom|dad|family|husband|wife|partner|cat|dog"
        r"|pets?)",
        flags=NEGATABLE,
    ),
    # --- places, large quantities, relayed goodbyes, one reason left to live -------
    rule(
        ("means_at_hand", CRISIS, 0.6, "is at a place people go to end their lives ({phrase})"),
        r"(?:parked|parked up|sitting|sat|standing|stood|waiting|im|i am|been)(?: \w+){0,2} (?:at"
        r"|by|near|on|up at|on top of) the (?:cliffs?|cliff top|clifftop|bridge|tracks|railway"
        r"|level crossing|quarry|viaduct|river|canal|reservoir|dam|pier|sea wall|cliff edge)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("overdose", CRISIS, 1.0, "says they took a large number of something ({phrase})"),
        r"(?:took|taken|swallowed|downed|necked|popped) (?:like |about |around |over |at least )?"
        r"(?:[1-9]\d|twenty|thirty|forty|fifty|sixty|a hundred)"
        r"(?! (?:minutes|mins|seconds|secs|hours|hrs|days|weeks|steps|photos|pictures|goes|tries"
        r"|attempts|times|calls|years|pounds|quid|percent|pages|notes|breaths|people))",
        flags=ABOUT_SELF | NEGATABLE | ACT,
    ),
    rule(
        ("plan", CRISIS, 1.0, "bought pills from several shops ({phrase})"),
        rf"{PILLS}(?: \w+){{0,4}} (?:from|at|in|round|around|across|to) (?:\d+|two|three|four|five"
        r"|several|different|a few|loads of|lots of|multiple) (?:different )?(?:shops|pharmacies"
        r"|chemists|supermarkets|stores|places)",
        r"(?:\d+|two|three|four|five|several|different|a few|multiple) (?:different )?(?:shops"
        rf"|pharmacies|chemists|supermarkets|stores)(?: \w+){{0,3}} (?:for|to get"
        rf"|buying) (?:more )?"
        rf"(?:\w+ )?{PILLS}",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("plan", CRISIS, 1.0, "has found a place where they will not be found ({phrase})"),
        r"(?:where|so|somewhere) (?:nobody|no one|noone|they|no body|people)(?: will| would| can"
        r"|ll|d| wont| cant)? (?:ever )?(?:find|see|stop|disturb) me(?=\s*(?:[.!,]|$|x|there"
        r"|again|tonight))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        # Packed (boot, bag, car), not stored ("the rope is in the garage" is weaker, below).
        ("plan", CRISIS, 1.0, "says the means is packed and ready ({phrase})"),
        r"(?:hose ?pipe|hose|tape|charcoal|rope|noose|pills|tablets|gun|blades?|razors?|helium)"
        r"(?: \w+){0,4} (?:in the boot|in the car|in my bag|in my car|by the door|ready to go)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("arrangements", CRISIS, 1.0, "makes sure others are not left out of pocket ({phrase})"),
        r"so (?:my \w+|they|he|she|no one|nobody|noone|you|everyone)(?:s| is| isnt| wont be| are"
        r"| arent| will not be)? (?:not )?(?:out of pocket|left short|short changed|left paying"
        r"|left owing|left with (?:the|any) (?:bills?|rent|debt))",
        r"paid (?:the |my )?(?:rent|bills|debts|council tax)(?: up)? (?:to|until|till) the end of",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("intent", CRISIS, 1.0, "asks forgiveness for something they are about to do ({phrase})"),
        r"(?:for|about|after|of) what (?:im|i am|ill|i will|i) (?:about to|going to|am going to"
        r"|have to|need to|must|(?:am )?about to)? ?do(?=\s*(?:[.!,]|$|x|tonight|next|soon))",
        # not NEGATABLE: in "don't be angry about what i'm about to do" the "don't" is theirs
        flags=ABOUT_SELF,
    ),
    rule(
        ("finality", CRISIS, 0.4, "asks them not to be angry with them ({phrase})"),
        r"(?:dont|do not|please dont|try not to) be (?:angry|mad|upset|cross|disappointed|sad)"
        r" (?:with|at|about) me(?! but| if)",
        flags=NEGATABLE,
    ),
    rule(
        ("ideation", CRISIS, 1.0, "says one thing is all that keeps them alive ({phrase})"),
        r"(?:the |my )?only (?:thing|one|reason|person) (?:stopping me|keeping me (?:here|alive)"
        r"|holding me (?:back|here))|(?:the |my )?only reason (?:im|i am) (?:still )?(?:here"
        r"|alive)(?=\s*(?:[.!,]|$|x|is|are))",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("burden", CRISIS, 1.0, "says they will not be a problem much longer ({phrase})"),
        r"(?:wont|will not|not going to|never going to|never) be (?:a|anyones|anybodys|your|their"
        r"|everyones) (?:problem|burden|worry|bother|nuisance)(?: for (?:you|anyone|them|everyone"
        r"|anybody))?(?: anymore| any more| again| much longer| for much longer| soon)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("absence", CRISIS, 0.6, "says this will be their last session ({phrase})"),
        r"(?:this(?:ll| will)? be|this is|its|thats) (?:my|our) (?:very )?last (?:session"
        r"|appointment|appt)(?! (?:before|until|till|for now|of the))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("hopelessness", CRISIS, 0.5, "says they give up ({phrase})"),
        r"(?:i )?(?:give|gave|giving) up(?=\s*(?:[.!,]|$|x|on (?:everything|life|myself|it all)))",
        flags=ABOUT_SELF | NEGATABLE | IDEATION | EVERYDAY,
    ),
    # Wanting to be with someone again is much worse when that someone has died.
    rule(
        ("loss", CRISIS, 0.2, "mentions a death ({phrase})"),
        r"since (?:we|i) lost|we lost (?:\w+|our \w+|my \w+)|lost (?:my|our) (?:\w+ )?(?:husband"
        r"|wife|son|daughter|baby|mum|mom|dad|brother|sister|partner|child|best friend)"
        r"|since (?:he|she|they|\w+) (?:died|passed)|anniversary of (?:\w+s |my \w+s |her |his )?"
        r"death|(?:my |our )?late (?:husband|wife|son|daughter|mum|mom|dad|partner)",
        flags=NEGATABLE,
    ),
    rule(
        ("intoxication", CRISIS, 0.3, "has been drinking or using ({phrase})"),
        r"(?:half|most of|nearly) (?:a|the) bottle(?: of \w+)?",
        flags=ABOUT_SELF,
    ),
    # --- not coming back, an armed or approaching abuser, a lethal amount ----------
    rule(
        ("absence", CRISIS, 0.6, "says they will not come to any more sessions ({phrase})"),
        r"(?:wont|will not|not going to|im not|i am not|wont be) (?:be )?(?:coming|attending"
        r"|turning up|showing up|booking)(?: to| in for)? (?:any more|anymore|again|any other"
        r"|another|any)(?: \w+)? ?(?:sessions?|appointments?)?(?! on \w+| at \d| in the"
        r" (?:morning|evening|afternoon)| before| until| till| this| next)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("finality", CRISIS, 0.6, "thanks them for the time together ({phrase})"),
        r"(?:thank you|thanks|thankyou) (?:so much )?for (?:\w+ ){0,3}(?:these|the) (?:past|last)"
        r" (?:\w+ )?(?:months|years|weeks)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("being_harmed", CRISIS, 0.6, "someone dangerous is coming or armed ({phrase})"),
        r"(?:hes|shes|theyve|theyre|he has|she has|they have) got (?:the|a|his|her|their)"
        r" (?:belt|stick|bat|poker|hammer|weapon|knife|gun|machete|crowbar)",
        r"(?:came|comes|coming|keeps coming|come) into my (?:room|bed|bedroom)(?: \w+)? (?:again"
        r"|at night|every night|last night|when)",
        r"(?:cant|cannot|can not) stay (?:here|at home|in this house|in the house)(?: anymore"
        r"| any longer| tonight)?(?=\s*(?:[.!,]|$))",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 0.4, "hears someone coming ({phrase})"),
        r"(?:hear|can hear|heard) (?:him|her|them|my \w+|his car|her car|the car) (?:coming|come)"
        r" (?:up|in|home|back|to|upstairs|downstairs|through|round)",
        flags=ACT,
    ),
    rule(
        ("finality", CRISIS, 1.0, "has given their pet away for good ({phrase})"),
        rf"(?:left|given|gave|rehomed|handed over|dropped off) (?:my|the"
        rf"|our) (?:\w+ )?{PETS_AND_THINGS}"
        r"(?: (?:with|to) (?:\w+ ){1,3})?(?:for good|permanently|forever|for keeps)",
        r"(?:give|have|gives) (?:him|her|them) a better (?:life|home)(?=\s*(?:[.!,]|$|than i))",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("intent", CRISIS, 1.0, "says they will fix things for everyone ({phrase})"),
        r"(?:fix|solve|sort|end) (?:it|this|everything|things|the problem) for (?:everyone"
        r"|everybody"
        r"|good|all of you|you all|them all)(?=\s*(?:[.!,]|$|x|tonight|soon|today|tomorrow|now))",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        ("burden", CRISIS, 0.6, "is tired of being a burden ({phrase})"),
        r"(?:tired|sick|sick and tired) of being (?:a|such a|the) (?:burden|problem|drain|nuisance)"
        r"(?! solver| solving| child)",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("plan", CRISIS, 1.0, "has looked up a lethal amount ({phrase})"),
        r"(?:the )?(?:dose|amount|number|height|how many|how much)(?: \w+)? (?:that|which|it)"
        r" (?:would|will|could|should|takes to|would take to) (?:do it|kill|be enough|be fatal"
        r"|be lethal|finish me)",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        (
            "means_at_hand",
            CRISIS,
            0.6,
            "went back to a place people go to end their lives ({phrase})",
        ),
        r"(?:drove|driven|went|walked|cycled|going|go|been|gone)(?: back)? (?:to|up to|out to|down"
        r" to) the (?:cliffs?|cliff top|clifftop|bridge|tracks|railway|level crossing|quarry"
        r"|viaduct"
        r"|river|canal|reservoir|dam|pier|sea wall|multi storey|car park roof)(?: again)?",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    rule(
        ("ideation", CRISIS, 0.6, "keeps looking at the drop or the water ({phrase})"),
        r"(?:looking|staring|looked|stared|gazing|peering) (?:at|down at|into|over) the (?:water"
        r"|drop|tracks|river|sea|edge|trains|traffic|ground below|road below)",
        flags=ABOUT_SELF | NEGATABLE | EVERYDAY,
    ),
    # --- general talk of death (weak; mostly here so idioms are shown as discounted) -
    rule(
        ("death_talk", CRISIS, 0.2, "talks about death or killing ({phrase})"),
        r"die|dying|dead|death|kill|killing|killed|murder|murdered",
    ),
    # --- said without a method word ----------------------------------------------------
    rule(
        ("self_harm", CRISIS, 1.0, "describes bleeding from an injury now ({phrase})"),
        r"(?:wrists?|arms?|legs?|cuts?) (?:are |is )?(?:still )?bleeding"
        r"|bleeding (?:rly |really |so |very |pretty )?(?:bad|badly|a lot|heavily)"
        r"|(?:wont|doesnt|will not|cant get it to) stop bleeding",
        flags=ACT,
    ),
    rule(
        ("intent", CRISIS, 1.0, "cannot say they are safe ({phrase})"),
        r"(?:cant|cannot|can not|dont think i can|not sure i can|couldnt) (?:promise|guarantee"
        r"|say|tell you)(?: that| you)? (?:im|i am|ill be|i will be|ill stay|i can (?:stay|keep"
        r" myself)) safe",
    ),
    rule(
        ("overdose", CRISIS, 1.0, "says they will take all of their pills ({phrase})"),
        r"(?:will|going to|gonna|im going to|i will|tonight i|plan to) take (?:them )?all"
        r"(?: of them)?(?=\s*(?:[.!,]|$))",
    ),
    rule(
        ("plan", CRISIS, 1.0, "a way to end their life by car ({phrase})"),
        r"(?:driving|drive|drove) (?:it |the car |my car )?(?:off|into) (?:the |a )?(?:edge|side"
        r"|wall|bridge|cliff|barrier|river|tree|top)|(?:thinking about|thought about) driving off",
        r"top (?:floor |level )?of (?:the|a) (?:parking (?:structure|garage|deck)|multi ?storey)",
    ),
    rule(
        ("command_hallucination", CRISIS, 1.0, "hears voices telling them to harm ({phrase})"),
        r"(?:theyre|they are|theyre still|its|it keeps|they keep|voices? (?:are|is|keep))"
        r" (?:telling|tellin|ordering) me to (?:hurt|kill|harm|stab|cut|hit)",
        flags=ACT,
    ),
    rule(
        ("being_harmed", CRISIS, 1.0, "is being kept from leaving ({phrase})"),
        r"(?:not|wont|doesnt|dont|will not|does not) let me (?:go|leave|out|get out)",
        flags=ACT,
    ),
)


# --------------------------------------------------------------------------
# Urgent signals: needs the therapist before the next session, no imminent risk
# --------------------------------------------------------------------------

URGENT_RULES: tuple[Rule, ...] = (
    rule(
        ("medication", URGENT, 1.0, "medication problem ({phrase})"),
        rf"ran out of (?:my )?(?:\w+ )?{MEDS}|run out of (?:my )?(?:\w+ )?{MEDS}",
        r"side[ -]?effects?",
        r"allergic reaction",
        rf"wrong (?:{MEDS}|dose|dosage)",
        rf"(?:stopped|stop|stopping|came off|coming off|come off|quit) (?:taking )?(?:my )?"
        rf"(?:\w+ )?{MEDS}(?: suddenly| cold turkey)?",
        r"cold turkey",
        r"\d+ ?mg instead of \d+ ?mg|(?:gave|given|dispensed|sent) me (?:the )?wrong",
        rf"off (?:my )?{MEDS}",
        r"(?:level|levels) (?:came back |is |are |was )?(?:high|too high|toxic)",
        r"(?:lithium|blood|drug|serum) levels? (?:came back|is|was|are)(?: at)? \d",
        r"wants? me to (?:stop|come off|change|reduce|switch)",
        rf"(?:havent|have not|not|didnt|did not) (?:taken|take|been taking|had) (?:my "
        rf"|any )?{MEDS}",
        rf"(?:cant|couldnt|can not|could not) (?:afford|get|pick up) (?:the |my )?{MEDS}",
        rf"(?:dose|dosage|{MEDS}) (?:is|are|feels|seems) (?:way )?too (?:much|strong|high|low)",
        r"brain zaps|withdrawals?",
        rf"{MEDS} (?:ran|run|have run|has run|running) out",
        rf"(?:missed|skipped|forgot|forgotten) (?:to take )?(?:my )?(?:\w+ )?(?:{MEDS}|doses?)",
    ),
    rule(
        ("medication", URGENT, 0.6, "medication change ({phrase})"),
        r"(?:dose|dosage) (?:is )?too (?:high|low)",
        r"(?:doubled|increased|upped|changed|lowered|halved|reduced|cut) (?:my )?(?:\w+ )?(?:dose"
        r"|dosage|meds|medication)",
        rf"(?:switched|changed|moved) (?:me )?(?:from|to|over|my) (?:\w+ )?(?:{MEDS}"
        rf"|\w+ to {MEDS})",
        r"crawling out of my skin|agitated|restless|cant sit still",
        rf"(?:{MEDS}) (?:are|is) (?:making|giving) me",
        r"(?:dark|suicidal|scary|weird|intrusive) thoughts (?:since|from|on) (?:the |my )?(?:new )?"
        r"(?:meds|medication|tablets|pills|dose)",
        rf"(?:since|after) (?:i )?(?:started|starting|start) (?:the )?(?:new )?{MEDS}",
        r"(?:should|can|could) i (?:keep taking|stop taking|be worried|stop|come off|stop them)",
        r"is (?:that|this|it) (?:common|normal|ok|a side effect)",
        r"(?:makes?|making|made) me (?:so |really |feel )?(?:sleepy|drowsy|sick|dizzy|shaky"
        r"|nauseous|numb|agitated|restless|foggy)",
        r"(?:is|are) (?:this|that|these) normal",
        r"is that normal",
        r"(?:do|should|can) i (?:take|have) (?:one|half|both|two|a half|another)(?: or)?",
    ),
    rule(
        ("medication", URGENT, 0.4, "mentions medication ({phrase})"),
        rf"(?:new|the|my) {MEDS}",
        MED_NAMES,
        r"zappy|zaps",
    ),
    rule(
        ("physical_symptom", URGENT, 0.4, "describes a physical reaction ({phrase})"),
        r"dizzy|shaky|shaking|jittery|vomiting|throwing up|swelling|swollen|blurry|rash|drowsy"
        r"|tremor|sleepy|nausea|nauseous"
        r"|spacey|cant feel my|heart (?:is )?(?:racing|pounding)",
    ),
    rule(
        ("panic", URGENT, 1.0, "is having a panic attack now ({phrase})"),
        r"(?:having|in the middle of|mid) (?:a |an |the )?(?:\w+ ){0,2}(?:panic|anxiety) attack",
    ),
    rule(
        ("panic", URGENT, 0.6, "panic ({phrase})"),
        r"panic attacks?|panicking|panicked|panicky",
        r"(?:cant|can not|cannot) (?:breathe|calm down|stop panicking)",
        r"freaking out|losing it|losing my mind",
        r"(?:worst|really bad) anxiety",
    ),
    rule(
        ("life_event", URGENT, 1.0, "recent bereavement ({phrase})"),
        r"(?:died|passed away|passed on|was killed|got killed) (?:this morning|last night|today"
        r"|yesterday|earlier|this afternoon|tonight)",
        r"(?:just )?(?:found out|got a call|heard) (?:that )?(?:my )?\w+ (?:has )?(?:died"
        r"|passed away)",
    ),
    rule(
        ("life_event", URGENT, 0.5, "bereavement ({phrase})"),
        r"died|passed away|funeral",
    ),
    rule(
        ("life_event", URGENT, 1.0, "acute life event ({phrase})"),
        # work, relationships
        r"lost my job|got fired|been fired|got sacked|made redundant|laid off|let go today",
        r"dumped me|got dumped|broke up with me|broken up with me|wants a divorce"
        r"|asked for a divorce|left with the (?:baby|kids|children)",
        r"(?:he|she|they|partner|husband|wife|boyfriend|girlfriend|bf|gf) (?:has |just |finally )?"
        r"(?:left me|moved out)",
        r"(?:cheating|cheated) on me|(?:has been|been|was|is) cheating",
        r"(?:girlfriend|boyfriend|partner|wife|husband|fiance|fiancee|she|he)(?: of \w+ \w+)?"
        r" (?:ended it|ended things|broke it off|called it off|called off)",
        # health of someone close
        r"in (?:the )?(?:hospital|a&e|icu|nicu|intensive care|the er|psych ward|emergency room)",
        r"(?:taken|rushed|admitted|sent|brought) (?:in|into|to) (?:the )?(?:hospital|a&e|icu"
        r"|intensive care|the er|psych ward|emergency room)",
        r"icu|nicu|ambulance|collapsed|sectioned|psych ward|resus",
        r"(?:weeks|months|days) to live|terminal|palliative|end of life care|hospice",
        r"(?:its|it is|might be|could be) cancer|diagnosed with",
        r"miscarriage|miscarried",
        r"(?:voices|paranoia|hallucinations|the visions) (?:came|are|have come|is|has come) back"
        r"|(?:hearing|seeing) (?:the )?(?:voices|things) again|(?:voices|paranoia|hallucinations)"
        r" (?:are|is) (?:getting )?(?:worse|louder|back)",
        r"called (?:999|911|112|an ambulance|the police)",
        r"(?:put|putting|having) (?:the|our|my) (?:\w+ )?(?:dog|cat|pet|horse|rabbit) (?:down"
        r"|to sleep)",
        # safety, housing, law
        r"(?:got|was|been|were) (?:assaulted|attacked|mugged|robbed|raped|sexually assaulted"
        r"|beaten up|spiked)",
        r"broken into|burgled|break in",
        r"evicted|eviction|\d+ days to (?:get out|leave|move out)",
        r"arrested",
        r"visa (?:was )?(?:refused|denied)|deport(?:ed|ation)?",
        # children
        r"ran away|run away|gone missing|is missing",
        r"social services|child protective|cps",
        r"expelled|excluded from school|suspended from (?:school|work)",
        r"(?:didnt|hasnt|not|havent) (?:bring|brought|return|returned) (?:them|the kids"
        r"|my kids|my son|my daughter|the children) back",
        # the client's own mental state
        r"manic|mania|(?:havent|not) slept (?:in|for) \d+ days",
    ),
    rule(
        ("life_event", URGENT, 0.6, "stressful event ({phrase})"),
        r"relapsed|relapse|(?:urges?|urge|craving|cravings) to (?:drink|use)"
        r"|drank (?:again|last night)",
        r"flashbacks?|pregnant|pregnancy|police",
        r"accident|seizure|stroke|heart attack|lump|test results|results (?:back|tomorrow)",
        r"she left|he left|thoughts (?:are )?racing",
        r"harass(?:ing|ed|ment)|stalking|texting me nonstop",
    ),
    rule(
        ("deadline", URGENT, 0.6, "time-sensitive deadline ({phrase})"),
        rf"by {DEADLINE_DAY}",
        rf"due (?:by )?{DEADLINE_DAY}",
        r"(?:hearing|tribunal|meeting|court|appointment|interview)(?: \w+){0,3}"
        r" (?:is )?(?:on )?tomorrow",
        r"need (?:your|the|a) (?:report|letter|statement) (?:for|by|before)",
        r"or (?:they|he|she|i|we|theyll|ill|itll|it) (?:will )?(?:deny|lose|loses|stop|stops|cancel"
        r"|refuse|go ahead|goes ahead|sanction|evict|cut)",
        r"or the (?:hearing|claim|case) ",
    ),
    rule(
        ("deadline", URGENT, 0.4, "legal, benefits or assessment matter ({phrase})"),
        r"court|hearing|tribunal|solicitor|lawyer|custody|appeal|disability assessment"
        r"|benefits?|claim|council|job ?centre|sanction|universal credit|housing|immigration"
        r"|home office",
    ),
    rule(
        ("contact_request", URGENT, 1.0, "cannot wait for the next session ({phrase})"),
        r"(?:cant|can not|cannot|dont think i can|not sure i can) wait (?:until|till|til)",
        r"(?:cant|can not|cannot|dont think i can|not sure i can) wait (?:for|to)"
        r" (?:our |the |my )?(?:next )?(?:session|appointment)",
        rf"(?:dont know|not sure) if i can make it (?:to|until|till) (?:{WEEKDAY}|next|our|the)",
    ),
    rule(
        ("contact_request", URGENT, 0.5, "asks for contact before the session ({phrase})"),
        r"(?:can|could) you (?:please )?(?:call|ring|phone) me",
        r"(?:please )?call me (?:today|back|asap|when you can)",
        r"(?:like|love|appreciate|get|have) a (?:quick )?(?:call|chat|ring)",
        r"(?:can|could|may) i (?:call|ring|phone) you",
        r"(?:can|could) we (?:talk|speak|chat) (?:today|before|soon|tonight|this week)",
        r"(?:need|have) to (?:talk|speak)(?: to (?:you|someone))?(?: soon| asap| today)?",
        r"before (?:our|the|next|my) (?:next )?(?:session|appointment|week)",
        rf"before {WEEKDAY}",
        r"(?:earlier|sooner|extra|emergency) (?:appointment|session)",
        r"need help",
    ),
    rule(
        ("distress", URGENT, 0.5, "is in acute distress ({phrase})"),
        r"falling apart|(?:a|such a|an absolute) (?:wreck|mess)|in shock|blindsided"
        r"|(?:cant|can not) (?:stop crying|stop shaking|think straight)|head is spinning"
        r"|(?:really|so) (?:not ok|struggling)|not ok|(?:feel|feeling) (?:so )?hopeless"
        r"|hopeless|rattled|shaken|shook up|traumatised|traumatized|barely holding|not coping"
        r"|cant cope|(?:falling|fall) to pieces",
        r"(?:i )?(?:dont|do not) know what to do|in pieces",
        r"(?:im|i am|really|so) (?:really )?scared",
    ),
    rule(
        ("bullying", URGENT, 1.0, "others are telling the client to kill themself ({phrase})"),
        r"(?:told|tell|tells|telling|said|say|says) me to (?:kys|kill myself|die|go die)",
    ),
)


# Needs that cannot wait for the session, read for what they need and by when. Each is an
# urgent rule with a plain reason; a time expression in the same sentence (``SOON_MARKERS``)
# adds ``TIME_BOUND_BONUS`` to a need, so "need the letter" is a deadline and "need the letter
# by friday" is urgent.
SOON_DAY = (
    rf"(?:today|tonight|tonite|tomorrow|tmrw|tmr|2moro|this (?:morning|afternoon|evening|week"
    rf"|weekend)|{WEEKDAY}(?:day)?|the weekend|end of (?:the )?(?:day|week|month))"
)
NEED_RULES: tuple[Rule, ...] = (
    rule(
        ("contact_request", URGENT, 1.0, "asks to be contacted soon ({phrase})"),
        r"(?:call|ring|phone|text) me (?:back )?(?:today|tonight|tomorrow|tmrw|asap|soon|now"
        rf"|please|pls|plz|when you can|if you can|b4 \w+|before {SOON_DAY})",
        r"(?:can|could) (?:we|i|you) (?:please )?(?:talk|speak|chat|meet|see you|call)"
        r" (?:soon|asap|sooner|before|this week|today|tomorrow|tmrw)",
        r"(?:squeeze|fit) me in|(?:any|a) (?:chance|way) (?:of |to )?(?:a call|talking|speaking"
        r"|seeing you|to talk|to speak|to see you)",
        r"(?:need|want|have) to (?:talk|speak) to you(?: soon| asap| today| before)",
        r"(?:please|pls|plz) (?:call|ring|phone|get back to me)",
        r"(?:earlier|sooner) than (?:our |my |the )?(?:next )?(?:session|appointment|\w+day)",
    ),
    rule(
        ("medication", URGENT, 1.0, "medication supply is running out ({phrase})"),
        rf"(?:down to|on) (?:my )?(?:the )?last (?:few |two |three |\d+ |couple (?:of )?)?"
        rf"(?:{MEDS}|doses?|days?)",
        rf"(?:running|run|ran) (?:low|short) (?:on|of) (?:my )?(?:\w+ )?{MEDS}",
        rf"(?:out of|no more|none of) (?:my )?(?:\w+ )?(?:{MEDS})",
        rf"(?:{MEDS}|refill|repeat) (?:expires?|expired|expiring|has expired|ran out|runs out"
        rf"|is due|was refused|got refused|denied|lapsed)",
        r"(?:pharmacy|pharmacist|chemist|gp|doctor|dr|prescriber|psychiatrist) (?:needs?"
        r"|wants? (?:a|an|your)|says? (?:they|it|i|you) need|said (?:they|it|i|you) need|wont"
        r"|will not|cant|cannot|didnt|hasnt|refused|is on holiday|is away|is off)",
        r"(?:needs?|need) (?:your|an?|the|a doctors?) (?:ok|okay|approval|sign off|signature"
        r"|authori[sz]ation|say so)",
        r"(?:recall|recalled|shortage|out of stock|backorder|backordered|on back ?order)"
        r"(?: of)?(?: my)?(?: \w+)?",
        r"(?:i have|ive got|i got|only|just) (?:\d+|one|two|three|four|five|a few|a couple)"
        r"(?: \w+)? (?:left|remaining)(?! over)",
    ),
    rule(
        ("medication", URGENT, 1.0, "a question about a dose or a medication effect ({phrase})"),
        rf"(?:took|taken|tkaen|take|had) (?:my |the |a )?(?:new )?(?:\w+ )?(?:dose|{MEDS}|it"
        rf"|them) twice",
        r"(?:double|doubled|extra) (?:dose|doses|up)|doubled up|by mistake",
        rf"(?:new|changed|higher|lower|different) (?:dose|dosage|{MEDS}) (?:is |are )?"
        rf"(?:making|giving|leaving|made)",
        r"(?:safe|ok|okay) to (?:take|mix|drink|drive|stop|skip) (?:it|them|my|the|with|on)",
        rf"(?:took|take|taken) (?:two|2|double|an extra|extra) (?:{MEDS}|doses?)(?: \w+){{0,3}}"
        r" (?:by mistake|instead of one|but (?:is|its|it is|should be) (?:only )?one)",
        r"(?:^|[.!?] )is (?:it |that |this )?(?:dangerous|bad|safe)\?",
    ),
    rule(
        ("medication", URGENT, 0.5, "asks whether something is safe ({phrase})"),
        r"(?:is|was) (?:that|this|it) (?:bad|dangerous|safe|ok to)",
    ),
    rule(
        ("paperwork", URGENT, 0.6, "paperwork that needs the therapist ({phrase})"),
        r"(?:sign|signature|signed|fill (?:in|out)|complete|write|send|need|needs|get|want|wants"
        r"|asked for|asking for|requesting|requested) (?:off )?"
        r"(?:the |a |my |this |that |your )?(?:\w+ )?(?:forms?|letter|paperwork|report"
        r"|statement|note|certificate|documentation|fmla|evidence)",
        r"(?:court|insurer|insurance|employer|work|school|college|university|uni|hr|benefits"
        r"|housing|landlord|lawyer|solicitor|dvla|tribunal|disability|visa) (?:\w+ )?(?:needs?"
        r"|wants?|asked|asking|requires?|deadline|letter|form|date|hearing)",
        r"(?:deadline|hearing|court date|due date)s?",
        r"(?:sick|fit|doctors) note|return to work|back to work (?:form|letter|meeting)",
    ),
    rule(
        ("discharge", URGENT, 1.0, "a hospital follow-up is due ({phrase})"),
        r"(?:discharged|released|let out|sent home|got out)(?: \w+){0,5}"
        r" (?:follow[- ]?up|see you|check in|within|in \d|in (?:a|two|three) (?:days|week))",
        r"(?:hospital|er|a&e|ward|crisis team|they|the doctors?|nurse)(?: \w+){0,2} (?:said|told"
        r" me|asked|wants?|want me) (?:to )?(?:\w+ ){0,2}(?:follow[- ]?up|see you|see my therapist"
        r"|book|contact you|call you)",
        r"follow[- ]?up(?: with (?:you|u|my therapist|a therapist))? (?:within|in) (?:\d+|a|one"
        r"|two|three|the next)",
        r"(?:see|seen|see me|see you|see u) (?:with)?in (?:\d+|a few|a couple of|two|three|2|3)"
        r"(?:-\d+)? days",
        r"(?:need|needs|want|wants|book|booking|schedule|arrange) (?:a |the |my )?follow[- ]?up",
    ),
    rule(
        ("discharge", URGENT, 0.6, "was recently in hospital ({phrase})"),
        r"discharged|(?:got|came) (?:out of|home from) (?:the )?(?:hospital|er|a&e|ward)"
        r"|follow[- ]?up appointment|crisis team",
    ),
    rule(
        ("acute_event", URGENT, 1.0, "acute event ({phrase})"),
        r"kicked (?:me )?out|thrown out|homeless|nowhere to (?:stay|sleep|go)",
        r"car crash|crashed (?:my|the|our) car|(?:was|were|been) in a (?:car )?(?:crash|accident)"
        r"|house fire|(?:got|been) hit by a",
        r"lost custody|(?:took|take|takes|taken) (?:the )?(?:kids|children|baby)",
        r"(?:wife|husband|partner|girlfriend|boyfriend|fiance|fiancee) (?:leave|leaves|left) me",
        r"(?:court|hearing|surgery|operation|biopsy|scan) (?:date )?(?:got |was |has been )?"
        r"(?:moved|brought) (?:up|forward)",
    ),
    rule(
        ("severe_symptom", URGENT, 1.0, "severe symptoms ({phrase})"),
        r"(?:havent|have not|not|barely|hardly) slept (?:since|in|for|at all)",
        r"(?:havent|have not|not) slept (?:more than|longer than|for more than) (?:an|a|one|\d+)"
        r" (?:hour|hours)",
        r"blacked out|black ?outs?|zon(?:e|ed|ing) out|watching myself|on autopilot"
        r"|not in my body|outside (?:of )?my body",
        r"(?:no sleep|not sleeping|without sleep|awake) (?:for|in|since) (?:\d+|two|three|four"
        r"|five|days|a week)",
        r"(?:\d+|two|three|four|five) (?:days|nights) (?:without|with no) sleep",
        r"dissociat\w*|(?:feel|feels|feeling|everything (?:is|feels)) (?:so )?(?:unreal|fake"
        r"|like a dream|far away|not real)|out of my body|losing time"
        r"|lost (?:\d+ )?(?:hours|hrs|time)",
        r"bing(?:e|ed|eing|ing)|purg(?:e|ed|ing)|making myself (?:sick|throw up|vomit)"
        r"|throwing up after (?:eating|meals|food)",
        r"(?:havent|have not|not) (?:eaten|eating|eat)(?: anything| much| properly)? (?:in|for"
        r"|since) (?:like )?(?:\d+|days|two|three|four|five)",
        flags=NEGATABLE,
    ),
)
URGENT_RULES = URGENT_RULES + NEED_RULES

# "today", "by friday", "within 48 hours", "before the weekend", "this week": a need with one
# of these in its sentence is time-bound (``TIME_BOUND_BONUS``).
SOON_MARKERS: tuple[str, ...] = (
    rf"(?:by|before|until|till|til|b4|due|on) (?:this |next |the )?{SOON_DAY}",
    r"today|tonight|tonite|tomorrow|tmrw|asap|urgently|this week|right away|straight away",
    r"(?:within|in the next|in) (?:\d+|one|two|three|a few|a couple of|24|48|72)(?:-\d+)?"
    r" ?(?:hours|hrs|days|working days)",
    r"(?:by|before) (?:the )?(?:\d+(?:st|nd|rd|th)?|end of|deadline)",
    r"(?:first thing|this morning|this afternoon|this evening|soon as (?:you )?can)",
)
# Signals that are a need the therapist can act on; a time expression makes them urgent.
# Only a need of weight TIME_BOUND_MIN_WEIGHT or more is raised ("my new prescription" is not).
TIME_BOUND_NEEDS = frozenset(
    {"contact_request", "medication", "paperwork", "discharge", "acute_event", "severe_symptom"}
)
TIME_BOUND_BONUS = 0.5
TIME_BOUND_MIN_WEIGHT = 0.5
# The client says it can wait: paperwork and requests for contact then do not make a
# message urgent (symptoms, medication and events still do).
NO_RUSH_MARKERS: tuple[str, ...] = (
    r"no rush|no hurry|not urgent|whenever (?:you|is)|when(?:ever)? you get (?:a )?(?:chance|time"
    r"|a minute)|(?:it|this|that) can wait",
    r"(?:at|in) (?:our|the|my) next session",
)
NO_RUSH_SIGNALS = frozenset({"paperwork", "contact_request", "deadline"})


# --------------------------------------------------------------------------
# Clinical and logistics signals (decide between "can wait" and "admin")
# --------------------------------------------------------------------------

CLINICAL_RULES: tuple[Rule, ...] = (
    rule(
        ("therapy_content", CLINICAL, 0.4, "talks about feelings or reflections ({phrase})"),
        r"feel|feeling|feelings|felt|(?:i )?think|thinking|thought|realised|realized|noticed"
        r"|reflecting|wondering|remember|memories",
        r"angry|anger|sad|sadness|anxious|anxiety|lonely|alone|guilty|guilt|jealous|proud"
        r"|stressed|stress|stressful|flat|unmotivated|irritable|cry|cried|crying|hopeful|afraid"
        r"|ashamed|shame|scared|fear|grief|loss|hurt|upset|happy|nervous|worried|confused"
        r"|overwhelmed|exhausted|tired|low|numb|empty|calmer|better|progress|judged",
        r"dream|dreams|nightmare|homework|exercise|exercises|journal|journaling|diary"
        r"|thought record|breathing|grounding|exposure|mindfulness|meditat\w*|self-compassion"
        r"|boundaries|avoiding|comparing",
        rf"my {FAMILY}|my ex|my boss|my manager|my therapist|my friend",
        r"talk about|talked about|talking about|bring (?:it |this )?up|explore|work on|in session"
        r"|good day|good week",
    ),
)

LOGISTICS_RULES: tuple[Rule, ...] = (
    rule(
        ("scheduling", LOGISTICS, 0.6, "scheduling ({phrase})"),
        r"reschedule|rebook|re-book|cancel|cancell?ation|move (?:my |our |the |next )?"
        r"(?:session|appointment|appt|\w+day)|move next \w+|switch to|change my appointment",
        r"(?:book|booked) (?:in|an|a)|appointment|appt|slots?|availability|available"
        r"|still on for|see you (?:then|at|on|next|tomorrow)|works for me|\w+ works\b",
        r"(?:running|be|bit|mins?|minutes) late|late (?:sorry|today)",
        r"miss (?:today|tomorrow|the session|our session|my appointment|next week|this week"
        r"|\w+days?)",
        r"(?:ill )?be there in|on my way|omw|just arrived|im here|im outside",
        r"(?:wont|will not|cant|cannot) (?:be at|make|come to|attend) (?:\w+s |the |our |my "
        r"|next )?"
        r"(?:session|appointment|appt)|back (?:on|from) the \d+(?:st|nd|rd|th)?|see you in (?:jan"
        r"|feb|mar|apr|may"
        r"|jun|jul|aug|sep|oct|nov|dec)\w*|picked up (?:my )?(?:prescription|meds|\w+ from the"
        r" pharmacy)|pharmacy|all good",
        r"(?:wont|will not|cant) (?:be there|make it) (?:next|this|on|tomorrow|today)",
        r"(?:were|be|im) away|on holiday|back the week after|door (?:is )?locked|let me in|buzzer",
        r"pause sessions|fortnightly|every other week|standing slot|extra session"
        r"|phone sessions?|video(?: session)?|in person|zoom|link",
        r"(?:can|could) we (?:do|start|move|switch|make it)|instead of|earlier on"
        r"|\d(?:am|pm)\b|\d:\d\d|at \d|are you open|open (?:on|over)|christmas|bank holiday",
        r"(?:first|next|the) session|sessions",
    ),
    rule(
        ("billing", LOGISTICS, 0.6, "billing or payment ({phrase})"),
        r"invoices?|receipt|pay|paid|payment|charged|card|declined|bank transfer|cash|fee|fees"
        r"|price|cost|how much|superbill|hsa|insurance|insurer|member id|diagnosis code"
        r"|discount|upfront|£\d+|\$\d+|tax",
    ),
    rule(
        ("admin", LOGISTICS, 0.6, "forms or admin ({phrase})"),
        r"forms?|portal|consent|address|park|parking|entrance|lift|building|office|waiting room"
        r"|email|phone number|on file|questionnaire|session notes|copy of|records|resend|send me"
        r"|drop me off|bring anything|door code|is there a code|letter saying|postcode|zip code"
        r"|moved house|new address|wrong number|battery|no signal|stuck in traffic|\d+ mins"
        r"|the week after|leave (?:me )?a message|voicemail|booking|(?:will|ill) (?:text|message"
        r"|call)"
        r" (?:you )?(?:later|back)",
        r"^(?:ok|okay|great|perfect|cool|lovely|brilliant|sure)?\W*(?:thanks|thank you|thx|cheers"
        r"|got it|no problem|noted|will do|sounds good|thank u|thanku|ty|tysm|thnx|gracias"
        r"|merci|danke|obrigad[oa])\W*(?:got it|see you|x+)?\W*$",
        r"^\W*(?:k|kk|ok|oky|okey|okay|okie|okk|confirmed|received)\W*$",
        r"(?:\d+|five|ten) ?(?:min|mins|minutes) away|parked (?:out front|outside)|(?:im )?here"
        r",? parked",
    ),
    rule(
        ("scheduling", LOGISTICS, 0.6, "scheduling ({phrase})"),
        rf"(?:see|c) (?:u|ya|you) (?:on |next |this )?(?:{WEEKDAY}(?:day)?|tmrw|tomorrow|soon"
        r"|then|later|next week)",
    ),
)


# --------------------------------------------------------------------------
# Modifiers
# --------------------------------------------------------------------------

# Words that cancel a risk phrase when they come just before it in the same clause.
# fmt: off
NEGATORS = frozenset({
    "not", "never", "no", "dont", "didnt", "wont", "wouldnt", "cant", "cannot", "isnt",
    "arent", "aint", "stopped", "havent", "hasnt", "nor", "without", "nothing",
})
# fmt: on
NEGATION_WINDOW = 4  # tokens before the phrase
# A negation does not reach across these: "stopped eating and i have the pills".
NEGATION_SCOPE_ENDS = frozenset({"and", "so", "then", "because", "cause", "cos", "coz"})
# "can't stop thinking about killing myself" - the negator belongs to something else.
NEGATION_BREAKERS = frozenset(
    {"stop", "help", "know", "care", "sleep", "wait", "breathe", "feel", "see", "move", "remember"}
)
# "I don't feel like hurting myself": after "feel", these words keep the negation (while
# "can't feel my hands" is about something else).
FEEL_NEGATED = frozenset({"like", "that", "as"})
# A question asked in theory, about a thought (never an act or a plan), before the thought in
# its sentence: "hypothetically, is it normal to think about wanting to die".
# The strongest of these also discount talk of an act (self-harm talked about, not done):
# "hypothetical question: if I ever started hurting myself again, how would I know".
HYPOTHETICAL_STRONG = r"hypothetical(?:ly)?|in theory|theoretically"
HYPOTHETICAL_MARKERS: tuple[str, ...] = (
    r"hypothetically|in theory|theoretically|(?:is it|is that) normal (?:to|that|for)"
    r"|do (?:other )?people (?:ever|sometimes)|does (?:anyone|everyone) (?:ever|else)",
)
# "I can't promise I won't hurt myself" - a hedged negation is not a safety statement.
NEGATION_DOUBTERS = frozenset({"promise", "sure", "guarantee", "whether", "maybe", "might"})

# The client says they will not act. Discounts ideation only when nothing else
# (method, plan, timing, an act in progress) points to danger.
SAFETY_STATEMENTS: tuple[str, ...] = (
    r"(?:would|d|will|ll)? ?never (?:act on|do anything about) (?:it|them|those|the thoughts)",
    r"(?:not|wont|never) (?:going to )?act(?:ing)? on (?:it|them|those|the thoughts)",
    r"(?:dont|do not) (?:want|plan|intend|mean) to act on (?:it|them|those|the thoughts)",
    r"no (?:plans?|intent|intention)(?: to)?",
    r"(?:not|wont|never) (?:going to )?do anything (?:silly|stupid|dangerous)",
    r"(?:i know |i promise )?(?:im|i am) safe",
    r"not in (?:any )?danger",
    r"just venting|only venting|just need(?:ed)? to vent",
    r"(?:its|it has|it) passed(?: now)?",
    r"(?:i|ive) (?:dont|do not) (?:want to|wanna) die",
    r"(?:but )?(?:i )?(?:would|d) never (?:do it|do that|actually do it|actually do that)"
    r"|i never would|i wouldnt (?:actually|really) do (?:it|that)",
    r"not literally|obviously not (?:literally|serious|for real)|i dont mean (?:it )?literally",
)

# History: the risk belongs to the past. Overridden by RECENCY in the same clause.
HISTORY_MARKERS: tuple[str, ...] = (
    r"used to",
    r"in the past|(?:id|i would|i might|would) have(?! to)",
    r"when i was(?: \w+){0,2}",
    r"when we were",
    r"back in",
    r"(?:\d+|a few|few|many|some|two|three|several) (?:years|months) ago",
    r"years ago|months ago|years back|long time ago|a while ago|ages ago",
    r"last (?:year|yr|month|summer|winter|spring|autumn|fall)",
    r"in (?:college|uni|university|school|high school|my teens|my twenties|my 20s)",
    r"as a (?:teen|teenager|kid|child)",
    r"in (?:19|20)\d\d",
    r"havent (?:since|in)",
    r"(?:its|it has) passed",
    r"doing (?:so )?much better now",
    r"(?:dont|do not) anymore",
)
RECENCY_MARKERS: tuple[str, ...] = (
    r"again",
    r"last night",
    TONIGHT,
    r"today",
    r"this (?:morning|afternoon|evening|week)",
    r"right now|rn|now",
    r"yesterday",
    r"just",
)
# "It happened today": makes urgent evidence (a loss, a panic attack) time-sensitive.
EVENT_RECENCY_MARKERS: tuple[str, ...] = (
    r"last night|yesterday|this (?:morning|afternoon|evening)|earlier today",
    TONIGHT,
    r"today|just now|right now|rn",
    r"(?:an?|one|two|\d+) (?:hour|hours|mins?|minutes) ago",
    r"just (?:found out|got|heard|had|been|happened|came)",
)

# Third-party acts stay crisis when they are happening now.
IMMEDIACY_MARKERS: tuple[str, ...] = (
    r"right now|rn|now",
    r"just",
    r"(?:an?|one|two|\d+) (?:hour|hours|mins?|minutes) ago",
    TONIGHT,
    r"(?:isnt|not|wont) (?:answering|breathing|waking up|responding)",
    r"unconscious|what do i do",
)

SELF_SUBJECTS = frozenset({"i", "im", "ive", "id", "ill", "me", "myself"})
# fmt: off
THIRD_PARTY_SUBJECTS = frozenset({
    "he", "she", "they", "hes", "shes", "theyre", "theyve", "hed", "shed", "theyd", "friend",
    "friends", "sister", "sisters", "brother", "brothers", "mum", "mums", "mom", "moms",
    "mother", "dad", "dads", "father", "cousin", "cousins", "uncle", "aunt", "son", "sons",
    "daughter", "daughters", "partner", "partners", "husband", "wife", "boyfriend",
    "girlfriend", "bf", "gf", "colleague", "coworker", "neighbour", "neighbor", "someone",
    "somebody", "people", "guy", "girl", "man", "woman", "kid", "kids", "child", "student",
    "classmate", "roommate", "flatmate",
})
# fmt: on
# "my friend said she wants to die and so do i" - the client joins in.
SELF_INCLUSION = r"so do i|me too|same here|i do too|i feel the same|and so am i|so am i"

# Talking about a story, not about themself.
MEDIA_MARKERS = (
    r"(?:article|documentary|film|movie|show|series|book|news|podcast|episode|song|video|scene"
    r"|novel)(?: \w+){0,3} (?:about|where|in which)|character|protagonist"
    r"|(?:in|on) (?:the|my|a) (?:book|film|movie|show|series|episode|news|game)|on tv"
    r"|(?:had|have|having) (?:a|this|the same|that) (?:\w+ )?(?:dream|nightmare)|dreamt|dreamed"
)


# Figures of speech: a risk word inside one of these is not risk. ``needs_laughter``
# idioms only count when the message also laughs it off ("lol", "haha").
@dataclass(frozen=True)
class Idiom:
    pattern: str
    needs_laughter: bool = False


WORK_ROLES = r"(?:boss|manager|teacher|coach|supervisor|lecturer|tutor|editor|landlord)"
FAMILY_ROLES = r"(?:mum|mom|mam|mother|dad|father|sister|brother|gran|nan|wife|kids|parents)"
FIGURES_OF_SPEECH: tuple[Idiom, ...] = (
    Idiom(r"(?:is|was|s|are|been) (?:absolute |an absolute |total |pure |actual )?murder"),
    Idiom(r"could (?:kill|murder) (?:for|a)"),
    Idiom(r"dying (?:to|for|of)"),
    Idiom(
        rf"(?:my )?{WORK_ROLES}(?:s)? (?:will|would|is going to|is gonna|gonna|going to|ll|d)"
        r" (?:literally |actually )?(?:kill|murder) me"
    ),
    Idiom(
        rf"(?:my )?{FAMILY_ROLES}(?:s)? (?:will|would|is going to|is gonna|gonna|going to|ll|d)"
        r" (?:literally |actually )?(?:kill|murder) me",
        needs_laughter=True,
    ),
    Idiom(r"(?:said|says) (?:shed|hed|she would|he would) (?:kill|murder) me", True),
    Idiom(
        r"(?:this|the|that|it|its|work|traffic|train|weather|heat|commute|app|presentation"
        r"|meeting|exam|deadline|wait|queue|my \w+) (?:\w+ )?(?:is|s|was|are"
        r"|re) (?:\w+ )?killing me"
    ),
    Idiom(r"killed it|killing it|kill it at"),
    Idiom(r"dead (?:tired|serious|on|end|inside|beat|easy|good|set)"),
    Idiom(r"(?:scared|bored|sick|worried|tickled) to death|to death of"),
    Idiom(r"so (?:bored|embarrassed|happy|tired|hungry) i could (?:die|cry)"),
    Idiom(r"(?:bored|embarrassed) i could die"),
    Idiom(r"(?:id|i would|i had) rather die than"),
    Idiom(r"the death of me"),
    Idiom(
        r"(?:die|died|dying|nearly died|almost died) (?:laughing|of (?:boredom|embarrassment"
        r"|laughter|shame|cringe))"
    ),
    Idiom(r"to die for"),
    Idiom(r"kill (?:time|the vibe|the mood|the lights|the engine|two birds)"),
    Idiom(r"killer (?:workout|heels|headache|app|view)"),
    Idiom(r"(?:makes?|making|made) me want to die", needs_laughter=True),
    Idiom(r"i want to die(?= (?:lol|haha|lmao))", needs_laughter=True),
    Idiom(r"(?:hang|hung|hanging) (?:out|on|in there|up)"),
    Idiom(
        r"(?:cut|cuts|cutting) (?:back|down|ties|corners|class|out|off|it out|my hair|the grass"
        r"|in line|the cord|someone off|people off|my losses)"
    ),
    Idiom(r"cut (?:myself|my finger|my hand) (?:shaving|cooking|chopping|on)"),
    Idiom(r"cross that bridge|bridge (?:the |that )?gap|bridge metaphor"),
    Idiom(r"shoot me (?:a|an) (?:text|email|message)|bullet points?|pull the trigger on"),
    Idiom(r"bitter pill|pill to swallow|chill pill"),
    Idiom(r"over my dead body"),
    Idiom(
        r"end (?:it|things) with (?:him|her|them|my \w+|(?!(?:pills|tablets|meds|a|an|the|my|rope"
        r"|knife|vodka|everything|it|all|some|this|that|one)\b)\w+)"
    ),
    Idiom(r"catch(?:ing)? the bus (?:to|home|into|back|from|at|in|and|so|there|today|instead)"),
    Idiom(r"i could die\W+(?:lol|haha)", needs_laughter=True),
    # exasperation, laughed off: "ugh i want to die, i sent it to the whole company haha"
    Idiom(
        r"(?:ugh|omg|oh god|oh my god|lord|kill me now) (?:i )?(?:want to|could|wanna) die", True
    ),
    Idiom(r"(?:id|i would) (?:\w+ )?rather (?:be dead|die) than", True),
    Idiom(
        r"(?:makes?|making|made) me want to (?:stab|kill|punch|strangle|murder|hit|throttle)"
        r" (?:\w+ )?(?:someone|somebody|him|her|them|everyone|people)",
        True,
    ),
    # slang at a trivial annoyance, laughed off: "kms this traffic is insane 😂"
    Idiom(
        r"(?:kms|kys|kill me|end me|i want to die)\W+(?:this|the|these|that|my) \w+(?: \w+)?"
        r" (?:is|are|was|has|have|keeps|wont)\b",
        True,
    ),
    Idiom(r"on the (?:roof|bridge) of (?:my|the) (?:mouth|nose)"),
    Idiom(r"train tracks? (?:were|are|was|is) (?:closed|delayed)"),
    Idiom(r"drop dead|dead to me|deadline|deadlines"),
    Idiom(r"(?:my )?(?:feet|back|legs|head) (?:are|is) killing me"),
    Idiom(r"blood (?:test|tests|results|work|pressure|sugar)"),
    Idiom(r"(?:hurt|hurts) me (?:when|that|to)"),
    Idiom(r"let (?:this|it|that|them|him|her) (?:beat|get to|kill|break) me|beat me (?:to it|at)"),
    Idiom(r"bye for now|see you on the flip side"),
    Idiom(r"(?:get|getting|got|be|keep|stay) in (?:touch|contact)"),
    Idiom(
        r"(?:said|say|saying|says) (?:goodbye|bye) to (?:my|the|our|his|her) (?:old "
        r"|lovely )?(?:flat"
        r"|house|home|job|car|school|office|team|colleagues|hair|city|town|twenties|youth|students"
        r"|class|garden|neighbours|bike|dog walker|uni|university|childhood home)"
    ),
    Idiom(r"(?:killing|killed|kill) (?:some )?time"),
    Idiom(
        r"(?:phone|battery|laptop|charger|car battery|plant|plants)(?: is| s)? (?:dying|dead|died)"
    ),
    # hyperbole about an annoyance, laughed off: "if i have to sit through one more meeting
    # i'll throw myself out the window haha"
    Idiom(r"if i (?:have to|hear|see|get|do) (?:\w+ ){0,4}(?:one more|another)\b[^.!?\n]*", True),
    Idiom(
        r"(?:giving|gave|give) away (?:some|a few|old|a couple of|my old)(?: \w+)? (?:clothes|books"
        r"|toys|stuff|things|furniture)"
    ),
    Idiom(
        r"(?:burned|burnt|cut|scalded) my (?:hand|finger|fingers|thumb|arm) (?:cooking|on the"
        r"|while|at work|chopping|shaving|ironing|baking)"
    ),
)
# Plans to be in touch again, or finishing therapy, explain a weak "goodbye"
# ("thanks for everything, see you next week"). Strong goodbyes are never discounted.
FUTURE_PLANS: tuple[str, ...] = (
    rf"see you (?:next \w+|on \w+|then|at \d+|tomorrow|soon|in \w+|after \w+|{WEEKDAY})",
    r"(?:back|home|returning) (?:on|by|from|next|after) (?:the )?\w+",
    rf"(?:talk|speak) (?:to you )?(?:next week|soon|on \w+|tomorrow|then|{WEEKDAY})",
    r"(?:will|ill) (?:message|text|email|update) (?:you )?(?:after|when|next|on)",
    r"(?:our |the )?next session|after the holiday|when i get back|when im back",
    r"(?:finish|finishing|end|ending|stop|stopping|wrap up|wrapping up) (?:therapy|our sessions"
    r"|sessions|treatment|our work)|(?:our|my|the) last session (?:before|until|till|for now"
    r"|of the (?:year|term|block))|ready to finish",
)

# An ordinary reason that explains an everyday action (``EVERYDAY`` rules): what the rope
# is for, why the will was updated, why the session is not needed.
EVERYDAY_REASONS: tuple[str, ...] = (
    # what it is for
    r"for (?:the |my |a |our |his |her |some )?(?:climbing|climb|camping|camp|hiking|hike|bbq"
    r"|barbecue|barbie|garden|gardening|allotment|boat|sailing|tent|swing|washing line|shed|diy"
    r"|horse|project|costume|play|wedding|party|trip|holiday|house move|removals?|van|gym|class"
    r"|course|craft|crafts|art|cleaning|fishing|beach|festival|tree ?house|hammock|scouts"
    r"|guides|bouldering|abseiling)",
    # life admin with an obvious reason
    r"(?:bought|buying|buy|sold|selling|moved|moving|new) (?:a |the |our |my )?(?:house|flat"
    r"|home|place)|mortgage|house move|moving out|moving in|new job|getting married|got married"
    r"|wedding|(?:had|having) a baby|new baby|baby is due|retire|retirement|pension"
    r"|solicitor (?:said|suggested|told|advised)|adulting|life admin|everyone should"
    r"|baby (?:was |is )?born|(?:since|after) (?:the|our|my) (?:baby|wedding|divorce|move)"
    r"|divorce",
    # away, or the schedule changed
    r"(?:im|i am|were|we are|ill be|i will be|going|be|well be|been|hes|shes|theyre|he is|she is"
    r"|they are) (?:away|abroad|travelling"
    r"|traveling)|on holiday|on vacation|on a trip|going on holiday|(?:get|be|keep) in touch"
    r"|when (?:im|i am|i get"
    r"|we get) back|after (?:the|my) (?:holiday|trip)",
    r"after all|(?:my )?(?:shift|shifts|rota|schedule|timetable|hours) (?:changed|change|has"
    r" changed|moved|clash)|(?:got|have) (?:a )?(?:clash|conflict)|instead|(?:cant|cannot)"
    r" afford|too expensive|(?:found|got|have) (?:a |another )?(?:new )?(?:therapist|counsellor"
    r"|service)|(?:discharged|finished|finishing|ending|end) (?:therapy|treatment|our sessions)"
    r"|until (?:i know|i find out|i hear|i get|we know)|(?:my )?rota|(?:because|cos|cause|as)"
    r" (?:im|i am|ill be|i will be|i might be|i may be) (?:driving|at work|working|busy|in a"
    r" meeting|in class|asleep|on shift|out|away|travelling)",
    # clearing out, selling on
    r"declutter\w*|clear(?:ing|ed)? out|spring clean\w*|outgrown|grew out of|kondo\w*|car boot"
    r"|ebay|vinted|facebook marketplace|(?:never|dont|didnt) (?:use|wear|play|ride) (?:it|them)",
    # saying what was finished ("i'm done! finished the worksheet")
    r"(?:finished|completed|handed in|submitted|sent off) (?:the|my|all|it|that|off)",
    # therapy homework
    r"like (?:we|you) (?:discussed|suggested|said|talked about)|as (?:we|you) (?:discussed"
    r"|suggested|said|agreed)|(?:for|as) (?:my |the |our )?homework|unsent letter|letter exercise",
    # everyday accounts
    r"netflix|wifi|wi fi|spotify|disney|amazon prime|streaming|iplayer|youtube|xbox|playstation"
    r"|router",
    # someone else died (funeral plans), moving into care, litters, swimming, garages
    r"(?:died|passed away|passed on|funeral of|late (?:mum|mom|dad|nan|gran|husband|wife"
    r"|brother|sister))|(?:nans|grans|grandads|grandmas|grandpas|mums|dads|uncles|aunts"
    r"|aunties|friends) funeral",
    r"care home|nursing home|kittens|puppies|litter|(?:found|find|finding) (?:\w+ )?homes"
    r"|swim|swimming|paddle\w*|wild swim\w*|surf\w*|kayak\w*|fishing",
    r"weights|workout|band practice|drums?|fixing|tinkering|working on (?:the|my) (?:car|bike)"
    r"|half term|school holidays|(?:the )?(?:christmas|easter|summer) (?:break|holidays)"
    r"|back (?:on|in|from|next|after) (?:the )?\w+",
    # ordinary bleeding, one-off changes
    r"nose ?bleeds?|(?:my )?nose|period|dentist|tooth|teeth|shaving|cooking|chopping|fell (?:over"
    r"|off)|tripped|eating|lunch|this time|(?:the )?(?:gp|doctor|pharmacy|pharmacist) (?:sorted"
    r"|did|has|is|said)",
    # handing down outgrown things, detoxes, done with something named
    r"baby (?:clothes|stuff|things|toys)|kids clothes|outgrown|now that (?:she|he|they)(?:s| is"
    r"| are)? \d|detox|digital detox|break from (?:social media|my phone|screens)|for a (?:bit"
    r"|while)|dosette|pill organi[sz]er|blister packs?|pharmacy|chemist",
    r"done with (?:him|her|them|that|the \w+|my (?:ex|job|boss|landlord|course|degree|exams?)"
    r"|this (?:job|relationship|place|course|diet|week))",
    r"(?:before|over|after|during) the (?:holidays|break|weekend|summer|bank holiday)|have a"
    r" (?:lovely|good|nice|great|merry|happy) (?:christmas|holiday|break|weekend|summer|easter"
    r"|new year)",
    r"(?:to|at|going to) (?:the|a|this|that) (?:party|meeting|wedding|dinner|do|event|gathering"
    r"|drinks|reunion|work do|night out|class|group)",
    # goodbyes at a departure, calm from coping, an exam that will be over
    r"airport|(?:train |bus )?station|leaving (?:do|party|drinks)|farewell party|going away"
    r"|send off|funeral|hospice|are you outside|pick (?:me )?up|(?:my|the) (?:lift|taxi|uber"
    r"|cab)",
    r"exercises?|breathing|meditat\w*|mindfulness|grounding|yoga|(?:since|now that|now) i(?:ve)?"
    r" (?:stopped|started|quit|cut|finished|switched|began)|(?:meds|medication|tablets) (?:are|is)"
    r" (?:working|helping)",
    r"before (?:the|my) (?:surgery|operation|op|trip|flight|move|travels)|fixed (?:the|my) \w+"
    r"|new (?:contract|lease|tenancy)|contract (?:starts|ends)|lease (?:starts|ends)"
    r"|(?:can|could) we (?:switch|move|change|do|make it)|work all day|work long hours"
    r"|(?:has|have) (?:a|the) (?:garden|space)|more space|allerg\w+|no pets"
    r"|ducks|picnic|the view|sunset|walking|a walk|dog walk|cycling|bike ride|jog|jogging"
    r"|builders|building work|roadworks|the noise|once the \w+ (?:finish|finishes|leave|leaves"
    r"|stop|stops)"
    r"|once (?:the|my|this) \w+ (?:is|s) (?:done|over|finished)|after (?:the|my) (?:exams?|test"
    r"|interview|operation|surgery|hearing|court case|deadline)",
    # hobbies and jobs that use the same things
    r"clay (?:pigeon )?shooting|shooting (?:range|club)|gun club|hunting|farm|farmer"
    r"|pest control|gamekeeper",
)
# An upbeat message explains weak ``EVERYDAY`` hits ("im done!! celebrating tonight").
UPBEAT_MARKERS: tuple[str, ...] = (
    r"celebrat\w*|yay+|woo+|wooh+o+|hooray|so excited|really excited|(?:cant|cannot) wait to"
    r" (?:see|go|start|tell|show|meet|get)|nailed it|passed (?:my|the)|(?:he|she|they) loves? it"
    r"|made (?:his|her|their) day|(?:a |such a )?(?:good|lovely|great|beautiful|relaxing) day"
    r"|so nice|really nice",
    "\U0001f389|\U0001f973",  # party popper, party face
)

# Someone else's risk: the client may need support soon (urgent). Goodbyes, arrangements or
# timing about someone else are not risk on their own.
THIRD_PARTY_RISK_SIGNALS = frozenset(
    {
        "ideation",
        "intent",
        "plan",
        "overdose",
        "self_harm",
        "means_at_hand",
        "burden",
        "harm_to_others",
        "command_hallucination",
    }
)

# ... unless it is habitual or playful talk ("my son keeps saying kms when he loses at
# fortnite", "my friend jokes about it"), which can wait for the session.
THIRD_PARTY_NOT_SERIOUS: tuple[str, ...] = (
    r"(?:keeps|always|constantly) (?:saying|joking|jokes|says)|says (?:it|that) all the time"
    r"|(?:joking|jokes|joke|joked) about|as a joke|just how (?:she|he|they) talks?",
    r"when (?:he|she|they) (?:loses?|lost|dies in|gets? killed in)|gaming|fortnite|minecraft"
    r"|roblox|xbox|playstation|video games?",
)

# Weak farewells and weak talk of not being around are explained by plans to be in touch.
FUTURE_DISCOUNTED = frozenset({"finality", "absence"})

# Someone else said it to the client ("kids at school keep telling me to kys").
REPORTED_SPEECH: tuple[str, ...] = (
    # someone else's post or words quoted by the client
    r"(?:she|he|they|my \w+|someone|people|\w+)(?: \w+)? (?:posted|tweeted|captioned|commented"
    r"|wrote on|put on|put up|shared)[^.!?\n]{0,60}",
    r"(?:told|tell|tells|telling|said|say|says) me to (?:kys|kill myself|die|go die)",
)

LAUGHTER = r"lol|lmao|lmfao|haha\w*|hehe\w*|rofl|jk|\bjoking\b|\U0001f602|\U0001f923"

# Text-speak read as plain English before matching (token -> replacement).
SLANG_EXPANSIONS = {
    "gonna": "going to",
    "gunna": "going to",
    "wanna": "want to",
    "tryna": "trying to",
    "gotta": "got to",
    "u": "you",
    "ur": "your",
    "cuz": "because",
    "coz": "because",
    "2day": "today",
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomoz": "tomorrow",
    "pls": "please",
    "plz": "please",
    "dunno": "dont know",
    "idk": "i dont know",
    "ppl": "people",
    "every1": "everyone",
    "some1": "someone",
    "b4": "before",
    "thx": "thanks",
    "abt": "about",
    "rly": "really",
    "srsly": "seriously",
    # common misspellings of words the rules rely on
    "hav": "have",
    "redy": "ready",
    "rdy": "ready",
    "pils": "pills",
    "pillz": "pills",
    "sory": "sorry",
    "soz": "sorry",
    "evrything": "everything",
    "everythin": "everything",
    "evrythin": "everything",
    "evryone": "everyone",
    "every1s": "everyones",
    "msg": "message",
    "goodby": "goodbye",
    "gbye": "goodbye",
    "tonigt": "tonight",
    "tnight": "tonight",
    "anymor": "anymore",
    "nomore": "no more",
    "idc": "i dont care",
    "imma": "im going to",
    "finna": "going to",
}

# Typo tolerance: tokens within one edit of these words are read as them.
# fmt: off
FUZZY_TERMS = (
    "suicide", "suicidal", "overdose", "overdosed", "myself", "paracetamol", "unalive",
    "tablets", "bleeding",
)
# fmt: on
# Real words one edit away from a term above; never "corrected".
FUZZY_EXCEPTIONS = frozenset(
    {"overdone", "breeding", "bleeping", "tablet", "suicides", "himself", "herself"}
)


# --------------------------------------------------------------------------
# Combining evidence
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Combination:
    """A pair of signals that is worse together than each alone."""

    signal: str
    partners: tuple[str, ...]
    bonus: float
    reason: str  # {phrase}: the signal's words; {partner}: the partner's label
    partner_min: float = 0.0  # the partner must be at least this strong


COMBINATIONS: tuple[Combination, ...] = (
    Combination(
        "method",
        ("ideation", "intent", "plan", "hopelessness", "finality", "burden"),
        0.4,
        "mentions a method ({phrase}) together with {partner}",
        partner_min=0.5,
    ),
    Combination("method", ("timing",), 0.2, "mentions a method ({phrase}) and says when"),
    Combination(
        "intoxication",
        (
            "means_at_hand",
            "method",
            "overdose",
            "self_harm",
            "ideation",
            "intent",
            "plan",
            "hopelessness",
            "finality",
            "burden",
        ),
        0.3,
        "has been drinking ({phrase}) together with {partner}",
        partner_min=0.3,
    ),
    Combination(
        "timing",
        (
            "ideation",
            "intent",
            "hopelessness",
            "finality",
            "burden",
            "harm_to_others",
            "absence",
            "arrangements",
            "plan",
        ),
        0.3,
        "says when ({phrase}) together with {partner}",
        partner_min=0.5,
    ),
    Combination(
        "finality",
        ("hopelessness", "burden", "intent", "ideation", "absence", "arrangements"),
        0.3,
        "sounds like a goodbye ({phrase}) together with {partner}",
        partner_min=0.3,
    ),
    Combination(
        "intent",
        ("hopelessness", "ideation", "finality", "burden"),
        0.3,
        "sounds decided ({phrase}) together with {partner}",
        partner_min=0.3,
    ),
    Combination(
        "reunion",
        ("loss", "timing", "hopelessness", "finality"),
        0.5,
        "wants to be with someone again ({phrase}) together with {partner}",
        partner_min=0.2,
    ),
    Combination(
        "symptom",
        ("self_harm", "overdose", "means_at_hand"),
        0.4,
        "feels unwell ({phrase}) together with {partner}",
        partner_min=0.3,
    ),
    Combination(
        "arrangements",
        ("finality", "absence", "hopelessness", "burden", "ideation", "intent", "plan", "timing"),
        0.3,
        "is arranging things ({phrase}) together with {partner}",
        partner_min=0.3,
    ),
    Combination(
        "absence",
        ("finality", "arrangements", "hopelessness", "burden", "ideation", "intent", "plan"),
        0.3,
        "talks of not being around ({phrase}) together with {partner}",
        partner_min=0.3,
    ),
)

SIGNAL_LABELS = {
    "ideation": "thoughts of dying",
    "intent": "intent",
    "plan": "a plan",
    "method": "a method",
    "means_at_hand": "means at hand",
    "overdose": "an overdose",
    "self_harm": "self-harm",
    "finality": "a goodbye",
    "burden": "feeling a burden",
    "hopelessness": "hopelessness",
    "timing": "timing",
    "harm_to_others": "risk to others",
    "being_harmed": "being harmed",
    "command_hallucination": "command hallucinations",
    "death_talk": "talk of death",
    "intoxication": "drinking",
    "arrangements": "arrangements for after they are gone",
    "symptom": "feeling physically unwell",
    "loss": "a death",
    "reunion": "wanting to be with someone again",
    "absence": "talk of not being around",
}

# A signal's hits add up, but never beyond its cap: ten pill emoji are still
# one mention of pills, and timing words alone never make a crisis.
SIGNAL_CAPS = {
    "method": 0.6,
    "timing": 0.3,
    "timing_now": 0.2,
    "death_talk": 0.2,
    "intoxication": 0.3,
    "hopelessness": 0.8,
    "physical_symptom": 0.6,
    "therapy_content": 2.0,
    "scheduling": 2.0,
    "billing": 2.0,
    "admin": 2.0,
}
DEFAULT_SIGNAL_CAP = 1.0

CRISIS_THRESHOLD = 1.0
URGENT_THRESHOLD = 1.0
# Some risk evidence that is not enough for crisis still needs the therapist soon.
# Timing words and loose talk of death do not count towards this on their own.
RISK_FLOOR_FOR_URGENT = 0.5
# A very short message that is nothing but a risk sign ("i'm ready to go", "made my peace
# with it") is read as a crisis: there is no other content to explain it away.
SHORT_MESSAGE_WORDS = 6
# A message of at most this many words with nothing in it to read ("k", an emoji, a pocket
# dial) is logistics: delivered in business hours, never held for a session it is not about.
NOTHING_TO_HOLD_WORDS = 3
SHORT_MESSAGE_RISK = 0.5
# Hopelessness alone stays urgent however short ("i have no future"), as the labelling
# conventions ask; it still counts towards crisis together with other signs.
NOT_RAISED_WHEN_SHORT = frozenset({"hopelessness"})
WEAK_RISK_SIGNALS = frozenset(
    {"timing", "timing_now", "death_talk", "method", "intoxication", "symptom", "loss"}
)
# Urgent evidence is stronger when it happened today / last night.
RECENT_EVENT_BONUS = 0.4
# Someone close to the client is at risk (suppressed third-party crisis hit).
THIRD_PARTY_RISK_URGENT = 0.6
THIRD_PARTY_RISK_RECENT_URGENT = 1.0
