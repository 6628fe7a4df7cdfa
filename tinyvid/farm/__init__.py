"""Board farms through labgrid: places acquired, reached and released, and
tinyvid's emulated boards exported as a farm node.

- ``hold_place(spec)`` acquires a labgrid place (a name or tags) for a ``with``
  block, waiting while another user holds it, and gives its serial URL;
- ``place_port(place, port=...)`` the same for a command's ``--place``;
- ``measure_place(case)`` benches and validates a suite case on its place;
- ``serve_farm(projects)`` exports emulated boards as places (``tinyvid farm serve``),
  ``run_coordinator()`` runs labgrid's coordinator (``tinyvid farm coordinator``).

labgrid runs in an environment of its own (:mod:`tinyvid.farm.labgrid_env`).
"""

from tinyvid.farm.labgrid_env import LABGRID, LABGRID_VERSION, coordinator_address, labgrid_python
from tinyvid.farm.flash import flash_driver, flash_place
from tinyvid.farm.measure import measure_place, place_port
from tinyvid.farm.places import HeldPlace, hold_place, list_places, setup_place
from tinyvid.farm.serve import run_coordinator, serve_farm

__all__ = ["LABGRID", "LABGRID_VERSION", "HeldPlace", "coordinator_address", "flash_driver", "flash_place",
           "hold_place", "labgrid_python",
           "list_places", "measure_place", "place_port", "run_coordinator", "serve_farm", "setup_place"]
