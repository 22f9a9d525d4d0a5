import cv2
import numpy as np
import pytest

from unmask import io
from unmask.pipeline import NoFaceFound

from .conftest import EXAMPLES


def _forehead(face, shape) -> np.ndarray:
    """(H, W) bool: a patch of forehead above the eyes, where no mask region ever reaches."""
    (lx, ly), (rx, _) = face.landmarks[0], face.landmarks[1]
    distance = rx - lx
    painted = np.zeros(shape[:2], bool)
    painted[int(ly - 0.6 * distance) : int(ly - 0.3 * distance), int(lx) : int(rx)] = True
    return painted


def test_seed_models_unmask_an_example_at_full_size():
    from unmask.pipeline import Unmasker

    image = io.decode(EXAMPLES / "astronaut_surgical.jpg")
    unmasker = Unmasker("rgb2rgb", sketch_model="rgb2sketch")
    result = unmasker.unmask(image)
    assert result.image.shape == image.shape and result.image.dtype == np.uint8
    assert result.sketch.shape == image.shape[:2]
    assert len(result.faces) == 1
    face = result.faces[0]
    assert face.crop_before.shape == face.crop_after.shape == (128, 128, 3)
    assert face.sketch_after.shape == (128, 128)
    # The lower face changed, the rest of the photo is the original pixels.
    x, y, w, h = face.box
    mouth = face.landmarks[3:].mean(0).astype(int)
    assert np.abs(result.image[mouth[1] - 5 : mouth[1] + 5, mouth[0] - 5 : mouth[0] + 5].astype(int)
                  - image[mouth[1] - 5 : mouth[1] + 5, mouth[0] - 5 : mouth[0] + 5].astype(int)).mean() > 5
    assert np.array_equal(result.image[:, : max(x - w, 1)], image[:, : max(x - w, 1)])
    assert "synthesized" in result.summary()
    # What is painted is pasted too, beyond the lower face the seed's models replace.
    painted = _forehead(face, image.shape)
    assert np.array_equal(result.image[painted], image[painted])
    repainted = unmasker.unmask(image, painted=painted).image
    assert np.abs(repainted[painted].astype(int) - image[painted].astype(int)).mean() > 3


def test_every_face_of_a_photo_is_processed(unmasker):
    image = io.decode(EXAMPLES / "two_faces.jpg")
    result = unmasker.unmask(image)
    assert len(result.faces) == 2
    assert result.image.shape == image.shape


def test_no_face_says_what_to_try(unmasker):
    blank = np.full((300, 400, 3), 128, np.uint8)
    with pytest.raises(NoFaceFound, match="No face found"):
        unmasker.unmask(blank)


def test_assume_crop_treats_the_image_as_one_face(unmasker):
    blank = np.full((100, 90, 3), 128, np.uint8)
    result = unmasker.unmask(blank, assume_crop=True)
    assert len(result.faces) == 1 and result.image.shape == blank.shape
    assert any("whole image" in note for note in result.notes)


def test_greyscale_arrays_are_accepted(unmasker):
    grey = cv2.cvtColor(io.decode(EXAMPLES / "astronaut_kn95.jpg"), cv2.COLOR_RGB2GRAY)  # a black-and-white photo
    result = unmasker.unmask(grey)
    assert result.image.shape == grey.shape + (3,)


def test_the_default_mask_aware_model_replaces_only_the_mask(unmasker):
    from unmask import frame

    assert unmasker.model.info.kind == "inpaint" and unmasker.sketch_model is None  # the pencil recipe on the result
    image = io.decode(EXAMPLES / "astronaut_n95.jpg")
    result = unmasker.unmask(image)
    face = result.faces[0]
    assert 0.1 < face.region.mean() < 0.6
    # The found region covers the mouth and spares the eyes.
    (lx, ly), (rx, ry) = np.round(frame.TEMPLATE[:2]).astype(int)
    mouth_x, mouth_y = np.round(frame.TEMPLATE[3:].mean(0)).astype(int)
    assert face.region[mouth_y, mouth_x] and not face.region[ly, lx] and not face.region[ry, rx]
    # In the frame, every pixel outside the region is the input's own.
    assert np.array_equal(face.crop_after[~face.region], face.crop_before[~face.region])
    # In the photo, the eyes and everything far from the face are untouched.
    for x, y in face.landmarks[:2].astype(int):
        assert np.array_equal(result.image[y - 1 : y + 2, x - 1 : x + 2], image[y - 1 : y + 2, x - 1 : x + 2])
    x, y, w, h = face.box
    assert np.array_equal(result.image[:, : max(x - w, 1)], image[:, : max(x - w, 1)])
    assert result.sketch.shape == image.shape[:2]


