"""Public comment (F.S. 286.0114): comment policies, speaker requests, written comments, the live queue."""
