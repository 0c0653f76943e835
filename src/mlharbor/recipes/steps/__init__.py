"""The steps of the regression and classification recipes, in DAG order."""
