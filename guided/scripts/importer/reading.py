"""Reading running prose as a person would: which sentences ask the reader something to reflect on.

An article asks its reader questions in a few recognisable ways, and asks many other questions
that nobody is meant to answer. The rules here, each a plain fact about how people write:

- A short line in Title Case standing alone is a heading, question mark or not.
- A question in the middle of a paragraph is the writer's: the sentences after it answer it;
  unless the sentence before it hands the thinking to the reader ("Think back to ...").
- A question that is a paragraph (or a line) of its own is put to the reader, whoever it names.
- The questions that end a paragraph of prose are put to the reader when they speak to the reader
  (I, me, we, you...) and are open or in the reader's own voice; "Does this sound familiar?" or
  "Why do people build walls?" are the writer talking, not a prompt.
- "Ask yourself: Am I ...?" or "Journal prompt: what ...?" labels a prompt: the question is what
  follows the colon. A known lead-in ("Ask yourself", "Consider", "Reflect on this") is left off
  whatever follows it, a colon, a comma or a dash, and whatever the case of the question's first word.
- In notes, a question in the writer's own voice ("Why do I keep saying yes when I mean no?") is
  theirs to reflect on wherever it stands, mid-paragraph too, unless the next sentence answers it;
  so is a prompt with a lead-in ("Ask yourself: ...").
- A practical question about the day ("Did I lock the door?", "What time is the dentist?") or a
  closed or impersonal question beside an errand ("Buy milk.") is not for reflection.
- Quoted speech is someone talking. A quoted question is the reader's to answer only when the
  text turns it inward ("ask yourself ..."), or it is a question about oneself (I, me, my) that
  the text does not say to leave behind ("rather than ...", "moving from asking ...").
- A sentence never ends inside a quotation, so a question is taken whole past a closing quote.
- Two questions on one line are two only when each stands alone; "What did that feel like?"
  leans on the one before it.
"""

from __future__ import annotations

import bisect
import re

QUESTION = "question"
HEADING = "heading"
EXAMPLE = "example"
RHETORICAL = "rhetorical"
DUPLICATE = "duplicate"
PRACTICAL = "practical"

_CLOSERS = r"[\"'”’)\]»]"
_QUESTION_END = re.compile(rf"\?{_CLOSERS}*$")
# A sentence ends at . ! ? or … (with any closing quotes) before a space and what starts a sentence.
_SENTENCE_END = re.compile(rf"[.!?…]+{_CLOSERS}*(?=\s+[\"'“‘(«]?[A-Z0-9¿¡])")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SMALL_WORDS = {"a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "with", "by",
                "from", "as", "vs", "via", "into", "up"}

_FIRST_PERSON = {"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves",
                 "i'm", "i’m", "i've", "i’ve", "i'd", "i’d", "i'll", "i’ll", "we're", "we’re", "we've", "we’ve"}
_SELF = {"i", "me", "my", "mine", "myself", "i'm", "i’m", "i've", "i’ve", "i'd", "i’d", "i'll", "i’ll"}
_SECOND_PERSON = {"you", "your", "yours", "yourself", "yourselves", "you're", "you’re", "you've", "you’ve",
                  "you'd", "you’d", "you'll", "you’ll"}
# A question that opens with one of these is answered yes or no.
_CLOSED_OPENERS = {"do", "does", "did", "is", "are", "am", "was", "were", "have", "has", "had", "can", "could",
                   "will", "would", "should", "shall", "may", "might", "must", "isn't", "isn’t", "don't", "don’t",
                   "doesn't", "doesn’t", "aren't", "aren’t", "sound", "ever"}
# A second question that starts with one of these, or points back with one of the others, goes on
# from the first ("What did that feel like?") and would make no sense read on its own.
_JOINING_WORDS = {"and", "or", "but", "so", "then", "also", "because", "if"}
_POINTING_BACK = {"it", "that", "this", "these", "those", "them", "they", "there"}

# Before a quotation: words saying it is a question to leave behind.
_LEAVING = re.compile(r"\b(?:rather\s+than|instead\s+of|not|never|stop|stopping|quit|avoid|avoiding|don['’]t|"
                      r"do\s+not|no\s+longer)\b", re.I)