def test_the_mask_found_in_a_mirrored_face_is_the_mirrored_mask(unmasker):
    """masknet is asked about each crop and its mirror image, so its answer cannot depend on
    which cheek a print or a fold happens to be on."""
    from unmask import frame
    from unmask.regions import mask_probabilities

    image = io.decode(EXAMPLES / "astronaut_scarf.jpg")
    crop = unmasker.pre_process(image).crops[0].pixels
    both = mask_probabilities(unmasker.kind.needed["masknet"], np.stack([crop, crop[:, ::-1]]))
    assert np.array_equal(both[1], both[0][:, ::-1])
    mouth_x, mouth_y = np.round(frame.TEMPLATE[3:].mean(0)).astype(int)
    assert both[0][mouth_y, mouth_x] > 200 and both[0].mean() > 30


def test_a_face_whose_eyes_sit_too_close_for_a_front_view_is_left_as_it_was(unmasker, monkeypatch):
    """Aligned to the frontal frame, such a face would be redrawn in the wrong place (MTCNN put
    both eyes on one cheek of 1 of 810 real masked photos), so it keeps its pixels, with a note."""
    from dataclasses import replace

    from unmask import faces
    from unmask.faces import MIN_EYE_SPREAD

    image = io.decode(EXAMPLES / "two_faces.jpg")
    kept, squeezed = faces.detect_close_up(image)
    middle = squeezed.keypoints[:2].mean(0)
    eyes = middle + (squeezed.keypoints[:2] - middle) * (0.9 * MIN_EYE_SPREAD * squeezed.box[2] / squeezed.eye_distance)
    squeezed = replace(squeezed, keypoints=np.concatenate([eyes, squeezed.keypoints[2:]]))
    monkeypatch.setattr(faces, "detect_close_up", lambda _: [kept, squeezed])
    result = unmasker.unmask(image)
    assert [face.box for face in result.faces] == [kept.box]
    assert result.notes == ["1 face was too far from a front view to unmask and left as it was."]
    x, y, w, h = squeezed.box
    assert np.array_equal(result.image[y : y + h, x : x + w], image[y : y + h, x : x + w])
    assert (result.image != image).any()  # the other face was unmasked
    monkeypatch.setattr(faces, "detect_close_up", lambda _: [squeezed])
    with pytest.raises(NoFaceFound, match="Found 1 face, but too far from a front view.*towards the camera"):
        unmasker.unmask(image)


def test_a_close_up_that_fills_the_photo_is_unmasked_without_assume_crop(unmasker):
    from unmask import faces

    image = io.decode(EXAMPLES / "astronaut_n95.jpg")
    x, y, w, h = faces.detect(image)[0].box
    close_up = np.ascontiguousarray(image[y : y + h, x : x + w])  # a face cut to its own box
    result = unmasker.unmask(close_up)
    assert len(result.faces) == 1 and not any("whole image" in note for note in result.notes)
    assert result.image.shape == close_up.shape and (result.image != close_up).any()


def test_painted_parts_are_redrawn_too_and_the_rest_of_the_photo_kept(unmasker):
    image = io.decode(EXAMPLES / "astronaut_surgical.jpg")
    plain = unmasker.unmask(image)
    painted = _forehead(plain.faces[0], image.shape)
    repainted = unmasker.unmask(image, painted=painted)
    assert np.array_equal(plain.image[painted], image[painted])  # unpainted, the forehead is the photo's
    assert np.abs(repainted.image[painted].astype(int) - image[painted].astype(int)).mean() > 3
    found, grown = plain.faces[0].region, repainted.faces[0].region
    assert (grown & found).sum() == found.sum() and grown.sum() > found.sum() + 100
    x, y, w, h = plain.faces[0].box
    assert np.array_equal(repainted.image[:, : max(x - w, 1)], image[:, : max(x - w, 1)])  # far from the face
    # An editor may hand back the painting at its own display size: same proportions, the same pixels
    # marked but for the painted patch's own edge (rounding), in the frame
    half = cv2.resize(painted.astype(np.uint8) * 255, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_NEAREST)
    added = (grown & ~found).astype(np.uint8)
    edge = (cv2.dilate(added, np.ones((3, 3), np.uint8)) - cv2.erode(added, np.ones((3, 3), np.uint8))) > 0
    differs = unmasker.unmask(image, painted=half).faces[0].region ^ grown
    assert not (differs & ~edge).any()


