// train: filled by its instrument