_MOVING_FROM = re.compile(r"\bfrom(?:\s+\w+ing)?\s*$", re.I)  # "moving from asking “...”"
# ... words turning it on oneself.
_INWARD = re.compile(r"\b(?:yourself|myself|ourselves|wonder|wondering)\b", re.I)
# ... and words saying it is said to someone.
_SPEAKING = re.compile(
    r"\b(?:say|says|said|saying|tell|tells|told|telling|snap|snaps|snapped|snapping|shout\w*|yell\w*|demand\w*|"
    r"text|texting|repl(?:y|ies|ied|ying)|answer\w*|respond\w*)\b"
    r"|\bask(?:s|ed|ing)?\s+(?:him|her|them|you|your|my|a|an|the|their|his|our)\b",
    re.I,
)
# "Ask yourself: Am I ...?": a label, a colon, then the question itself.
_LEAD_IN = re.compile(r"^(?P<label>[^?:]{1,80}):\s+(?P<question>[\"“‘]?[^\W\d_].*)$", re.S)
# A label ending in a verb of asking makes one sentence with a question that goes on in lower case.
_ASKING_VERB = re.compile(r"\b(?:ask|asking|ask\s+yourself|asking\s+yourself|wonder|consider|reflect)\s*$", re.I)
# A sentence that hands the thinking to the reader: "Think back to your childhood.", "Ask yourself these three things."
# "Remember to buy milk" is an errand, not an invitation.
_INVITATION = re.compile(
    r"\W*(?:(?:now|so|then|first|next|gently|instead|tonight|today)\b,?\s+)*(?:try\s+(?:to\s+)?)?"
    r"(?:think|consider|notice|picture|imagine|remember(?!\s+to\b)|recall|reflect|ask|asking|wonder|journal|write|"
    r"take\s+a\s+(?:moment|minute|breath))\b",
    re.I,
)
# The words people put before a prompt to say it is one: left off the question, whatever joins them to it.
_KNOWN_LEAD_IN = re.compile(
    r"^\W*(?:(?:now|so|then|and|first|next|finally|also|gently|tonight|today)\b,?\s+)*"
    r"(?:(?:try|maybe|perhaps)\s+)?"
    r"(?:ask(?:ing)?\s+(?:yourself|myself)|consider|reflect(?:\s+on)?|think\s+about|ponder|wonder|"
    r"journal(?:\s+prompt)?|prompt|something\s+to\s+(?:ask\s+(?:yourself|myself)|consider|reflect\s+on|"
    r"think\s+about|ponder))"
    r"(?:\s+(?:this|that|it|these|the\s+following|this\s+question|honestly|gently|again|today|tonight))*"
    r"(?P<joint>\s*:|\s*,|\s+[-–—]+|\s*[–—]|\s*\.\.\.|\s*…)\s*(?P<question>[\"“‘]?[^\W\d_].*)$",
    re.I | re.S,
)
# After a comma or a dash, what follows a lead-in is the question only when it starts as one does.
_QUESTION_OPENER = re.compile(
    r"[\"“‘]?(?:what|when|where|who|whom|whose|why|how|which|am|is|are|was|were|do|does|did|have|has|had|can|"
    r"could|would|will|should|shall|may|might|must)\b", re.I)


# What a day's errands are made of: locks and keys, shopping, appointments, bills, travel, times of day.
_ERRAND = re.compile(
    r"\b(?:lock(?:ed|s)?|unlock(?:ed)?|doors?|keys|oven|stove|hob|iron|milk|bread|eggs|butter|groceries|grocery|"
    r"shopping|supermarket|buy|bought|parcel|bins?|rubbish|trash|recycling|laundry|dentist|doctor['’]?s?|"
    r"appointment|meeting|bills?|rent|invoice|train|bus|flight|tickets?|passport|charger|parking|petrol|"
    r"o['’]clock|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}[:.]\d{2}\b|\bwhat\s+time\b",
    re.I,
)
# A line of a to-do list: an errand given to oneself.
_TO_DO = re.compile(
    r"^\W*(?:remember\s+to|don['’]t\s+forget(?:\s+to)?|need\s+to|must|buy|get|call|ring|phone|email|text|book|"
    r"pay|pick\s+up|drop\s+off|return|renew|cancel|order|post|send|fix|water|take\s+out)\b",
    re.I,
)
# Questions that ask for a fact of the day: when, where, what time.
_FACT_OPENER = re.compile(r"^\W*(?:when|where|what\s+time|which\s+(?:day|time))\b", re.I)
# A sentence that answers the question before it: the writer's own question, taken up at once.
_ANSWER = re.compile(r"^\W*(?:because|the\s+answer|the\s+reason|it['’]?s\s+because|that['’]?s\s+because|"
                     r"often|usually|mostly|simply|partly)\b", re.I)


def errand(text: str) -> bool:
    """A short line of the day's business ('Remember to buy milk.', 'Dentist 3pm'), not a question."""
    return not is_question(text) and len(words(text)) <= 12 and bool(_TO_DO.match(text) or _ERRAND.search(text))


