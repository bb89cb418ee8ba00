"""The custom-context key schema: every key string the plugin reads or writes lives here.

Flyte's ``custom_context`` is a ``dict[str, str]`` that propagates to child actions and is
shown to link renderers. The schema is a wire contract shared with the reference plugin:

* ``wandb_<field>`` for every :func:`wandb_config` field,
* ``wandb_sweep_<field>`` for every :func:`wandb_sweep_config` field,
* ``_wandb_run_id`` (set by ``@wandb_init``) and ``_wandb_sweep_id`` (set by ``@wandb_sweep``),
* ``_wandb_run_offline`` (set by ``@wandb_init`` next to ``_wandb_run_id`` when that run fell back
  to offline during a W&B outage: children joining it stay offline). This key is ours; the
  reference plugin ignores it.
* ``wandb_artifacts`` (a ``wandb_config`` field like the others, ours too): ``true``, ``false`` or
  a JSON object from output name to ``false``, a type, or ``{"type", "aliases", "max_objects"}``
  (``_artifacts_option.py`` owns its rules).

Lists, dicts and bools are stored as JSON; every other value with ``str()``.
"""

from __future__ import annotations

import json
from typing import Any

RUN_PREFIX = "wandb_"
SWEEP_PREFIX = "wandb_sweep_"
RUN_ID_KEY = "_wandb_run_id"
SWEEP_ID_KEY = "_wandb_sweep_id"
RUN_OFFLINE_KEY = "_wandb_run_offline"

# Individual run-config keys that links and decorators read directly.
PROJECT_KEY = "wandb_project"
ENTITY_KEY = "wandb_entity"
HOST_KEY = "wandb_host"
ID_KEY = "wandb_id"
MODE_KEY = "wandb_mode"

# A key of the W&B run's config (not of custom_context): ``@wandb_init`` lists a task's Flyte
# ``File``/``Dir`` inputs under it, and ``flyte wandb sync`` turns them into artifact uses.
INPUTS_CONFIG_KEY = "flyte_inputs"


def run_key(field_name: str) -> str:
    return RUN_PREFIX + field_name


def sweep_key(field_name: str) -> str:
    return SWEEP_PREFIX + field_name


def is_run_key(key: str) -> bool:
    """True for ``wandb_<field>`` keys, never for ``wandb_sweep_<field>`` keys."""
    return key.startswith(RUN_PREFIX) and not key.startswith(SWEEP_PREFIX)


def is_sweep_key(key: str) -> bool:
    return key.startswith(SWEEP_PREFIX)


def encode_value(value: Any) -> str:
    """Encode one field value for ``custom_context`` (JSON for containers and bools)."""
    if isinstance(value, (list, tuple, dict, bool)):
        return json.dumps(list(value) if isinstance(value, tuple) else value, sort_keys=False)
    return str(value)
