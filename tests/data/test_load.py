import numpy as np
import pytest

from tinyvid.data import FrameDataset, load_dataset
from tinyvid.errors import DataError


@pytest.fixture(scope="module")
def synthetic_small() -> FrameDataset:
    return load_dataset("synthetic", image_size=(24, 24), seed=5, clips_per_class=20)


def _sides(ds: FrameDataset):
    return [set(ds.split(n).groups.tolist()) for n in ("train", "val", "test")]


def test_synthetic_default_is_48x48_grey_in_unit_range():
    ds = load_dataset("synthetic")
    assert ds.image_size == (48, 48) and ds.channels == 1
    assert ds.class_names == ("background", "person", "vehicle")
    assert ds.describe()["frames"] == 3 * 500 * 3
    x = ds.train.x
    assert x.dtype == np.float32 and x.shape[1:] == (48, 48, 1)
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(np.rint(x * 255) / 255, x.astype(np.float64).astype(np.float32))
    assert ds.train.y.dtype == np.int64 and ds.train.groups.dtype == np.int64


def test_no_clip_is_on_two_sides(synthetic_small):
    train, val, test = _sides(synthetic_small)
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(train) > len(val) > 0 and len(test) > 0


def test_splits_are_stratified_and_deterministic(synthetic_small):
    desc = synthetic_small.describe()
    for split in ("train", "val", "test"):
        counts = list(desc["splits"][split]["per_class"].values())
        assert max(counts) == min(counts) > 0
    again = load_dataset("synthetic", image_size=(24, 24), seed=5, clips_per_class=20)
    np.testing.assert_array_equal(again.test.x, synthetic_small.test.x)
    np.testing.assert_array_equal(again.test.groups, synthetic_small.test.groups)


def test_rgb_synthetic_has_three_channels():
    ds = load_dataset("synthetic", image_size=(16, 20), channels=3, val_fraction=0.2, test_fraction=0.2,
                      clips_per_class=10)
    assert ds.train.x.shape[1:] == (16, 20, 3)
    assert ds.describe()["splits"]["val"]["frames"] > 0


def test_lfw_holds_100_faces_and_100_non_faces():
    ds = load_dataset("lfw")
    assert ds.class_names == ("non_face", "face")
    assert ds.image_size == (25, 25) and ds.channels == 1
    y = np.concatenate([ds.train.y, ds.val.y, ds.test.y])
    assert np.bincount(y).tolist() == [100, 100]
    groups = np.concatenate([ds.train.groups, ds.val.groups, ds.test.groups])
    assert np.unique(groups).size == 200  # each photo is its own group
    # faces are textured photos, the non-face patches mostly smooth: a real difference
    x = np.concatenate([ds.train.x, ds.val.x, ds.test.x])[..., 0]
    edges = np.abs(np.diff(x, axis=1)).mean(axis=(1, 2))
    assert edges[y == 1].mean() > edges[y == 0].mean()


def test_lfw_resizes_to_a_requested_size():
    ds = load_dataset("lfw", image_size=(32, 32), channels=3)
    assert ds.train.x.shape[1:] == (32, 32, 3)


def test_bad_split_fractions_are_a_data_error():
    with pytest.raises(DataError, match="fractions"):
        load_dataset("lfw", val_fraction=0.6, test_fraction=0.5)


def test_unknown_source_names_the_builtin_ones():
    with pytest.raises(DataError, match="unknown data source 'cifar'") as err:
        load_dataset("cifar")
    assert "synthetic" in err.value.hint and "lfw" in err.value.hint
