"""Object data: the synthetic scenes' ground truth and the labels file of image folders."""

from __future__ import annotations

import numpy as np
import pytest

from tinyvid.data.objects import load_objects, read_labels, synthetic_objects, write_labels
from tinyvid.errors import DataError


def test_synthetic_scenes_are_deterministic_and_their_centroids_sit_on_the_objects():
    frames, objects = synthetic_objects(12, (96, 96), seed=3)
    again, objects2 = synthetic_objects(12, (96, 96), seed=3)
    assert np.array_equal(frames, again) and all(np.array_equal(a, b) for a, b in zip(objects, objects2))
    assert frames.shape == (12, 96, 96, 3) and frames.dtype == np.uint8
    rows = np.concatenate(objects)
    assert len(rows) >= 12 and set(rows[:, 0].astype(int)) <= {1, 2}
    assert np.all((rows[:, 1] >= 0) & (rows[:, 1] < 96) & (rows[:, 2] >= 0) & (rows[:, 2] < 96))
    assert np.all(rows[:, 3] > 2) and np.all(rows[:, 4] > 2)


def test_the_synthetic_set_splits_by_frame(tmp_path):
    ds = load_objects("synthetic", frames=40, seed=1)
    assert ds.class_names == ("background", "person", "vehicle") and ds.input_shape == (96, 96, 1)
    assert len(ds.train) + len(ds.val) + len(ds.test) == 40
    assert not set(ds.train.names) & set(ds.test.names)
    assert ds.describe()["task"] == "detection"


def test_an_image_folder_takes_a_labels_file_scaled_to_the_model_input(tmp_path):
    import cv2

    for i in range(4):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), np.full((100, 200, 3), 40 * i, np.uint8))
    (tmp_path / "objects.csv").write_text("frame,class,x,y,w,h\nimg0.png,car,100,50,20,10\nimg1.png,dog,60,20\n"
                                         "img1.png,car,10,10\n")
    ds = load_objects(str(tmp_path), image_size=(50, 50), val_fraction=0.25, test_fraction=0.25)
    assert ds.class_names == ("background", "car", "dog")
    objs = dict(zip(ds.train.names + ds.val.names + ds.test.names, ds.train.objects + ds.val.objects + ds.test.objects))
    # 200x100 is centre-cropped to 100x100 (columns 50..150), then halved
    np.testing.assert_allclose(objs["img0.png"], [[1, 25, 25, 10, 5]])
    assert objs["img1.png"][:, :3].tolist() == [[2, 5, 10]]  # the car at x=10 was cropped away
    assert len(objs["img2.png"]) == 0


def test_labels_round_trip_and_bad_lines_are_named(tmp_path):
    path = write_labels(tmp_path / "objects.csv", ["a.png"], [np.array([[1, 3.5, 4, np.nan, np.nan]])],
                        ("background", "person"))
    assert read_labels(path) == {"a.png": [("person", 3.5, 4.0, pytest.approx(np.nan, nan_ok=True),
                                           pytest.approx(np.nan, nan_ok=True))]}
    (tmp_path / "bad.csv").write_text("a.png,person,3\n")
    with pytest.raises(DataError) as err:
        read_labels(tmp_path / "bad.csv")
    assert "line 1" in err.value.message and "frame,class,x,y" in err.value.hint
    (tmp_path / "x.csv").write_text("a.png,person,zz,4\n")
    with pytest.raises(DataError, match="numbers"):
        read_labels(tmp_path / "x.csv")


def test_a_folder_without_labels_or_with_unknown_frames_is_refused(tmp_path):
    import cv2

    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(DataError, match="objects.csv"):
        load_objects(str(tmp_path))
    (tmp_path / "objects.csv").write_text("b.png,person,1,1\n")
    with pytest.raises(DataError, match="b.png"):
        load_objects(str(tmp_path))


def test_validate_takes_the_object_scenes_as_its_inputs(monkeypatch):
    import tinyvid.data.objects as objects
    from tinyvid.harness.inputs import InputFormat, load_samples

    monkeypatch.setattr(objects, "SYNTHETIC_FRAMES", 60)  # a small set: the same split rule

    fmt = InputFormat((1, 96, 96, 1), "uint8", 1 / 255, -128)
    inputs = load_samples("synthetic-objects", fmt, count=3, seed=0)
    test = load_objects("synthetic", seed=0).test
    assert [s.name for s in inputs.samples] == [test.names[i] for i in range(len(test)) if test.names[i] in
                                               {s.name for s in inputs.samples}]
    assert all(s.label is None and len(s.data) == 96 * 96 for s in inputs.samples)
    first = test.names.index(inputs.samples[0].name)
    assert inputs.samples[0].data == test.as_uint8()[first].tobytes()
