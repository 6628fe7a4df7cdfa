from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.data import load_dataset
from tinyvid.errors import DataError

from .conftest import write_clip, write_png


def test_image_folder_loads_each_class_and_image(image_folder):
    ds = load_dataset(str(image_folder), image_size=(16, 16))
    assert ds.class_names == ("bright", "dark")  # sorted folder names
    assert ds.name == "images" and ds.details["images"] == 12
    x = np.concatenate([ds.train.x, ds.val.x, ds.test.x])
    y = np.concatenate([ds.train.y, ds.val.y, ds.test.y])
    assert x.shape == (12, 16, 16, 1)
    # the bright class really is bright, the dark class dark (pixels flowed through)
    assert x[y == 0].mean() > 0.7 and x[y == 1].mean() < 0.3
    assert np.unique(np.concatenate([ds.train.groups, ds.val.groups, ds.test.groups])).size == 12


def test_image_is_centre_cropped_to_the_target_aspect(tmp_path):
    import cv2

    root = tmp_path / "d"
    for cls, value in (("a", 0), ("b", 255)):
        for i in range(3):
            img = np.full((20, 60, 3), 128, np.uint8)
            img[:, 20:40] = value  # only the centre square has the class colour
            (root / cls).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / cls / f"{i}.png"), img)
    ds = load_dataset(str(root), image_size=(10, 10))
    x = np.concatenate([ds.train.x, ds.val.x, ds.test.x])
    y = np.concatenate([ds.train.y, ds.val.y, ds.test.y])
    assert np.all(x[y == 0] == 0.0) and np.all(x[y == 1] == 1.0)


def test_video_folder_samples_frames_at_the_requested_rate(video_folder):
    ds = load_dataset(str(video_folder), image_size=(12, 16), channels=3, fps=2.0)
    # 20 frames at 10 fps = 2 s of video -> 4 frames at 2 fps, 8 clips
    assert len(ds.train) + len(ds.val) + len(ds.test) == 8 * 4
    assert ds.details == {"images": 0, "videos": 8, "fps": 2.0}
    assert ds.train.x.shape[1:] == (12, 16, 3)
    for split in (ds.train, ds.val, ds.test):
        _, counts = np.unique(split.groups, return_counts=True)
        assert set(counts.tolist()) == {4}  # every clip whole on one side


def test_higher_frame_rate_gives_more_frames(video_folder):
    slow = load_dataset(str(video_folder), fps=1.0)
    fast = load_dataset(str(video_folder), fps=5.0)
    assert len(fast.train) + len(fast.test) + len(fast.val) == 8 * 10
    assert len(slow.train) + len(slow.test) + len(slow.val) == 8 * 2


def _cli_error(args) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(str(tmp_path / "nope"))
    out = _cli_error(["data", str(tmp_path / "nope")])
    assert "error: data folder" in out and "hint:" in out


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="is empty"):
        load_dataset(str(tmp_path / "empty"))
    assert "is empty" in _cli_error(["data", str(tmp_path / "empty")])


def test_images_without_class_folders(tmp_path):
    write_png(tmp_path / "flat" / "a.png", 10)
    with pytest.raises(DataError, match="no class subfolders") as err:
        load_dataset(str(tmp_path / "flat"))
    assert "subfolder" in err.value.hint


def test_class_folder_without_frames(image_folder):
    (image_folder / "nothing").mkdir()
    (image_folder / "nothing" / "notes.txt").write_text("no frames here")
    with pytest.raises(DataError, match="class folder 'nothing'.*no images or video clips"):
        load_dataset(str(image_folder))
    assert "'nothing'" in _cli_error(["data", str(image_folder)])


def test_unreadable_image(image_folder):
    (image_folder / "dark" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataError, match=r"cannot be read: dark/broken.png \(cannot read image\)"):
        load_dataset(str(image_folder))
    assert "broken.png" in _cli_error(["data", str(image_folder)])


def test_unreadable_video(video_folder):
    (video_folder / "dark" / "broken.avi").write_bytes(b"RIFF\x00\x00garbage" * 10)
    with pytest.raises(DataError, match=r"cannot be read: dark/broken.avi \(cannot (open|decode any frame of) video\)"):
        load_dataset(str(video_folder))
    assert "broken.avi" in _cli_error(["data", str(video_folder)])


def test_too_few_clips_for_three_splits(tmp_path):
    write_clip(tmp_path / "v" / "a" / "1.avi", 10)
    write_clip(tmp_path / "v" / "a" / "2.avi", 20)
    write_clip(tmp_path / "v" / "b" / "1.avi", 200)
    write_clip(tmp_path / "v" / "b" / "2.avi", 210)
    write_clip(tmp_path / "v" / "b" / "3.avi", 220)
    with pytest.raises(DataError, match="class 'a' has 2 clip"):
        load_dataset(str(tmp_path / "v"))
    assert "at least 3" in _cli_error(["data", str(tmp_path / "v")])


def test_data_command_prints_classes_and_splits(image_folder):
    result = CliRunner().invoke(main, ["data", str(image_folder), "--image-size", "16x16"])
    assert result.exit_code == 0, result.output
    assert "bright" in result.output and "dark" in result.output and "train" in result.output


def test_data_command_json_counts_every_frame(video_folder):
    import json

    result = CliRunner().invoke(main, ["data", str(video_folder), "--json", "--fps", "1"])
    assert result.exit_code == 0, result.output
    desc = json.loads(result.output)
    assert desc["frames"] == 16 and desc["class_names"] == ["bright", "dark"]
    assert sum(desc["splits"][s]["clips"] for s in ("train", "val", "test")) == 8
