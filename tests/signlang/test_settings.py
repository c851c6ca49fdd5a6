"""Every section schema (beside the code it drives): a code default is params.yaml's value or absent
(a section built in code, or a params.yaml without a key, means what params.yaml says); the loader
validates only the sections asked for and refuses unknown section names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from realtime.settings import CaptureParams, LiveParams, SentenceParams, ServeParams, SpeechParams
from signlang.errors import ParamsError
from signlang.params import Params, load_params
from signlang.settings import KNOWN_SECTIONS, load_section, load_sections

APP_SCHEMAS = {"serve": ServeParams, "live": LiveParams, "sentence": SentenceParams, "speech": SpeechParams,
               "capture": CaptureParams}
SCHEMAS = {**{name: field.annotation for name, field in Params.model_fields.items()}, **APP_SCHEMAS}
SECTIONS = tuple(SCHEMAS)


# Values params.yaml states for the starter data, never a default for a team's own data: the
# starter's English spellings (`thankYou` read as `thanks`) must not rename another team's labels.
STARTER_DATA_KEYS = {"ingest.label_aliases"}


def defaults_unlike(model: BaseModel, where: str) -> list[str]:
    """'key: code default ... params.yaml ...' for every non-required field of `model` (and of the
    sections inside it, e.g. train.augment) whose default is not its value."""
    found = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if not field.is_required():
            default = field.get_default(call_default_factory=True)
            if default != value and f"{where}{name}" not in STARTER_DATA_KEYS:
                found.append(f"{where}{name}: code default {default!r}, params.yaml {value!r}")
        if isinstance(value, BaseModel):
            found += defaults_unlike(value, f"{where}{name}.")
    return found


@pytest.fixture(scope="module")
def shipped(project_root: Path) -> tuple[object, dict]:
    path = project_root / "params.yaml"
    return load_sections(path, **SCHEMAS), yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_section_has_a_schema() -> None:
    assert set(SECTIONS) == set(KNOWN_SECTIONS)


@pytest.mark.parametrize("section", SECTIONS)
def test_code_defaults_are_the_params_yaml_values(shipped: tuple[object, dict], section: str) -> None:
    params, raw = shipped
    assert section in raw, f"params.yaml has no {section}: section"
    value = getattr(params, section)
    differing = defaults_unlike(value, f"{section}.")
    field = Params.model_fields.get(section)
    if field is not None and not field.is_required() and field.get_default(call_default_factory=True) != value:
        differing.insert(0, f"{section}: the section's default is not params.yaml's")
    assert differing == []


@pytest.mark.parametrize("section", SECTIONS)
def test_params_yaml_writes_every_key(shipped: tuple[object, dict], section: str) -> None:
    """So the comparison above is made against a value params.yaml states (and documents)."""
    params, raw = shipped

    def missing(model: BaseModel, written: dict, where: str) -> list[str]:
        out = []
        for name in type(model).model_fields:
            if name not in written:
                out.append(f"{where}{name}")
            elif isinstance(getattr(model, name), BaseModel):
                out += missing(getattr(model, name), written[name], f"{where}{name}.")
        return out

    assert missing(getattr(params, section), raw[section], f"{section}.") == []


def test_a_command_validates_only_its_own_sections(tmp_path: Path, project_root: Path) -> None:
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["capture"]["codec"] = "not-a-fourcc"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    load_params(path)  # the pipeline's sections are fine
    with pytest.raises(ParamsError, match=r"capture\.codec"):
        load_section("capture", CaptureParams, path)


def test_an_unknown_section_is_refused(tmp_path: Path, project_root: Path) -> None:
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["trian"] = {"epochs": 3}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError, match="unknown section trian"):
        load_params(path)


# A score quoted in a comment: three decimals (0.936), a percentage, or "accuracy"/"F1" beside a
# number. Measured figures live in docs/results.md, where they carry their command and date.
QUOTED_SCORE = re.compile(r"\b[01]\.\d{3}\b|\d\s?%|(accuracy|F1)[^#]{0,20}\b0\.\d{2,}")


def test_params_yaml_comments_quote_no_measured_figure(project_root: Path) -> None:
    lines = (project_root / "params.yaml").read_text(encoding="utf-8").splitlines()
    quoting = [f"line {number}: {line.strip()}" for number, line in enumerate(lines, 1)
               if "#" in line and QUOTED_SCORE.search(line.split("#", 1)[1])]
    assert quoting == []
