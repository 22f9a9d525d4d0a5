"""A picture of what the widened frame changes, on faces this project may show.

    python -m docs.make_widened_sheet        # writes docs/screenshots/widened-frame.png

Rows: the public-domain astronaut portrait (scikit-image) with each kind of mask the renderer
draws large (seed 0..2) and the scarf example. Columns: the masked photo, the result with the frame
alone (``Unmasker(widen=False)``), the result with the widened frame, the redrawn part outlined.
No research-only face is used, so the picture can be committed.
"""
from __future__ import annotations

import cv2
import numpy as np
from skimage import data

from unmask import faces, io, masks, overlay
from unmask.pipeline import Unmasker
from docs.page_tour import ROOT

OUT = ROOT / "docs" / "screenshots" / "widened-frame.png"
HEIGHT = 300


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
        cells = [photo, before.image, after.image, overlay.faces(after.image, [], after.redrawn)]
        x, y, w, h = after.faces[0].box  # the face and what lies under it
        top, bottom = max(y - h // 3, 0), min(y + 2 * h, photo.shape[0])
        left, right = max(x - h // 2, 0), min(x + w + h // 2, photo.shape[1])
        cells = [cv2.resize(c[top:bottom, left:right], None, fx=HEIGHT / (bottom - top), fy=HEIGHT / (bottom - top))
                 for c in cells]
        lines.append(np.concatenate(cells, axis=1))
    width = max(line.shape[1] for line in lines)
    sheet = np.concatenate([np.pad(line, ((0, 4), (0, width - line.shape[1]), (0, 0))) for line in lines])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(OUT), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"wrote {OUT}: masked | frame only | widened frame | redrawn part outlined")


if __name__ == "__main__":
    main()
