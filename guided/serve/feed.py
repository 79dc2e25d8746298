"""The podcast feed: RSS 2.0 with the iTunes tags and the podcast namespace (chapters, transcripts),
so any podcast app can subscribe to the library and download it for offline listening.

Only the text is made here; what goes in it (files ready, their sizes and addresses) is the app's.
Every enclosure names the exact size and MIME type of the file it points to, as podcast apps and
the RSS specification want.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import formatdate

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CHAPTERS_TYPE = "application/json+chapters"
CATEGORY = ("Health & Fitness", "Mental Health")

ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("atom", ATOM)


@dataclass(frozen=True)
class Channel:
    title: str
    description: str
    link: str  # the page
    feed_url: str  # this feed's own address
    image: str | None = None
    serial: bool = False  # a series, to be heard in order, rather than sessions in any order
    language: str = "en"
    author: str = "guided"


@dataclass(frozen=True)
class Episode:
    guid: str  # changes when the file is made again, so apps fetch the new one
    title: str
    description: str
    url: str
    length: int  # bytes: the file's exact size
    mime: str
    seconds: float
    published: float  # a Unix time
    image: str | None = None
    chapters: str | None = None  # the address of its JSON chapters
    transcript: str | None = None  # the address of its WebVTT captions
    number: int | None = None  # its place in a series


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def feed_xml(channel: Channel, episodes: list[Episode], updated: float) -> bytes:
    """The feed as UTF-8 bytes with an XML declaration."""
    rss = ET.Element("rss", {"version": "2.0"})
    head = _add(rss, "channel")
    _add(head, "title", channel.title)
    _add(head, "link", channel.link)
    _add(head, "description", channel.description)
    _add(head, "language", channel.language)
    _add(head, "generator", "guided")
    _add(head, "lastBuildDate", formatdate(updated, usegmt=True))
    _add(head, f"{{{ATOM}}}link", href=channel.feed_url, rel="self", type="application/rss+xml")
    _add(head, f"{{{ITUNES}}}author", channel.author)
    _add(head, f"{{{ITUNES}}}summary", channel.description)
    _add(head, f"{{{ITUNES}}}explicit", "false")
    _add(head, f"{{{ITUNES}}}type", "serial" if channel.serial else "episodic")
    category = ET.SubElement(head, f"{{{ITUNES}}}category", {"text": CATEGORY[0]})
    ET.SubElement(category, f"{{{ITUNES}}}category", {"text": CATEGORY[1]})
    _add(head, f"{{{PODCAST}}}locked", "yes")  # a private library: no directory may take it over
    if channel.image:
        _add(head, f"{{{ITUNES}}}image", href=channel.image)
        picture = _add(head, "image")
        _add(picture, "url", channel.image)
        _add(picture, "title", channel.title)
        _add(picture, "link", channel.link)
    for episode in episodes:
        item = _add(head, "item")
        _add(item, "title", episode.title)
        _add(item, "description", episode.description)
        _add(item, "guid", episode.guid, isPermaLink="false")
        _add(item, "pubDate", formatdate(episode.published, usegmt=True))
        _add(item, "enclosure", url=episode.url, length=str(episode.length), type=episode.mime)
        _add(item, f"{{{ITUNES}}}title", episode.title)
        _add(item, f"{{{ITUNES}}}duration", _clock(episode.seconds))
        _add(item, f"{{{ITUNES}}}explicit", "false")
        _add(item, f"{{{ITUNES}}}summary", episode.description)
        if episode.number is not None:
            _add(item, f"{{{ITUNES}}}episode", str(episode.number))
        if episode.image:
            _add(item, f"{{{ITUNES}}}image", href=episode.image)
        if episode.chapters:
            _add(item, f"{{{PODCAST}}}chapters", url=episode.chapters, type=CHAPTERS_TYPE)
        if episode.transcript:
            _add(item, f"{{{PODCAST}}}transcript", url=episode.transcript, type="text/vtt", rel="captions")
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"