def practical(question: str, beside: list[str]) -> bool:
    """Whether a question is about the day's business rather than for reflection: 'Did I lock the
    door?', 'What time is the dentist?' ask for a fact; so does a short closed or impersonal
    question standing beside an errand ('Buy milk.' then 'Is it Tuesday?'). `beside` is the text
    around it."""
    found = words(question)
    closed = bool(found) and found[0] in _CLOSED_OPENERS
    if _ERRAND.search(question) and len(found) <= 12 and (closed or _FACT_OPENER.match(question)):
        return True
    impersonal = not set(found) & (_FIRST_PERSON | _SECOND_PERSON)
    return len(found) <= 10 and (closed or impersonal) and any(errand(text) for text in beside)


def in_own_voice(question: str) -> bool:
    """An open question in the writer's own voice ('Why do I keep saying yes when I mean no?'):
    in notes, a question the writer means to sit with, wherever it stands."""
    found = words(question)
    return bool(found) and found[0] not in _CLOSED_OPENERS and bool(set(found) & _SELF)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def is_question(text: str) -> bool:
    return bool(_QUESTION_END.search(text)) and any(ch.isalpha() for ch in text)


def title_case_heading(text: str) -> bool:
    """A short line in Title Case, such as 'Why Do We Struggle To Let Go?': a heading, not a question.

    Small words may stay lower case ('What Happens to Trust'), but at least one longer word after
    the first must be capitalised, so 'Am I OK?' stays a question.
    """
    found = _WORD.findall(text)
    if not 2 <= len(found) <= 12 or len(text) > 90:
        return False
    rest = [w for w in found[1:] if w.lower() not in _SMALL_WORDS or not w[0].islower()]
    return all(w[0].isupper() for w in found[:1] + rest) and any(len(w) >= 4 and w[0].isupper() for w in found[1:])


_OPENING = re.compile("[“\"‘]")
_PARTNERS = {"“": re.compile("”"), '"': re.compile('"'), "‘": re.compile(r"’(?![^\W\d_])")}


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where quotations are, as (start, end) including the marks: “...”, "..." and ‘...’.

    A ’ followed by a letter is an apostrophe (don’t), never a closing mark; a mark with no
    partner is left as it is.
    """
    spans: list[tuple[int, int]] = []
    unmatched: set[str] = set()  # once a mark finds no partner, none after it will: the text stays linear
    index = 0
    while opening := _OPENING.search(text, index):
        mark, start = opening.group(), opening.start()
        index = start + 1
        if mark in unmatched or (mark == "‘" and not text[index : index + 1].isalpha()):
            continue
        closing = _PARTNERS[mark].search(text, index)
        if closing is None:
            unmatched.add(mark)
            continue
        spans.append((start, closing.end()))
        index = closing.end()
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph; a sentence inside a quotation belongs to the sentence around it."""
    spans = quoted_spans(text)
    starts = [s for s, _ in spans]
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        inside = bisect.bisect_left(starts, match.end()) - 1  # the last quotation opened before this end
        if inside >= 0 and match.end() < spans[inside][1]:
            continue
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _unquoted(sentence: str) -> str:
    """A sentence that is one quotation, without its marks: a line given as itself."""
    spans = quoted_spans(sentence)
    if len(spans) == 1 and spans[0] == (0, len(sentence)):
        return sentence[1:-1].strip()
    return sentence


def asks(sentence: str) -> bool:
    """The sentence itself asks, not only a quotation in it: 'When someone asks “Are you okay?”, what do I say?'."""
    spans = quoted_spans(sentence)
    if len(spans) == 1 and spans[0] == (0, len(sentence)):
        return is_question(sentence[1:-1].strip())
    outside = sentence
    for start, end in reversed(spans):
        outside = outside[:start] + " " + outside[end:]
    return is_question(outside.strip())


def strip_lead_in(question: str) -> tuple[str, bool]:
    """'Ask yourself: Am I ...?' as 'Am I ...?', and whether there was a lead-in.

    After 'Journal prompt:' or 'Here is my question for you:' comes the question itself, and after
    a known lead-in ('Ask yourself, ...', 'Consider - ...', 'reflect on this: ...') too. But in
    'I keep wondering: when did I ...?' the question goes on in lower case from a verb of asking,
    and the colon joins one sentence, which stays as it is.
    """
    known = _KNOWN_LEAD_IN.match(question)
    if known and (known.group("joint").strip() == ":" or _QUESTION_OPENER.match(known.group("question"))):
        asked = known.group("question").strip()
        return asked[0].upper() + asked[1:], True
    match = _LEAD_IN.match(question)
    if not match or is_question(match.group("label")):
        return question, False
    asked = match.group("question").strip()
    if asked[0].islower():
        if _ASKING_VERB.search(match.group("label")):
            return question, False
        asked = asked[0].upper() + asked[1:]
    return asked, True


