"""Inputs in the board's format and the int8 tensor the model sees."""

import csv

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
    samples, _ = folder_samples(tmp_path, InputFormat((1, 2, 2, 1)))
    assert [(s.name, s.data[0], s.label) for s in samples] == [
        ("00000.bin", 0, 1), ("00001.bin", 1, None), ("00002.bin", 2, 0)]


def test_a_raw_file_of_the_wrong_size_names_the_file(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"12345")
    with pytest.raises(DataError, match="x.bin holds 5 bytes"):
        folder_samples(tmp_path, InputFormat((1, 2, 2, 1)))


def test_synthetic_frames_come_from_the_test_split_with_labels():
    samples, names = load_samples("synthetic", InputFormat((1, 16, 16, 1), "uint8"), count=5)
    assert len(samples) == 5 and len(names) >= 2
    assert all(len(s.data) == 256 and s.label is not None for s in samples)


def test_an_image_folder_gives_resized_frames_labelled_by_subfolder(tmp_path):
    import cv2

    for label, name in enumerate(("cat", "dog")):
        (tmp_path / name).mkdir()
        for i in range(2):
            image = np.full((40, 60, 3), 50 + 100 * label, np.uint8)
            cv2.imwrite(str(tmp_path / name / f"{i}.png"), image)
    samples, names = folder_samples(tmp_path, InputFormat((1, 8, 8, 1), "uint8"))
    assert names == ("cat", "dog")
    assert sorted(s.label for s in samples) == [0, 0, 1, 1]
    assert all(len(s.data) == 64 for s in samples)
    assert {s.data[0] for s in samples if s.label == 1} == {150}
