"""What every part of the kit stands on: the study config, paths, periods, errors, JSON files, the
report language, pseudonyms and the lazy package exports. Imports no analysis."""
