"""Real photos of digits: EXIF orientation, 16-bit and float pixels, a dark table edge on a
white page, inputs unlike a digit, and ``nndl predict`` on several images at once. The photos
are made here: a "7" drawn in dark ink on light paper, then stored the way cameras store them."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nndl.data.imageprep import digit_warnings, load_digit, mnist_like, prepare_digit, read_grayscale


def page(w=240, h=320, ink=30, paper=235, margin=None) -> Image.Image:
    """A grayscale photo of a 7 on paper; ``margin`` darkens the left and bottom bands."""
    im = Image.new("L", (w, h), paper)
    d = ImageDraw.Draw(im)
    if margin:
        d.rectangle([0, 0, margin[0], h], fill=25)           # the table along the left edge
        d.rectangle([0, h - margin[1], w, h], fill=25)       # and along the bottom
    d.line([(110, 70), (200, 70), (140, 220)], fill=ink, width=14)
    return im


@pytest.fixture(scope="module")
def clean():
    return mnist_like(np.asarray(page(), dtype=np.float32) / 255)


def similar(a, b) -> float:
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def test_exif_rotated_jpeg_is_turned_upright(tmp_path, clean):
    stored = page().transpose(Image.Transpose.ROTATE_90)     # the sensor's sideways pixels
    exif = Image.Exif()
    exif[0x0112] = 6                                          # "rotate 90° clockwise to view"
    stored.convert("RGB").save(tmp_path / "phone.jpg", quality=92, exif=exif)
    assert read_grayscale(tmp_path / "phone.jpg").shape == (320, 240)
    assert similar(load_digit(tmp_path / "phone.jpg"), clean) > 0.9


def test_16_bit_png_is_rescaled_not_clipped(tmp_path, clean):
    g = np.asarray(page(), dtype=np.float64) / 255
    Image.fromarray((1000 + g * 50000).astype(np.uint16)).save(tmp_path / "scan16.png")
    with Image.open(tmp_path / "scan16.png") as im:
        assert im.mode.startswith("I")                        # really 16-bit on disk
    assert similar(load_digit(tmp_path / "scan16.png"), clean) > 0.95


def test_float_tiff_is_rescaled(tmp_path, clean):
    g = np.asarray(page(), dtype=np.float32) / 255
    Image.fromarray(g, mode="F").save(tmp_path / "scan.tif")
    assert similar(load_digit(tmp_path / "scan.tif"), clean) > 0.95


def test_dark_table_edge_on_a_white_page_does_not_flip_the_image(tmp_path, clean):
    photo = page(margin=(60, 80))                             # most of the border is the dark table
    photo.save(tmp_path / "desk.png")
    x, notes = prepare_digit(tmp_path / "desk.png")
    assert similar(x, clean) > 0.9
    assert any("touching the image's edge" in n for n in notes)


def test_light_on_dark_and_dark_on_light_agree(clean):
    g = np.asarray(page(), dtype=np.float32) / 255
    assert similar(mnist_like(1.0 - g), clean) > 0.99


def test_inputs_unlike_a_digit_get_a_warning(tmp_path, clean):
    assert digit_warnings(clean) == []
    blobs = Image.new("L", (200, 200), 240)
    d = ImageDraw.Draw(blobs)
    for x, y in ((30, 30), (130, 40), (40, 130), (140, 140)):
        d.ellipse([x, y, x + 40, y + 40], fill=20)            # four separate dots
    blobs.save(tmp_path / "dots.png")
    _, warnings = prepare_digit(tmp_path / "dots.png")
    assert any("blobs" in w for w in warnings)
    block = Image.new("L", (200, 200), 240)
    ImageDraw.Draw(block).rectangle([50, 40, 150, 160], fill=10)   # a filled block
    block.save(tmp_path / "block.png")
    _, warnings = prepare_digit(tmp_path / "block.png")
    assert any("ink covers" in w for w in warnings)


def test_predict_reports_every_image_and_fails_only_the_bad_ones(tmp_path, capsys):
    import nndl
    from nndl.cli.main import main

    model = nndl.Sequential([nndl.Dense(10, "softmax", input_dim=784)], cost="log_likelihood", seed=0)
    nndl.save_model(model, tmp_path / "m.npz")
    page().save(tmp_path / "seven.png")
    Image.new("L", (50, 50), 255).save(tmp_path / "blank.png")
    (tmp_path / "junk.png").write_bytes(b"\x89PNG not really")
    page().save(tmp_path / "again.jpg")
    images = [tmp_path / n for n in ("seven.png", "blank.png", "junk.png", "again.jpg")]
    rc = main(["predict", str(tmp_path / "m.npz"), *map(str, images), "--json"])
    out, err = capsys.readouterr()
    assert rc == 2
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["image"] for r in rows] == [str(p) for p in images]
    assert "digit" in rows[0] and "digit" in rows[3] and rows[0]["digit"] == rows[3]["digit"]
    assert "blank" in rows[1]["error"] and "cannot read" in rows[2]["error"]
    errors = err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("nndl: error: ") for e in errors)
    assert str(images[1]) in errors[0] and str(images[2]) in errors[1]
    assert main(["predict", str(tmp_path / "m.npz"), str(images[0]), str(images[3])]) == 0
    out, _ = capsys.readouterr()
    assert [line.split(":")[0] for line in out.splitlines()] == [str(images[0]), str(images[3])]
