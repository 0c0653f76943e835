"""MLflow Recipes: template-driven model development with step caching.

``from mlharbor.recipes import Recipe``; ``Recipe(profile="local").run()`` runs the recipe of
the current directory (ingest -> split -> transform -> train -> evaluate -> register).
pandas and scikit-learn load only when a step runs.
"""

from __future__ import annotations

from mlharbor.recipes.recipe import ClassificationRecipe, Recipe, RegressionRecipe

__all__ = ["ClassificationRecipe", "Recipe", "RegressionRecipe"]
