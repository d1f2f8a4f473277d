// explore: filled by its instrument
