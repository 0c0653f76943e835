"""Small shared helpers with no dependency on other mlharbor layers."""
