"""Media files: ffmpeg location, probing, exact frame grabs, hashing and synthetic clips."""
