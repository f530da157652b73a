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


ABOUT_SELF = Modifier.ABOUT_SELF
ABOUT_OTHER = Modifier.ABOUT_OTHER
NEGATABLE = Modifier.NEGATABLE
IDEATION = Modifier.IDEATION
ACT = Modifier.ACT


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
    )


# --------------------------------------------------------------------------
# Shared building blocks
# --------------------------------------------------------------------------

PILLS = (
    r"(?:pills?|tablets?|paracetamol|paracetemol|tylenol|ibuprofen|aspirin|painkillers?"
    r"|antidepressants?|meds|medication|sleeping (?:pills|tablets)|\w+ (?:pills|tablets)"
    r"|sertraline|fluoxetine|citalopram|venlafaxine|mirtazapine|quetiapine|lithium|diazepam"
    r"|codeine|tramadol|insulin|zopiclone|amitriptyline|propranolol)"
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
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri)"
DEADLINE_DAY = rf"(?:tomorrow|tonight|today|{WEEKDAY}|end of (?:the )?(?:day|week)|\w+ morning)"
MED_NAMES = (
    r"(?:lorazepam|clonazepam|alprazolam|xanax|ativan|klonopin|zopiclone|sertraline|zoloft"
    r"|fluoxetine|prozac|citalopram|escitalopram|lexapro|venlafaxine"
    r"|effexor|mirtazapine|quetiapine|seroquel|lithium|lamotrigine|aripiprazole|olanzapine"
    r"|diazepam|valium|propranolol|bupropion|wellbutrin|duloxetine|pregabalin)"
)
MEDS = rf"(?:meds|medication|medicine|tablets|pills|prescription|{MED_NAMES})"
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
        r"(?:jump|step|stepping|jumping) in front of (?:a|the) (?:train|bus|lorry|truck|car)",
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
        r"|still here)(?: by| at| in| for| next| much)?",
        r"(?:wont|will not|not going to) (?:be alive|still be here|be here|make it) (?:by|to"
        r"|until|till|for|at) (?:christmas|new year|my birthday|next|the end|the weekend|\w+day)",
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
        ("ideation", CRISIS, 0.4, "wants to be with someone again ({phrase})"),
        r"(?:be|being) with (?:my \w+|him|her|them) again",
        flags=ABOUT_SELF | NEGATABLE | IDEATION,
    ),
    rule(
        ("ideation", CRISIS, 0.4, "lingered somewhere for a long time ({phrase})"),
        r"(?:stood|sat|standing|sitting|stayed|waited) (?:there |on it |at the edge )?for"
        r" (?:ages|hours|a long time|an hour|ever)",
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
        r"(?:sleep|asleep|bed) and (?:not|never) wake up",
        r"(?:hope|wish|want|wanna|praying|pray) (?:that )?(?:i )?(?:dont|didnt|wont|never|not"
        r"|to not|to never) wake up",
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
        r"(?:made|making) up my mind",
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
        r"(?:i|ive) (?:have )?(?:finally )?decided",
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
        r"(?:have|got|made|making|worked out|came up with) (?:a|the) plan",
        r"(?:planning|planned|plan) (?:how|when|where) (?:to|ill|i will|id)(?: do it)?",
        r"know (?:how|when|where) (?:ill|i will|id|i would|im going to) do it",
        r"(?:looked|looking|look|searched|searching|googled|googling|researching|researched)"
        r"(?: up)? (?:how many|how much|how to|which bridge|the highest|lethal|what dose)",
        r"(?:researching|researched|looked up|looking up|googling|googled|reading about"
        r"|searched) (?:suicide )?methods|(?:suicide|overdose) methods",
        r"(?:saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting|collected|stashing"
        r"|stashed|hiding|hidden|hid|squirrelling|squirreling)"
        rf"(?: up)? (?:my |all my |enough )?{PILLS}",
        rf"(?:enough|got enough) {PILLS}(?: saved| stored| to)?",
        r"(?:wrote|written|writing|write|left) (?:a |my )?(?:suicide |goodbye )?note(?! to myself)",
        r"(?:wrote|written|writing) (?:my |the |some )?(?:goodbye )?(?:letters|notes)"
        r"|(?:wrote|written|writing) to everyone|goodbye (?:letters?|notes?)",
        r"(?:made|making|sorted|sorting|arranged) (?:the )?(?:arrangements|plans) for (?:the|my)"
        r" (?:kids|children|cat|dog|pets?|funeral)",
        r"(?:put|putting|got|getting|sorted|sorting) (?:all )?my affairs (?:in order|sorted)",
        r"(?:wrote|written|updated|made|finished|sorted) my will",
        flags=ABOUT_SELF | NEGATABLE,
    ),
    rule(
        # "it's all planned out" is strong; plus a day ("for friday") it is a crisis.
        ("plan", CRISIS, 0.8, "says something is planned ({phrase})"),
        r"(?:its|it is|everything is|ive got it|i have it|got it) all planned(?: out)?",
        r"bought (?:a |some )?(?:rope|gun|noose|charcoal|helium)",
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
        r"(?:im|i am|sitting|sat|lying|laying|in the bath|in bed)(?: \w+){0,4} with (?:a|the|my)"
        rf" (?:razor|blade|knife|rope|noose|gun|{PILLS})",
        r"(?:knife|blade|razor) (?:to|on|against) my (?:wrists?|arms?|throat|skin|legs?)",
        r"(?:knife|blade|gun|razor|rope) (?:is )?in my (?:bag|pocket|hand|car|room|lap)",
        r"(?:holding|gripping|in my hand|in my hands) (?:the|a|my|his|her|dads|mums) (?:\w+ )?"
        r"(?:razor|blade|knife|gun|rope|noose|pistol)",
        # A gun, noose or gas is never household; razors, rope and bleach are (see below).
        r"(?:have|got|ive got|took|taken|grabbed|found|bought|brought|fetched|loaded)"
        r" (?:my |the |a |his |her |their |my \w+s |my \w+ )?(?:\w+ )?(?:noose|gun|shotgun"
        r"|pistol|rifle|helium|charcoal|ligature)",
        flags=NEGATABLE,
    ),
    rule(
        ("means_at_hand", CRISIS, 1.0, "is at a high place or on the tracks ({phrase})"),
        r"(?:standing|sat|sitting|stood|im|i am) (?:on|at) (?:the |a )?(?:edge of the "
        r"|top of the )?(?:bridge|ledge|roof|edge|cliff|tracks|railway|platform edge)",
        r"(?:on|at) the (?:ledge|edge) (?:at|of)",
        r"(?:im|i am) at the (?:bridge|tracks|cliffs?)",
        r"(?:(?:im|i am|sat|sitting|standing|stood|waiting) (?:at|on|in|up)|writing (?:this )?from)"
        r" (?:the )?(?:top floor|roof|multi storey|car park roof|top of the \w+|bridge|cliff"
        r"|edge|tracks|ledge)",
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
        r"(?:have|got|ive got|bought|holding) (?:the|a) (?:rope|noose|gun|shotgun|pistol)",
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
        r"(?:this is|this will be|its) (?:my|the) last (?:message|text|time)",
        r"last time you(?:ll| will)? hear from me",
        rf"who (?:gets|will get|takes|will take|is taking|should have) my {PETS_AND_THINGS}",
        rf"(?:gave|given|giving|give) (?:away )?(?:all )?(?:my \w+ )?my {PETS_AND_THINGS}",
        r"(?:gave|given|giving|give) (?:my |all my )?(?:stuff|things|belongings|possessions"
        r"|everything) away",
        r"(?:wont|will not|never) (?:bother|burden|trouble|annoy) (?:anyone|you|anybody|them"
        r"|you all) (?:again|anymore|any more|much longer|ever again)",
        r"(?:gave|given|giving) away (?:all|everything)",
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
        ("finality", CRISIS, 0.6, "sounds like a goodbye ({phrase})"),
        r"goodbye|good bye|farewell",
        r"gave away|giving away|given away",
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
        r"(?:happier|easier|better)(?: off)? (?:for everyone |for them |for all )?(?:without me"
        r"|if i (?:just )?(?:wasnt|werent|was not|were not|was gone|were gone|was dead|were dead"
        r"|disappeared|died|wasnt here|wasnt around))",
        r"(?:doing|do|did) (?:everyone|them|the world|you all|my family) a favou?r",
        r"(?:nobody|no one|noone) (?:would|will|d) (?:even )?(?:notice|miss me|care)"
        r"(?: if| when)? (?:i|im)",
        r"(?:nobody|no one|noone) (?:would|will) miss me",
        r"disappear(?:ed)? (?:for good|forever)",
        r"(?:a|an) (?:\w+ )?burden (?:on|to) (?:everyone|everybody|my family|them|all)",
        r"(?:easier|better) for (?:you|everyone|them|all|my family) if i (?:just )?(?:stopped"
        r"|wasnt|werent|disappeared|went away|gave up|ended|left for good)",
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
        rf"{NOW}",
        r"(?:an?|one|two|\d+) (?:hour|hours|mins?|minutes) ago|earlier today",
        r"soon|this weekend|today",
        rf"(?:on|by|for|this|next) {WEEKDAY}",
        r"when (?:everyone|everybodys|they)(?:s| is| are)? (?:asleep|gone|out)",
    ),
    # --- danger to others ------------------------------------------------------------
    rule(
        ("harm_to_others", CRISIS, 1.0, "says they might hurt someone ({phrase})"),
        r"(?:going to|gonna|will|ill|want to|wanna|about to|could) (?:kill|hurt|stab|shoot"
        r"|strangle|attack|punish|smother) (?:him|her|them|someone|somebody|people|the baby"
        r"|my \w+|that \w+|everyone)",
        r"(?:make|making) (?:him|her|them) pay",
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
        r"(?:says|said|saying|keeps saying)(?: that)?(?: if i \w+(?: \w+){0,3})?"
        r" (?:hell|shell|he will|she will|hed|shed|he would|she would|theyll) (?:kill|hurt)"
        r" (?:me|us|her|him|my \w+|the kids|the baby|the children)",
        r"(?:hands?|arm) (?:round|around) my (?:throat|neck)",
        r"(?:choked|choking|strangled|strangling) me",
        r"(?:hes|shes|theyre|he is|she is|they are|is|keeps|keep|are) (?:hitting|beating"
        r"|attacking|hurting|strangling|choking|punching|kicking) (?:me|us)",
        r"(?:is|s|keeps|are|re) (?:hitting|beating|attacking|hurting|strangling|choking)"
        r" (?:me|us|her|him|my \w+)(?: right)? now",
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
        r"(?:banging|bashing|pounding|kicking) (?:on|at) (?:my|the) (?:door|window)",
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
    # --- general talk of death (weak; mostly here so idioms are shown as discounted) -
    rule(
        ("death_talk", CRISIS, 0.2, "talks about death or killing ({phrase})"),
        r"die|dying|dead|death|kill|killing|killed|murder|murdered",
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
        rf"off (?:my )?{MEDS}",
        r"(?:level|levels) (?:came back |is |are |was )?(?:high|too high|toxic)",
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
        r"|hopeless|rattled|barely holding|not coping|cant cope|(?:falling|fall) to pieces",
        r"(?:i )?(?:dont|do not) know what to do|in pieces",
        r"(?:im|i am|really|so) (?:really )?scared",
    ),
    rule(
        ("bullying", URGENT, 1.0, "others are telling the client to kill themself ({phrase})"),
        r"(?:told|tell|tells|telling|said|say|says) me to (?:kys|kill myself|die|go die)",
    ),
)


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
        r"talk about|bring (?:it |this )?up|explore|work on|in session|good day|good week",
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
        r"|moved house|new address|wrong number",
        r"^(?:ok|okay|great|perfect|cool|lovely|brilliant|sure)?\W*(?:thanks|thank you|thx|cheers"
        r"|got it|no problem|noted|will do|sounds good)\W*(?:got it|see you|x+)?\W*$",
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
NEGATION_BREAKERS = frozenset({"stop", "help", "know", "care", "sleep", "wait", "breathe"})
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
    r"not literally|obviously not (?:literally|serious|for real)|i dont mean (?:it )?literally",
)

