import numpy as np

from tinyvid.data import synthetic


def test_same_seed_renders_identical_clips():
    a = synthetic.generate((32, 32), seed=3, clips_per_class=3, frames_per_clip=4)
    b = synthetic.generate((32, 32), seed=3, clips_per_class=3, frames_per_clip=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_other_seed_renders_other_clips():
    a, _, _ = synthetic.generate((32, 32), seed=1, clips_per_class=2, frames_per_clip=3)
    b, _, _ = synthetic.generate((32, 32), seed=2, clips_per_class=2, frames_per_clip=3)
    assert np.mean(a != b) > 0.5


def test_every_class_has_the_same_number_of_clips_and_frames():
    frames, labels, groups = synthetic.generate((24, 32), seed=0, clips_per_class=4, frames_per_clip=5)
    assert frames.shape == (3 * 4 * 5, 24, 32, 3) and frames.dtype == np.uint8
    assert np.bincount(labels).tolist() == [20, 20, 20]
    assert np.unique(groups).size == 12
    for g in np.unique(groups):  # a clip has one label
        assert np.unique(labels[groups == g]).size == 1


def test_frames_of_a_clip_move_and_are_noisy():
    frames, _, groups = synthetic.generate((48, 48), seed=0, clips_per_class=2, frames_per_clip=6)
    clip = frames[groups == 3].astype(np.int16)  # a person clip
    assert np.abs(np.diff(clip, axis=0)).mean() > 1.0  # motion, noise, flicker
    assert clip.std() > 5  # textured, not flat


def test_person_and_background_clips_differ_in_content_not_only_in_label():
    frames, labels, _ = synthetic.generate((48, 48), seed=0, clips_per_class=20, frames_per_clip=2)
    # a person is a thin vertical figure: column-wise gradients are stronger than in the
    # background class on average (a weak but real statistical difference)
    grad = np.abs(np.diff(frames.astype(np.float32).mean(axis=3), axis=2)).mean(axis=(1, 2))
    assert grad[labels == 1].mean() > grad[labels == 0].mean()
