"""CLI commands of the data and train stages (thin wrappers over the library):
``tinyvid data``, ``tinyvid train``, ``tinyvid import``."""

from __future__ import annotations

import json

import click

from tinyvid.cli.options import POSITIVE, SEED, json_flag, output_option
from tinyvid.train.architectures import ARCHITECTURES, DEFAULT_ARCH
from tinyvid.train.fitting import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE, DEFAULT_PATIENCE, MIN_PATIENCE_STEPS


class ImageSize(click.ParamType):
    """``HxW`` (e.g. ``48x48``) or one number for a square."""

    name = "HxW"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value).lower().replace("*", "x")
        try:
            parts = [int(v) for v in text.split("x")]
        except ValueError:
            parts = []
        if len(parts) == 1:
            parts = parts * 2
        if len(parts) != 2 or min(parts) < 1:
            self.fail(f"'{value}' is not an image size; use HxW, e.g. 48x48 or 96x96", param, ctx)
        return tuple(parts)


def _data_options(image_size, channels, fps, skip_bad: bool = False) -> dict:
    options = {k: v for k, v in {"image_size": image_size, "channels": channels, "fps": fps}.items() if v is not None}
    return {**options, "skip_bad": True} if skip_bad else options


def _note_skipped(desc: dict) -> None:
    skipped = desc.get("details", {}).get("skipped", [])
    if skipped:
        click.echo(f"note: left out {len(skipped)} unreadable file(s): {', '.join(skipped)}", err=True)


_data_source = click.option("--data", "source", default="synthetic", show_default=True, metavar="SOURCE",
                            help="'synthetic' (built-in video clips), 'lfw' (faces / non-faces) or a folder "
                                 "with one subfolder per class of images or video clips.")
_image_size = click.option("--image-size", type=ImageSize(), default=None,
                           help="Model input size HxW [synthetic and folders: 48x48; lfw: 25x25].")
_channels = click.option("--channels", type=click.Choice(["1", "3"]), default=None,
                         help="1 = grayscale, 3 = RGB [1].")
_fps = click.option("--fps", type=POSITIVE, default=None, help="Frames sampled per second of video [2].")
_skip_bad = click.option("--skip-bad", is_flag=True,
                         help="Leave out the files of a data folder that cannot be read (default: list them and stop).")


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def _split_line(desc: dict) -> str:
    s = desc["splits"]
    def one(name):
        frames, clips = s[name]["frames"], s[name]["clips"]
        return f"{name} {frames}" + (f" ({clips} clips)" if clips != frames else "")

    return "  ".join(one(name) for name in ("train", "val", "test"))


@click.command("data")
@click.argument("source", default="synthetic", metavar="[SOURCE]")
@_image_size
@_channels
@_fps
@_skip_bad
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the synthetic data and the splits.")
@json_flag("the description")
def data_command(source, image_size, channels, fps, skip_bad, seed, as_json):
    """Describe a data set: classes and frames per split.

    SOURCE is 'synthetic' (default), 'lfw' or a folder with one subfolder per class.
    """
    from tinyvid.data import load_dataset

    ds = load_dataset(source, seed=seed, progress=not as_json,
                      **_data_options(image_size, int(channels) if channels else None, fps, skip_bad))
    desc = ds.describe()
    _note_skipped(desc)
    if as_json:
        click.echo(json.dumps(desc, indent=2))
        return
    h, w = desc["image_size"]
    click.echo(f"data set   {desc['name']} ({desc['source']})")
    click.echo(f"frames     {desc['frames']} at {h}x{w}x{desc['channels']}, float [0, 1] = uint8 / 255")
    click.echo(f"splits     {_split_line(desc)}")
    width = max(len(c) for c in desc["class_names"])
    click.echo(f"{'class':<{width}}  {'train':>6} {'val':>6} {'test':>6}")
    for c in desc["class_names"]:
        counts = [desc["splits"][s]["per_class"][c] for s in ("train", "val", "test")]
        click.echo(f"{c:<{width}}  {counts[0]:>6} {counts[1]:>6} {counts[2]:>6}")


@click.command("train")
@_data_source
@click.option("--arch", type=click.Choice(list(ARCHITECTURES)), default=DEFAULT_ARCH, show_default=True,
              help="Architecture.")
@click.option("--epochs", type=click.IntRange(1), default=None,
              help=f"Most epochs (early stopping may end sooner) [{DEFAULT_EPOCHS}].")
@click.option("--batch-size", type=click.IntRange(1), default=None, help=f"Batch size [{DEFAULT_BATCH_SIZE}].")
@click.option("--learning-rate", type=POSITIVE, default=None,
              help=f"Initial Adam learning rate (cosine decay) [{DEFAULT_LEARNING_RATE}].")
