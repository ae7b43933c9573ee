"""Pure Python, standard library only: exam content, the attempt lifecycle, time."""
