"""Cleaning a large photo costs about one decoded copy of it, not three or four.

A JPEG just under the pixel cap cost the web process +151 MB or more per upload: the decoded
image, a copy turned upright, and the coefficients kept for optimised Huffman tables.
Measured in a process of its own (peak RSS, ``VmHWM``), not timed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

PROBE = """
import io, sys
from PIL import Image
from inkstone.media.images import clean_image, make_thumbnails
side = int(sys.argv[1])
image = Image.effect_noise((side // 10, side // 10), 40).convert("RGB").resize((side, side))
buffer = io.BytesIO()
image.save(buffer, "JPEG", quality=80)
data = buffer.getvalue()
del image, buffer
def status(field):
    return int(open("/proc/self/status").read().split(field + ":")[1].split()[0]) // 1024
open("/proc/self/clear_refs", "w").write("5")  # reset the peak to now
before = status("VmRSS")
clean_image(data, max_pixels=side * side)
after_clean = status("VmHWM")
make_thumbnails(data, sizes=(1200, 400, 96))
print(after_clean - before, status("VmHWM") - before)
"""


def test_a_25_megapixel_photo_is_cleaned_and_shrunk_in_about_one_decoded_copy():
    side = 5000  # 25 million pixels, the default MAX_IMAGE_PIXELS
    decoded_mb = side * side * 3 / 2**20  # 72 MB as RGB
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(side)], capture_output=True, text=True, check=True
    ).stdout.split()
    clean_mb, thumbnails_mb = int(out[0]), int(out[1])
    assert clean_mb <= 1.5 * decoded_mb, clean_mb  # was 266 MB: 3.7 copies
    assert thumbnails_mb <= 1.5 * decoded_mb, thumbnails_mb