@click.option("--patience", type=click.IntRange(0), default=None,
              help=f"Epochs without better validation accuracy before stopping, at least {MIN_PATIENCE_STEPS} "
                   f"optimizer steps; 0: never stop early [{DEFAULT_PATIENCE}].")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of data, splits, initialisation and shuffling.")
@_image_size
@_channels
@_fps
@_skip_bad
@click.option("--alpha", type=POSITIVE, default=None, help="Width multiplier of mobilenet_v1 [0.25] / fomo [1.0].")
@click.option("--filters", type=click.IntRange(1), default=None, help="Filters of the first block of tiny_cnn [8] / resnet8 [16].")
@output_option("runs/train", help="Folder for model.keras and model.json.")
@json_flag("the training record")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
def train_command(source, arch, epochs, batch_size, learning_rate, patience, seed, image_size, channels, fps,
                  skip_bad, alpha, filters, out_dir, as_json, quiet):
    """Train a built-in architecture on a data set and save model.keras + model.json."""
    from tinyvid.train import train

    options = {k: v for k, v in {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
                                 "patience": patience}.items() if v is not None}
    arch_params = {k: v for k, v in {"alpha": alpha, "filters": filters}.items() if v is not None}
    result = train(source, arch, seed=seed, out_dir=out_dir, progress=not quiet,
                   data_options=_data_options(image_size, int(channels) if channels else None, fps, skip_bad),
                   **options, **arch_params)
    rec = result.record
    _note_skipped(rec["data"])
    if as_json:
        click.echo(json.dumps(rec, indent=2))
        return
    d, t, m = rec["data"], rec["training"], rec["metrics"]
    h, w, c = rec["input_shape"]
    params = ", ".join(f"{k}={v}" for k, v in rec["architecture"]["params"].items())
    minutes, seconds = divmod(int(round(t["seconds"])), 60)
    click.echo(f"data       {d['name']}: {len(d['class_names'])} classes ({', '.join(d['class_names'])}), {h}x{w}x{c}")
    click.echo(f"           {_split_line(d)}")
    click.echo(f"model      {rec['architecture']['name']} ({params})")
    click.echo(f"           {rec['parameters']:,} parameters, {rec['macs'] / 1e6:.2f} M MACs")
    click.echo(f"training   {t['epochs_run']} epochs (best {t['best_epoch']}), {minutes}m {seconds:02d}s, seed {t['seed']}")
    if rec.get("task") == "detection":
        tol = rec["detection"]["tolerance_px"]
        click.echo(f"centroids  F1 train {_pct(m['train']['f1'])}  val {_pct(m['val']['f1'])}  test {_pct(m['test']['f1'])}"
                   f"  (score >= {rec['detection']['threshold']:g}, within {tol:g} px; test precision {_pct(m['test']['precision'])}, recall "
                   f"{_pct(m['test']['recall'])}, count error {m['test']['count_error']:.3f})")
    else:
        click.echo(f"accuracy   train {_pct(m['train']['accuracy'])}  val {_pct(m['val']['accuracy'])}  "
                   f"test {_pct(m['test']['accuracy'])}")
    click.echo(f"saved      {result.model_path}")
    click.echo(f"           {result.record_path}")


@click.command("import")
@click.argument("model", type=click.Path())
@output_option("runs/import", help="Folder for the imported model and model.json.")
@json_flag("the import record")
def import_command(model, out_dir, as_json):
    """Import a model into OUT: .keras/.h5, a SavedModel folder, a float/int8 .tflite,
    a PyTorch torch.export program (.pt2, needs tinyvid[torch]) or .onnx.

    PyTorch and ONNX models are converted to a float NHWC .tflite (litert-torch;
    onnx2tf in an environment of its own, set up on first use); compress quantizes it.
    """
    from tinyvid.train.importer import import_to

    imported, rec = import_to(model, out_dir)
    if as_json:
        click.echo(json.dumps(rec, indent=2))
        return
    info = rec["model"]
    click.echo(f"model      {model}")
    click.echo(f"kind       {imported.kind}" + (" (converted to float .tflite)" if info.get("converted_to") else ""))
    click.echo(f"input      {'x'.join(str(v) for v in imported.input_shape)} {imported.input_dtype}"
               + (f", scale {info['input_quantization']['scale']:.6g} zero point "
                  f"{info['input_quantization']['zero_point']}" if imported.is_int8 else ""))
    click.echo(f"outputs    {imported.num_outputs}")
    if "parameters" in info:
        click.echo(f"size       {info['parameters']:,} parameters, {info['macs'] / 1e6:.2f} M MACs")
    if "tflite_bytes" in info:
        click.echo(f"size       {info['tflite_bytes']:,} bytes of .tflite")
    click.echo(f"saved      {out_dir}/{rec['model_file']}")
    click.echo(f"           {out_dir}/model.json")


COMMANDS: list = [data_command, train_command, import_command]
