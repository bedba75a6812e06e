"""The EPUB 3: a well-formed package, one XHTML per chapter, nav + NCX, metadata, escaped and script-free."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from bookgen.render.epub import render_epub
from tests.render.manuscripts import CHAPTER_TITLES, HOSTILE_PARAGRAPHS, hostile

NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def open_epub(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def xml(z: zipfile.ZipFile, name: str):
    return etree.fromstring(z.read(name))  # the XML parser: any unescaped markup is a failure here


def opf(z: zipfile.ZipFile):
    return xml(z, "EPUB/content.opf")


def test_mimetype_first_and_stored(rendered):
    z = open_epub(rendered["epub"])
    first = z.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED and first.extra == b""
    assert z.read("mimetype") == b"application/epub+zip"
    assert rendered["epub"][30:38] == b"mimetype"  # readers sniff the bytes at this offset


def test_container_points_at_the_package(rendered):
    z = open_epub(rendered["epub"])
    container = xml(z, "META-INF/container.xml")
    assert container.xpath("//c:rootfile/@full-path", namespaces=NS) == ["EPUB/content.opf"]
    assert z.testzip() is None


def test_metadata(rendered, manuscript):
    package = opf(open_epub(rendered["epub"]))
    meta = package.find("opf:metadata", NS)
    assert package.get("version") == "3.0"
    assert meta.findtext("dc:identifier", namespaces=NS) == f"urn:bookgen:{manuscript.book_id}"
    assert meta.findtext("dc:title", namespaces=NS) == manuscript.title
    assert meta.findtext("dc:creator", namespaces=NS) == "bookgen"
    assert meta.findtext("dc:language", namespaces=NS) == "en"
    assert meta.findtext("dc:date", namespaces=NS) == "2026-03-04"
    assert meta.findtext("dc:description", namespaces=NS) == manuscript.description
    modified = meta.xpath("opf:meta[@property='dcterms:modified']/text()", namespaces=NS)
    assert modified == ["2026-03-04T00:00:00Z"]


def test_manifest_spine_nav_and_ncx(rendered):
    z = open_epub(rendered["epub"])
    package = opf(z)
    items = {i.get("id"): i for i in package.findall("opf:manifest/opf:item", NS)}
    assert items["nav"].get("properties") == "nav"
    assert items["ncx"].get("media-type") == "application/x-dtbncx+xml"
    assert items["cover-img"].get("properties") == "cover-image"
    assert z.read("EPUB/" + items["cover-img"].get("href"))[:8] == b"\x89PNG\r\n\x1a\n"
    spine = package.find("opf:spine", NS)
    assert spine.get("toc") == "ncx"
    assert [r.get("idref") for r in spine] == [
        "cover",
        "title",
        "dedication",
        "nav",
        "ch-01",
        "ch-02",
        "ch-03",
    ]

    nav = xml(z, "EPUB/nav.xhtml")
    toc = nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    assert [a.get("href") for a in toc] == ["chapter-01.xhtml", "chapter-02.xhtml", "chapter-03.xhtml"]
    assert [a.xpath("string(.//x:span[@class='toc-title'])", namespaces=NS) for a in toc] == CHAPTER_TITLES
    assert nav.xpath("//x:nav[@epub:type='landmarks']", namespaces=NS)

    ncx = xml(z, "EPUB/toc.ncx")
    assert ncx.xpath("//ncx:meta[@name='dtb:uid']/@content", namespaces=NS) == [
        package.findtext("opf:metadata/dc:identifier", namespaces=NS)
    ]
    assert ncx.xpath("//ncx:navPoint/ncx:navLabel/ncx:text/text()", namespaces=NS) == CHAPTER_TITLES
    assert ncx.xpath("//ncx:navPoint/ncx:content/@src", namespaces=NS) == [
        "chapter-01.xhtml",
        "chapter-02.xhtml",
        "chapter-03.xhtml",
    ]


def test_one_xhtml_per_chapter_escaped_and_script_free(rendered, manuscript):
    z = open_epub(rendered["epub"])
    for name in z.namelist():
        assert b"<script" not in z.read(name).lower(), name
    pages = sorted(n for n in z.namelist() if n.startswith("EPUB/chapter-"))
    assert pages == ["EPUB/chapter-01.xhtml", "EPUB/chapter-02.xhtml", "EPUB/chapter-03.xhtml"]
    for page, chapter in zip(pages, manuscript.chapters, strict=True):
        doc = xml(z, page)
        sections = doc.xpath("//x:section[@epub:type='chapter']", namespaces=NS)
        assert len(sections) == 1
        assert doc.xpath("string(//x:span[@class='chapter-title'])", namespaces=NS) == chapter.title
        texts = [p.xpath("string(.)") for p in sections[0].findall("x:p", NS)]
        assert texts[: len(HOSTILE_PARAGRAPHS)] == HOSTILE_PARAGRAPHS
        assert texts[-1] == "bell nul vt del lonesurrogate"
        assert not doc.xpath("//x:script | //x:b | //x:img", namespaces=NS)
        assert not doc.xpath("//x:span[@class='initial']", namespaces=NS)  # drop caps are for print only
        assert doc.xpath("//x:link/@href", namespaces=NS) == ["css/book.css"]


def test_title_and_dedication_pages(rendered, manuscript):
    z = open_epub(rendered["epub"])
    title = xml(z, "EPUB/title.xhtml")
    assert title.xpath("string(//x:h1)", namespaces=NS) == manuscript.title
    assert title.xpath("string(//x:bdi)", namespaces=NS) == manuscript.reader_name
    dedication = xml(z, "EPUB/dedication.xhtml")
    assert [p.text for p in dedication.iter(f"{{{NS['x']}}}p")] == [
        "For you & me <script>x</script>",
        "and 🐉",
    ]
    css = z.read("EPUB/css/book.css").decode()
    assert "@page {" not in css and "@bottom-center" not in css and "body {" in css


def test_lang_and_direction(rendered, rendered_rtl):
    z = open_epub(rendered["epub"])
    page = xml(z, "EPUB/chapter-01.xhtml")
    assert (page.get("lang"), page.get(XML_LANG), page.get("dir")) == ("en", "en", "ltr")
    z = open_epub(rendered_rtl["epub"])
    assert "EPUB/dedication.xhtml" not in z.namelist() and "EPUB/cover.xhtml" not in z.namelist()
    for name in [n for n in z.namelist() if n.endswith(".xhtml")]:
        page = xml(z, name)
        assert (page.get("lang"), page.get(XML_LANG), page.get("dir")) == ("he", "he", "rtl"), name
    package = opf(z)
    assert package.find("opf:spine", NS).get("page-progression-direction") == "rtl"
    assert package.findtext("opf:metadata/dc:language", namespaces=NS) == "he"


def test_fixed_timestamps_and_byte_identical(rendered, manuscript, cover):
    z = open_epub(rendered["epub"])
    assert {i.date_time for i in z.infolist()} == {(2026, 3, 4, 0, 0, 0)}
    assert render_epub(manuscript, cover) == rendered["epub"]


@pytest.mark.parametrize("date", ["not a date", "1970-01-01", "2026-02-30"])
def test_odd_dates_still_give_a_valid_archive(date):
    data = render_epub(hostile().model_copy(update={"date": date}))
    assert {i.date_time for i in open_epub(data).infolist()} == {(1980, 1, 1, 0, 0, 0)}
