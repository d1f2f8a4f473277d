// why: filled by its instrument
