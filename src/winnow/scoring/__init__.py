"""Scorers measure documents; they never decide. Deciding is `winnow.selection`'s job."""

from winnow.scoring.base import Scorer, apply_rules

__all__ = ["Scorer", "apply_rules"]
