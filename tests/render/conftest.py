"""Fixtures for the render tests: the install tests' offline kit, and a rendered tool."""

from __future__ import annotations