# History: the risk belongs to the past. Overridden by RECENCY in the same clause.
HISTORY_MARKERS: tuple[str, ...] = (
    r"used to",
    r"when i was(?: \w+){0,2}",
    r"when we were",
    r"back in",
    r"(?:\d+|a few|few|many|some|two|three|several) (?:years|months) ago",
    r"years ago|months ago|years back|long time ago|a while ago|ages ago",
    r"last (?:year|month|summer|winter|spring|autumn|fall)",
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
    r"(?:article|documentary|film|movie|show|series|book|news|podcast|episode|song|video)"
    r"(?: \w+){0,3} about|character|protagonist|(?:in|on) (?:the|my|a) (?:book|film|movie|show"
    r"|series|episode|news|game)|on tv"
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
    Idiom(r"end (?:it|things) with (?:him|her|them|my \w+)"),
    Idiom(r"catch(?:ing)? the bus (?:to|home|into|back|from|at|in|and|so|there|today|instead)"),
    Idiom(r"i could die\W+(?:lol|haha)", needs_laughter=True),
    Idiom(r"on the (?:roof|bridge) of (?:my|the) (?:mouth|nose)"),
    Idiom(r"train tracks? (?:were|are|was|is) (?:closed|delayed)"),
    Idiom(r"drop dead|dead to me|deadline|deadlines"),
    Idiom(r"(?:my )?(?:feet|back|legs|head) (?:are|is) killing me"),
    Idiom(r"blood (?:test|tests|results|work|pressure|sugar)"),
    Idiom(r"(?:hurt|hurts) me (?:when|that|to)"),
    Idiom(r"let (?:this|it|that|them|him|her) (?:beat|get to|kill|break) me|beat me (?:to it|at)"),
    Idiom(r"bye for now|see you on the flip side"),
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
    rf"see you (?:next \w+|on \w+|then|at \d+|tomorrow|soon|in \w+|{WEEKDAY})",
    rf"(?:talk|speak) (?:to you )?(?:next week|soon|on \w+|tomorrow|then|{WEEKDAY})",
    r"(?:will|ill) (?:message|text|email|update) (?:you )?(?:after|when|next|on)",
    r"(?:our |the )?next session|after the holiday|when i get back|when im back",
    r"(?:finish|finishing|end|ending|stop|stopping|wrap up|wrapping up) (?:therapy|our sessions"
    r"|sessions|treatment|our work)|(?:our|my) last session|ready to finish",
)

# Someone else said it to the client ("kids at school keep telling me to kys").
REPORTED_SPEECH: tuple[str, ...] = (
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
        ("ideation", "intent", "hopelessness", "finality", "burden", "harm_to_others"),
        0.3,
        "says when ({phrase}) together with {partner}",
        partner_min=0.5,
    ),
    Combination(
        "finality",
        ("hopelessness", "burden", "intent", "ideation"),
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
}

# A signal's hits add up, but never beyond its cap: ten pill emoji are still
# one mention of pills, and timing words alone never make a crisis.
SIGNAL_CAPS = {
    "method": 0.6,
    "timing": 0.3,
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
WEAK_RISK_SIGNALS = frozenset({"timing", "death_talk", "method", "intoxication"})
# Urgent evidence is stronger when it happened today / last night.
RECENT_EVENT_BONUS = 0.4
# Someone close to the client is at risk (suppressed third-party crisis hit).
THIRD_PARTY_RISK_URGENT = 0.6
THIRD_PARTY_RISK_RECENT_URGENT = 1.0
