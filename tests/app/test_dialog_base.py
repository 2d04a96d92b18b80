"""Every dialog of the app is a :class:`Dialog`: one look, Escape answers None, one base."""

from __future__ import annotations

import importlib
import pkgutil

from textual.screen import ModalScreen

import workbench.app
from workbench.app.screens.dialogs.base import Dialog


def _modal_screens() -> set[type[ModalScreen[object]]]:
    for info in pkgutil.walk_packages(workbench.app.__path__, "workbench.app."):
        importlib.import_module(info.name)
    found: set[type[ModalScreen[object]]] = set()
    todo: list[type[ModalScreen[object]]] = [ModalScreen]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("workbench.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_modal_screen_of_the_app_is_a_dialog() -> None:
    screens = _modal_screens()
    names = {s.__name__ for s in screens}
    assert {"ChoiceDialog", "ConflictDialog", "CompareMenu", "StageDialog", "KeysHelp"} <= names
    assert {s.__name__ for s in screens if not issubclass(s, Dialog)} == set()
    # one base: no other class between a dialog and ModalScreen
    assert {s.__name__ for s in screens if ModalScreen in s.__bases__} == {"Dialog"}
