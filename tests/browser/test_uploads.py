"""Uploading in a real browser: an image into the editor's Markdown, a picture as the avatar."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_journeys import register

pytestmark = pytest.mark.slow

MEDIA_IMAGE = re.compile(r"/media/[0-9a-f]{64}(-\d+)?\.png$")


def png(size: tuple[int, int] = (500, 300), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """Return a PNG image of one colour."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_an_image_uploaded_in_the_editor_is_inserted_and_previewed(new_page):
    page, _ = new_page()
    register(page, "painter")
    page.goto("/editor")
    body = page.get_by_label("Article (Markdown)")
    body.fill("A red square:\n\n")

    page.locator("[data-upload-input]").set_input_files(
        files=[{"name": "red square.png", "mimeType": "image/png", "buffer": png()}]
    )

    expect(page.locator("[data-upload-status]")).to_have_text(
        "red square.png is uploaded and inserted."
    )
    expect(body).to_have_value(
        re.compile(r"^A red square:\n\n!\[red square\]\(/media/[0-9a-f]{64}\.png\)$")
    )
    image = page.locator("#preview-pane img[alt='red square']")
    expect(image).to_have_attribute("src", MEDIA_IMAGE)
    page.wait_for_function(
        "() => document.querySelector('#preview-pane img')?.naturalWidth === 500"
    )


def test_a_refused_file_says_why_next_to_the_button(new_page):
    page, errors = new_page()
    register(page, "scribe")
    page.goto("/editor")
    body = page.get_by_label("Article (Markdown)")
    body.fill("Text")

    page.locator("[data-upload-input]").set_input_files(
        files=[{"name": "page.html", "mimeType": "text/html", "buffer": b"<html><b>x</b></html>"}]
    )

    status = page.locator("[data-upload-status]")
    expect(status).to_have_text(
        "Could not upload page.html: HTML, SVG and XML files are not accepted"
    )
    expect(status).to_have_class(re.compile(r"\btext-danger\b"))
    expect(body).to_have_value("Text")
    # The browser logs the 422 answer, which is the point here; nothing else may be logged.
    assert [m for m in errors.console if "status of 422" not in m] == []
    errors.console.clear()


def test_an_uploaded_picture_becomes_the_avatar(new_page, live_server):
    page, _ = new_page()
    register(page, "portrait")
    page.goto("/settings")

    page.get_by_label("Or upload a picture").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": png((900, 900))}]
    )

    field = page.get_by_label("Avatar picture (address)")
    expect(field).to_have_value(re.compile(rf"^{re.escape(live_server.url)}/media/"))
    address = field.input_value()
    assert address.endswith("-400.png")  # the 400 px thumbnail, not the 900 px original
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_label("Avatar picture (address)")).to_have_value(address)
    avatar = page.locator("[data-avatar-preview] img")
    expect(avatar).to_have_attribute("src", address)
    page.wait_for_function(
        "() => document.querySelector('[data-avatar-preview] img')?.naturalWidth === 400"
    )


def test_a_file_dropped_on_the_text_is_linked_at_the_cursor(new_page):
    page, _ = new_page()
    register(page, "dropper")
    page.goto("/editor")
    body = page.get_by_label("Article (Markdown)")
    body.fill("See  for the details.")
    body.evaluate("(area) => area.setSelectionRange(4, 4)")

    page.evaluate(
        """(bytes) => {
          const files = new DataTransfer();
          files.items.add(new File([new Uint8Array(bytes)], "notes [v2].pdf",
                                   {type: "application/pdf"}));
          const area = document.querySelector("[data-preview-source]");
          area.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true,
                                                    cancelable: true}));
        }""",
        list(b"%PDF-1.4\n%dropped\n"),
    )

    expect(body).to_have_value(
        re.compile(r"^See \[notes \\\[v2\\\]\.pdf\]\(/media/[0-9a-f]{64}\.pdf\) for the details\.$")
    )
    expect(page.locator("#preview-pane a", has_text="notes [v2].pdf")).to_have_attribute(
        "href", re.compile(r"^/media/[0-9a-f]{64}\.pdf$")
    )
