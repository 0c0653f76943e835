"""The SQL registry store, sharing the tracking database and its migrations."""
