"""The rules of the contest, one module each: control, movement, combat, supply, air power, events."""
