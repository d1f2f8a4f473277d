// lab: filled by its instrument
