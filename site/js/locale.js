// locale: filled by its instrument
