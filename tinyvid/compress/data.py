"""The data set a model is compressed with: the one it was trained on.

``tinyvid train`` writes ``model.json`` beside ``model.keras``, recording the data set
(source, class names, image size, channels, frames per second of video, the seed of
the synthetic set and of the split). Without ``--data``, compress loads exactly that
data set again, so fine-tuning and calibration see the model's own classes and the
test split is the one training held out. With ``--data`` the classes must be the
model's: a data set with other class names is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from tinyvid.errors import DataError

RECORD_FILE = "model.json"
_DATA_HINT = "pass the data set the model was trained on: --data synthetic, --data lfw or --data FOLDER"


def model_record(model_path) -> dict | None:
    """The ``model.json`` written beside ``model_path`` by train or import, if it is this model's."""
    path = Path(model_path)
    record_path = path.parent / RECORD_FILE
    if not record_path.is_file():
        return None
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("model_file") == path.name else None


def load_matching_dataset(input_shape, num_classes: int, source=None, *, record: dict | None = None,
                          fps: float | None = None, seed: int = 0, progress: bool = False):
    """The data set for a model taking ``input_shape`` (H, W, C) frames and giving
    ``num_classes`` outputs: ``source`` (a name, a folder or a loaded FrameDataset),
    or, when it is None, the data set ``record`` (the model's ``model.json``) names."""
    from tinyvid.data import load_dataset

    h, w, c = (int(v) for v in input_shape)
    recorded = (record or {}).get("data")
    recorded_classes = (record or {}).get("class_names") or (recorded or {}).get("class_names")
    if source is None:
        if not recorded:
            raise DataError("there is no record of the data set this model was trained on (no model.json from tinyvid train beside it)",
                            _DATA_HINT)
        source = recorded.get("source") or recorded.get("name")
        details = recorded.get("details", {})
        options = {"fps": fps if fps is not None else details.get("fps")}
        if source == "synthetic" and details.get("clips_per_class"):
            options["clips_per_class"] = details["clips_per_class"]
        seed = int(details.get("seed", (record.get("training") or {}).get("seed", seed)))  # the split training held out
        if source not in ("synthetic", "lfw") and not Path(source).exists():
            raise DataError(f"the data set the model was trained on, {source}, is not there any more", _DATA_HINT)
    else:
        options = {"fps": fps}
    if isinstance(source, (str, Path)):
        if c not in (1, 3):
            raise DataError(f"the model takes {c}-channel frames; tinyvid data sets are grey (1) or RGB (3)",
                            "compress a model with 1 or 3 input channels")
        dataset = load_dataset(str(source), image_size=(h, w), channels=c, seed=seed, progress=progress,
                               **{k: v for k, v in options.items() if v is not None})
    else:
        dataset = source
    if tuple(dataset.input_shape) != (h, w, c):
        raise DataError(f"the data set frames are {tuple(dataset.input_shape)} but the model takes {(h, w, c)}",
                        "load the data set with the model's image size and channels")
    if recorded_classes and list(recorded_classes) != list(dataset.class_names):
        raise DataError(f"the data set's classes ({', '.join(dataset.class_names)}) are not the model's "
                        f"({', '.join(recorded_classes)})",
                        "compress with the data set the model was trained on (drop --data to use the one model.json records)")
    if num_classes != dataset.num_classes:
        raise DataError(f"the model has {num_classes} outputs but the data set has {dataset.num_classes} classes "
                        f"({', '.join(dataset.class_names)})", _DATA_HINT)
    if len(dataset.train) == 0 or len(dataset.test) == 0:
        raise DataError("the data set has an empty train or test split", "use a data set with more clips")
    return dataset