def test_painting_away_from_the_faces_or_of_another_shape_is_explained(unmasker):
    from unmask.pipeline import PaintingMismatch

    image = io.decode(EXAMPLES / "astronaut_surgical.jpg")
    corner = np.zeros(image.shape[:2], bool)
    corner[:40, :40] = True
    result = unmasker.unmask(image, painted=corner)
    assert any("away from every face" in note for note in result.notes)
    assert np.array_equal(result.image, unmasker.unmask(image).image)
    with pytest.raises(PaintingMismatch, match="paint on the photo itself"):
        unmasker.unmask(image, painted=np.ones((100, 300), bool))


def test_the_package_gives_the_unmasker_without_loading_tensorflow():
    import subprocess
    import sys

    code = "import sys; from unmask import Unmasker, NoFaceFound; print(Unmasker.__name__, 'tensorflow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["Unmasker", "False"], done.stderr


def test_more_faces_than_the_cap_keeps_the_largest_with_a_note():
    from unmask.pipeline import Unmasker

    capped = Unmasker(max_faces=1)
    result = capped.unmask(io.decode(EXAMPLES / "two_faces.jpg"))
    assert len(result.faces) == 1
    assert result.faces[0].box[2] * result.faces[0].box[3] >= result.left_alone[0].box[2] * result.left_alone[0].box[3]
    assert "1 face was beyond the number of faces processed per photo and left as it was." in result.notes


def test_a_scarf_running_past_the_frame_is_redrawn_beyond_it(unmasker, astronaut, astronaut_face):
    """The frame ends a little below the chin; a scarf going on down the neck is drawn again in a
    widened frame, so none of it is left below the frame (before, the frame's edge faded into it)."""
    from unmask import frame, masks
    from unmask.pipeline import Unmasker

    masked, scarf = masks.draw_mask(astronaut, astronaut_face.landmarks, "scarf", np.random.default_rng(0))
    crop = frame.align(astronaut, astronaut_face.landmarks)
    in_frame = frame.paste(np.zeros(astronaut.shape[:2], np.uint8), np.ones((frame.SIZE, frame.SIZE), np.uint8),
                           crop.matrix, np.ones((frame.SIZE, frame.SIZE), np.float32)) > 0
    beyond = scarf & ~in_frame
    assert beyond.sum() > 1000  # the scarf does run on past the frame

    result = unmasker.unmask(masked)
    assert result.redrawn[beyond].mean() > 0.95
    assert (np.abs(result.image.astype(int) - masked).max(axis=2) > 30)[beyond].mean() > 0.9
    eyes_row = int(astronaut_face.landmarks[:2, 1].min()) - 10
    assert np.array_equal(result.image[:eyes_row], masked[:eyes_row])
    face = result.faces[0]
    assert np.array_equal(face.crop_after[~face.region], face.crop_before[~face.region])

    unwidened = Unmasker(widen=False).unmask(masked)  # the frame alone: the scarf past it stays
    assert unwidened.redrawn[beyond].mean() < 0.05


def test_mirror_false_draws_each_face_once_and_redraws_the_same_pixels(unmasker, astronaut, astronaut_face):
    """The default averages the generator's drawings of each face and of its mirror image;
    ``mirror=False`` keeps the one drawing. Both redraw the same region and nothing else."""
    from unmask import masks
    from unmask.pipeline import Unmasker

    masked, _ = masks.draw_mask(astronaut, astronaut_face.landmarks, "cloth", np.random.default_rng(3))
    averaged = unmasker.unmask(masked)
    once = Unmasker(mirror=False).unmask(masked)
    assert np.array_equal(averaged.redrawn, once.redrawn)
    near = cv2.dilate(averaged.redrawn.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0  # and its feathered edge
    assert np.array_equal(averaged.image[~near], once.image[~near])
    inside = np.abs(averaged.image.astype(int) - once.image)[averaged.redrawn]
    assert inside.mean() > 1
