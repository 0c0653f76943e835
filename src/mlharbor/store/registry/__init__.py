"""Model-registry stores: the :class:`RegistryStore` contract and its SQL and REST backends."""
