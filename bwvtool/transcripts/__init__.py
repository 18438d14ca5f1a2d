"""What was said in a clip: transcripts read from WebVTT, SRT and EAF (or made offline by speech recognition),
stored per clip and version, searched across the workspace, and the language codes rules suggest from them."""
