import csv

import numpy as np

from tinyvid.data import export_raw, load_dataset


def test_export_raw_writes_hwc_uint8_files_and_labels(tmp_path):
    ds = load_dataset("lfw", image_size=(12, 10), channels=3)
    out = export_raw(ds.test, tmp_path / "raw", ds.class_names, limit=5)
    rows = list(csv.DictReader(open(out / "labels.csv")))
    assert len(rows) == 5
    for i, row in enumerate(rows):
        data = np.frombuffer((out / row["file"]).read_bytes(), np.uint8)
        assert data.size == 12 * 10 * 3
        np.testing.assert_array_equal(data.reshape(12, 10, 3), np.rint(ds.test.x[i] * 255).astype(np.uint8))
        assert int(row["label"]) == ds.test.y[i]
        assert row["class_name"] == ds.class_names[ds.test.y[i]]
