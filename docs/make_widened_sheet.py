"""A picture of what the widened frame changes, on faces this project may show.

    python -m docs.make_widened_sheet        # writes docs/screenshots/widened-frame.jpg

Rows: the public-domain astronaut portrait (scikit-image) with each kind of mask the renderer
draws large (seed 0..2) and the scarf example. Columns: the masked photo, the result with the frame
alone (``Unmasker(widen=False)``), the result with the widened frame, the redrawn part outlined.
No research-only face is used, so the picture can be committed.
"""
from __future__ import annotations

import numpy as np
from skimage import data

from docs.page_tour import ROOT
from train.look import around_face
from unmask import faces, io, masks, overlay
from unmask.pipeline import Unmasker

OUT = ROOT / "docs" / "screenshots" / "widened-frame.jpg"
HEIGHT = 240


def rows() -> list[np.ndarray]:
    astronaut = data.astronaut()
    landmarks = faces.detect(astronaut)[0].landmarks
    masked = [masks.draw_mask(astronaut, landmarks, kind, np.random.default_rng(seed))[0]
              for kind, seed in (("scarf", 0), ("scarf", 2), ("cloth", 1))]
    return masked + [io.decode(ROOT / "examples" / "astronaut_scarf.jpg")]


def main() -> None:
    widened, frame_only = Unmasker(), Unmasker(widen=False)
    lines = []
    for photo in rows():
        before, after = frame_only.unmask(photo), widened.unmask(photo)
        outlined = overlay.faces(after.image, [], after.redrawn)
        lines.append(around_face(after.faces[0].box, [photo, before.image, after.image, outlined], HEIGHT))
    width = max(line.shape[1] for line in lines)
    sheet = np.concatenate([np.pad(line, ((0, 4), (0, width - line.shape[1]), (0, 0))) for line in lines])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(io.encode_jpeg(sheet))  # labelled as synthesized, as the page's JPEGs are
    print(f"wrote {OUT}: masked | frame only | widened frame | redrawn part outlined")


if __name__ == "__main__":
    main()
