"""Adapter for camel-tools' pretrained BERT NER (``--ner camel``), used only when its data is installed.

``camel_tools.data`` downloads a catalogue over the network when imported without one, and the
NER model needs torch and transformers: so nothing of camel_tools.ner is imported until
:meth:`CamelTagger.load` has checked that the catalogue, the model data and those packages are all
there. This path cannot run in the development environment (no torch, no data); it is kept small.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from pipeline.errors import ResourceMissingError
from pipeline.nlp.entities.rules import Analysis, Candidate

__all__ = ["CamelTagger", "camel_data_dir", "missing_camel_resources"]

_TYPES = {"PERS": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}  # MISC is dropped
INSTALL_HINT = (
    "install the CAMeL NER extra and its data: `pip install 'wirepipe[camel-ner]'` "
    "then `camel_data -i ner-arabert` (or set CAMELTOOLS_DATA to a directory that holds "
    "catalogue.json and data/ner/arabert)"
)


def camel_data_dir() -> Path:
    """camel-tools' data directory: ``$CAMELTOOLS_DATA`` or ``~/.camel_tools`` (as camel-tools decides)."""
    env = os.environ.get("CAMELTOOLS_DATA")
    return Path(env).expanduser().absolute() if env else Path.home() / ".camel_tools"


def missing_camel_resources() -> list[str]:
    """Return what ``--ner camel`` lacks (empty when it can load), without importing camel_tools.data."""
    missing = [f"python package {name}" for name in ("torch", "transformers")
               if importlib.util.find_spec(name) is None]
    data = camel_data_dir()
    if not (data / "catalogue.json").is_file():
        missing.append(f"camel-tools catalogue {data / 'catalogue.json'}")
    ner_dir = data / "data" / "ner"
    if not ner_dir.is_dir() or not any(ner_dir.glob("*/config.json")):
        missing.append(f"camel-tools NER data (a model under {ner_dir})")
    return missing


def require_camel_resources() -> None:
    """Raise ResourceMissingError saying what to install when ``--ner camel`` cannot load."""
    missing = missing_camel_resources()
    if missing:
        raise ResourceMissingError(f"--ner camel needs {', '.join(missing)}: {INSTALL_HINT}")


class CamelTagger:
    """Wraps ``NERecognizer.pretrained()``; returns our candidates (method ``camel``)."""

    def __init__(self, recognizer):
        self._ner = recognizer

    @classmethod
    def load(cls) -> "CamelTagger":
        """Load the pretrained model, or raise ResourceMissingError saying what to install."""
        require_camel_resources()
        from camel_tools.ner import NERecognizer  # only now: this import reads the catalogue

        return cls(NERecognizer.pretrained(use_gpu=False))

    def tag(self, a: Analysis, rule_cands: list[Candidate] | None = None) -> list[Candidate]:
        """Tag the field's tokens and return PERSON/ORGANIZATION/LOCATION spans."""
        from pipeline.nlp.entities.conll import spans_from_bio

        if not len(a):
            return []
        labels = self._ner.predict_sentence([t.text for t in a.tokens])
        bio = []
        for label in labels:
            prefix, _, kind = label.partition("-")
            bio.append(f"{prefix}-{_TYPES[kind]}" if kind in _TYPES else "O")
        return [Candidate(s, e, kind, "camel", a.readings[s][0], rule="camel")
                for kind, s, e in sorted(spans_from_bio(bio), key=lambda x: x[1])]
