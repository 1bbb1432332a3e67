"""Lambert azimuthal equal-area projection on the authalic sphere.

Equal area is what makes `km² = cells × cell area` true everywhere on the map; the shape distortion it
trades for that is small over a few hundred kilometres around the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AUTHALIC_RADIUS_KM = 6371.0072


@dataclass(frozen=True)
class EqualArea:
    """Forward and inverse projection between lon/lat degrees and x/y km around (lon0, lat0)."""

    lon0: float
    lat0: float

    def forward(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lam = np.radians(np.asarray(lon, dtype=float)) - np.radians(self.lon0)
        phi = np.radians(np.asarray(lat, dtype=float))
        phi0 = np.radians(self.lat0)
        k = np.sqrt(2.0 / (1.0 + np.sin(phi0) * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(lam)))
        x = AUTHALIC_RADIUS_KM * k * np.cos(phi) * np.sin(lam)
        y = AUTHALIC_RADIUS_KM * k * (np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(lam))
        return x, y

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        phi0 = np.radians(self.lat0)
        rho = np.hypot(x, y)
        c = 2.0 * np.arcsin(np.clip(rho / (2.0 * AUTHALIC_RADIUS_KM), -1, 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(rho > 0, y * np.sin(c) * np.cos(phi0) / np.where(rho > 0, rho, 1), 0.0)
        phi = np.arcsin(np.clip(np.cos(c) * np.sin(phi0) + ratio, -1, 1))
        lam = np.arctan2(x * np.sin(c), rho * np.cos(phi0) * np.cos(c) - y * np.sin(phi0) * np.sin(c))
        return np.degrees(lam) + self.lon0, np.degrees(phi)

    def transform_coords(self, coords: np.ndarray) -> np.ndarray:
        """(N, 2) lon/lat -> (N, 2) x/y km; the signature shapely.transform expects."""
        x, y = self.forward(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