def put_to_reader(question: str) -> bool:
    """Whether a question ending a paragraph of prose asks the reader to reflect.

    It must speak to the reader (I, we or you), and a yes-or-no question only in the reader's own
    voice ('Am I ...?'): a yes-or-no question to 'you' in running prose is the writer checking in.
    """
    found = words(question)
    if not found or not set(found) & (_FIRST_PERSON | _SECOND_PERSON):
        return False
    return found[0] not in _CLOSED_OPENERS or bool(set(found) & _FIRST_PERSON)


def _last_clause(text: str) -> str:
    text = text.rstrip(" ,:;—–-")
    return re.split(r"[,;:—–()]", text)[-1].strip()


def judge_quotation(before: str, quotation: str) -> str:
    """QUESTION if a quoted question is the reader's to reflect on, else EXAMPLE; `before` is the text leading up to it."""
    clause = _last_clause(before)
    if _LEAVING.search(clause) or _MOVING_FROM.search(clause):
        return EXAMPLE
    if _INWARD.search(clause):
        return QUESTION
    if _SPEAKING.search(clause):
        return EXAMPLE
    found = set(words(quotation))
    return QUESTION if found & _SELF and not found & _SECOND_PERSON else EXAMPLE


def _stands_alone(sentence: str, after_another: bool) -> bool:
    found = words(sentence)
    if len(found) < 4:
        return False
    return not after_another or (found[0] not in _JOINING_WORDS and not set(found) & _POINTING_BACK)


def questions_of(run: list[str]) -> list[str]:
    """Consecutive questions, as the questions they make: split only where both sides stand alone."""
    groups: list[list[str]] = []
    for sentence in run:
        if groups and not (_stands_alone(groups[-1][-1], False) and _stands_alone(sentence, True)):
            groups[-1].append(sentence)
        else:
            groups.append([sentence])
    return [" ".join(group) for group in groups]


def _asked_in_quotation(quotation: str) -> str:
    """The question a quotation asks: its last sentences that ask ('Breathe. What do I need?' asks the second)."""
    inner = sentences(quotation[1:-1].strip())
    run: list[str] = []
    while inner and is_question(inner[-1]):
        run.insert(0, inner.pop())
    return " ".join(run) if run else quotation[1:-1].strip()


def read_paragraph(text: str) -> list[tuple[str, str]]:
    """What a paragraph asks, in order, as (QUESTION, text) or (reason, text) for what a reader would not answer."""
    parts = sentences(text)
    found: list[tuple[str, str]] = []
    index = 0
    while index < len(parts):
        if not asks(parts[index]):
            found += _quoted_questions(parts[index])
            index += 1
            continue
        end = index
        while end < len(parts) and asks(parts[end]):
            end += 1
        invited = index > 0 and bool(_INVITATION.match(parts[index - 1]))
        # In the middle of a paragraph, a question is the writer's (the sentences after it answer
        # it) unless the sentence before handed the thinking to the reader, or it is asked in the
        # writer's own voice and not answered at once: a note to self, in a line of notes.
        asked = [strip_lead_in(_unquoted(s)) for s in parts[index:end]]
        own = end < len(parts) and (all(labelled for _, labelled in asked) or (
            not _ANSWER.match(parts[end]) and all(in_own_voice(question) for question, _ in asked)))
        if end == len(parts) or invited or own:
            for question in questions_of([_unquoted(s) for s in parts[index:end]]):
                question, labelled = strip_lead_in(question)
                put = labelled or invited or own or index == 0 or put_to_reader(question)
                found.append((QUESTION if put else RHETORICAL, question))
        index = end
    return found


def _quoted_questions(sentence: str) -> list[tuple[str, str]]:
    """The quoted questions in a sentence that does not itself ask, each judged by the words before it."""
    found: list[tuple[str, str]] = []
    for start, end in quoted_spans(sentence):
        quotation = sentence[start:end]
        if "?" in quotation:
            verdict = judge_quotation(sentence[:start], quotation)
            # An example is shown whole, so a user sees the line the text gave.
            shown = _asked_in_quotation(quotation) if verdict == QUESTION else quotation[1:-1].strip()
            found.append((verdict, shown))
    return found
