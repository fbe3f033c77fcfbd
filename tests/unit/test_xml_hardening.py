"""Hostile XML: entity bombs and external entities are refused with a reason and read nothing.

Time and memory of the refusal are measured by ``newsdigest bench`` (speed is never asserted in tests).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from bot.ingest import xmlsafe
from bot.ingest.formats import DumpError, parse_bytes

SECRET = "TOP-SECRET-LOCAL-FILE-CONTENT"


def billion_laughs(root: str = "lolz", levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(entities) +
            f"\n]>\n<{root}><title>&lol{levels - 1};</title></{root}>").encode()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def xxe_feed(secret: Path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><title>t</title><item><title>Leak &xxe;</title>'
            "<description>Body &xxe; text that would be a story.</description></item></channel></rss>").encode()


def xxe_parameter_entity(secret: Path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY % leak SYSTEM "file://{secret}"> %leak;]>'
            "<nitf><body><body.head><hedline><hl1>Headline</hl1></hedline></body.head>"
            "<body.content><p>Some text here.</p></body.content></body></nitf>").encode()


@pytest.mark.parametrize("root", ["lolz", "rss", "newsItem", "nitf", "feed"])
def test_billion_laughs_is_refused_with_a_reason_whatever_the_root(root: str) -> None:
    with pytest.raises(DumpError) as caught:
        parse_bytes(billion_laughs(root), name="bomb.xml")
    assert "declares entities" in caught.value.reason


@pytest.mark.parametrize("make", [xxe_feed, xxe_parameter_entity])
def test_external_entities_are_refused_and_read_no_local_file(make: object, secret_file: Path) -> None:
    data = make(secret_file)  # type: ignore[operator]
    with pytest.raises(DumpError) as caught:
        parse_bytes(data, name="xxe.xml", content_type="application/xml")
    assert "declares entities" in caught.value.reason and SECRET not in caught.value.reason


def test_the_parser_itself_expands_nothing_even_without_the_text_check(secret_file: Path) -> None:
    """Second line of defence: the lxml parser we configure neither loads the file nor expands the bomb."""
    body = xxe_feed(secret_file).split(b"?>", 1)[1]
    root = etree.fromstring(body, xmlsafe._parser(recover=False))
    assert SECRET not in etree.tostring(root, encoding="unicode")
    with pytest.raises(DumpError):
        xmlsafe._no_declared_entities(root)
    with pytest.raises(etree.XMLSyntaxError):  # libxml2's amplification limit stays on
        etree.fromstring(billion_laughs().split(b"?>", 1)[1], xmlsafe._parser(recover=False))


def test_entity_declarations_hidden_after_a_long_doctype_are_still_found() -> None:
    padding = "".join(f"<!-- {i:04d} {'x' * 80} -->" for i in range(200))
    data = f'<?xml version="1.0"?><!DOCTYPE rss [{padding}<!ENTITY a "b">]><rss><channel/></rss>'.encode()
    with pytest.raises(DumpError, match="declares entities"):
        parse_bytes(data, name="feed.xml")


def test_a_doctype_without_entities_is_fine_and_its_dtd_is_never_fetched() -> None:
    data = (b'<?xml version="1.0"?><!DOCTYPE nitf SYSTEM "http://127.0.0.1:9/nitf.dtd">'
            b"<nitf><body><body.head><hedline><hl1>Roads reopen after the floods</hl1></hedline></body.head>"
            b"<body.content><p>All main roads reopened on Friday, the police said.</p></body.content></body></nitf>")
    (article,) = parse_bytes(data, name="story.xml").articles
    assert article.title == "Roads reopen after the floods"


def test_deep_nesting_is_refused_not_recursed_into() -> None:
    data = b"<nitf>" + b"<block>" * 100_000 + b"</block>" * 100_000 + b"</nitf>"
    with pytest.raises(DumpError):
        parse_bytes(data, name="deep.xml")
