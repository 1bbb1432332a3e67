"""Scenario files: format, validation and overrides."""

from sim.scenario.loader import load_scenario, parse_scenario
from sim.scenario.overrides import apply_overrides, parse_assignments
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "apply_overrides", "load_scenario", "parse_assignments", "parse_scenario"]
