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
  follows the colon.
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
_INVITATION = re.compile(
    r"\W*(?:(?:now|so|then|first|next|gently|instead|tonight|today)\b,?\s+)*(?:try\s+(?:to\s+)?)?"
    r"(?:think|consider|notice|picture|imagine|remember|recall|reflect|ask|asking|wonder|journal|write|"
    r"take\s+a\s+(?:moment|minute|breath))\b",
    re.I,
)


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

    After 'Journal prompt:' or 'Here is my question for you:' comes the question itself. But in
    'Ask yourself: when did I ...?' the question goes on in lower case from a verb of asking, and
    the colon joins one sentence, which stays as it is.
    """
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
        # it) unless the sentence before handed the thinking to the reader.
        if end == len(parts) or invited:
            for question in questions_of([_unquoted(s) for s in parts[index:end]]):
                question, labelled = strip_lead_in(question)
                put = labelled or invited or index == 0 or put_to_reader(question)
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
