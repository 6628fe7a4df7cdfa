"""Inputs in the board's format and the int8 tensor the model sees."""

import csv
import re

import numpy as np
import pytest

from tinyvid.errors import DataError
from tinyvid.harness.inputs import InputFormat, encode_frames, folder_samples, load_samples, quantize, to_model_tensor


def test_conversions_match_the_firmware():
    frame = np.array([[[0], [128], [255], [7]]], np.uint8)  # 1x4x1
    for conversion, expected in (("uint8", [-128, 0, 127, -121]), ("int8", [-128, 0, 127, -121])):
        fmt = InputFormat((1, 1, 4, 1), conversion)
        data = encode_frames(frame[None], fmt)[0]
        assert to_model_tensor(data, fmt).reshape(-1).tolist() == expected
    fmt = InputFormat((1, 1, 4, 1), "float32", 1 / 255, -128)
    data = encode_frames(frame[None], fmt)[0]
    assert len(data) == 16
    assert to_model_tensor(data, fmt).reshape(-1).tolist() == [-128, 0, 127, -121]


def test_quantize_rounds_half_away_from_zero_and_clamps():
    assert quantize(np.array([0.5, -0.5, 1.5, 1000.0, -1000.0]), 1.0, 0).tolist() == [1, -1, 2, 127, -128]


def test_a_wrong_input_size_is_a_data_error():
    with pytest.raises(DataError, match="holds 3 bytes"):
        to_model_tensor(b"abc", InputFormat((1, 4)))


def test_raw_files_with_labels_csv_are_read(tmp_path):
    for i in range(3):
        (tmp_path / f"{i:05d}.bin").write_bytes(bytes([i]) * 4)
    with open(tmp_path / "labels.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["file", "label"], ["00000.bin", 1], ["00002.bin", 0]])
    samples = folder_samples(tmp_path, InputFormat((1, 2, 2, 1))).samples
    assert [(s.name, s.data[0], s.label) for s in samples] == [
        ("00000.bin", 0, 1), ("00001.bin", 1, None), ("00002.bin", 2, 0)]


def test_a_raw_file_of_the_wrong_size_names_the_file(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"12345")
    with pytest.raises(DataError, match="x.bin holds 5 bytes"):
        folder_samples(tmp_path, InputFormat((1, 2, 2, 1)))


def test_synthetic_frames_come_from_the_test_split_with_labels():
    loaded = load_samples("synthetic", InputFormat((1, 16, 16, 1), "uint8"), count=5)
    samples, names = loaded.samples, loaded.class_names
    assert len(samples) == 5 and len(names) >= 2
    assert all(s.name.startswith("synthetic/test/") for s in samples) and "test split" in loaded.origin
    assert all(len(s.data) == 256 and s.label is not None for s in samples)


def test_an_image_folder_gives_resized_frames_labelled_by_subfolder(tmp_path):
    import cv2

    for label, name in enumerate(("cat", "dog")):
        (tmp_path / name).mkdir()
        for i in range(2):
            image = np.full((40, 60, 3), 50 + 100 * label, np.uint8)
            cv2.imwrite(str(tmp_path / name / f"{i}.png"), image)
    loaded = folder_samples(tmp_path, InputFormat((1, 8, 8, 1), "uint8"))
    samples, names = loaded.samples, loaded.class_names
    assert names == ("cat", "dog")
    assert sorted(s.name for s in samples) == ["cat/0.png", "cat/1.png", "dog/0.png", "dog/1.png"]
    assert "too few for a train/val/test split" in loaded.origin
    assert sorted(s.label for s in samples) == [0, 0, 1, 1]
    assert all(len(s.data) == 64 for s in samples)
    assert {s.data[0] for s in samples if s.label == 1} == {150}


def _class_folder(root, files_per_class=6, clips=False):
    """Two classes of distinct grey levels; with ``clips``, each file is a 3 s video."""
    import cv2

    for label, name in enumerate(("background", "person")):
        (root / name).mkdir(parents=True)
        for i in range(files_per_class):
            level = 10 * i + 120 * label
            if clips:
                out = cv2.VideoWriter(str(root / name / f"clip{i}.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
                for _ in range(30):
                    out.write(np.full((24, 32, 3), level, np.uint8))
                out.release()
            else:
                cv2.imwrite(str(root / name / f"img{i}.png"), np.full((24, 32, 3), level, np.uint8))
    return root


def test_a_class_folder_is_drawn_from_the_test_split_training_holds_out(tmp_path):
    from tinyvid.data import load_dataset

    folder = _class_folder(tmp_path / "data", files_per_class=10)
    loaded = folder_samples(folder, InputFormat((1, 8, 8, 1), "uint8"))
    test = load_dataset(str(folder), image_size=(8, 8), channels=1, seed=0).test
    assert len(loaded.samples) == len(test) and "test split" in loaded.origin
    # the very frames (and labels) of the test split that training held out
    assert sorted((s.data, s.label) for s in loaded.samples) == sorted(
        (frame.tobytes(), int(y)) for frame, y in zip(test.as_uint8(), test.y))
    # each named by its file, whose pixels it holds
    for sample in loaded.samples:
        label, name = sample.name.split("/")
        level = 10 * int(name.removeprefix("img").removesuffix(".png")) + 120 * ("person" == label)
        assert sample.data[0] == level and sample.label == ("person" == label)


def test_frames_of_a_clip_are_named_by_file_and_frame_index(tmp_path):
    folder = _class_folder(tmp_path / "clips", files_per_class=6, clips=True)
    loaded = folder_samples(folder, InputFormat((1, 8, 8, 1), "uint8"))
    names = [s.name for s in loaded.samples]
    assert names and all(re.fullmatch(r"(background|person)/clip\d\.avi frame \d", n) for n in names)
    # 3 s at the default 2 frames per second: frames 0..5 of every held-out clip
    clips = {n.split(" frame ")[0] for n in names}
    assert sorted(names) == sorted(f"{c} frame {k}" for c in clips for k in range(6))


def test_fps_samples_the_clips_as_train_and_compress_do(tmp_path):
    folder = _class_folder(tmp_path / "clips", files_per_class=6, clips=True)
    loaded = load_samples(str(folder), InputFormat((1, 8, 8, 1), "uint8"), fps=1.0)
    names = [s.name for s in loaded.samples]
    clips = {n.split(" frame ")[0] for n in names}
    assert clips and sorted(names) == sorted(f"{c} frame {k}" for c in clips for k in range(3))  # 3 s at 1 fps
